import { App } from 'cdktf';
import { readFileSync } from 'fs';
import { FoundationStack } from './modules/stacks/foundation-stack';

/**
 * Minimal app: synthesizes the export destination of the account described by the config in
 * CWL_SIEM_CONFIG (default examples/default.json). The full config schema and the stacks for all
 * three paths replace this reading of the file.
 */
const configPath = process.env.CWL_SIEM_CONFIG ?? 'examples/default.json';
let config: { partition: 'aws'; region: string; accountId: string; export: { bucketName: string; prefix: string } };
try {
  config = JSON.parse(readFileSync(configPath, 'utf8'));
} catch (e) {
  console.error(`cwl-siem: cannot read config ${configPath}: ${(e as Error).message}`);
  process.exit(2);
}

const app = new App();
try {
  new FoundationStack(app, 'cwl-siem-export', {
    partition: config.partition,
    region: config.region,
    accountId: config.accountId,
    bucketName: config.export?.bucketName,
    prefix: config.export?.prefix,
  });
} catch (e) {
  console.error(`cwl-siem: ${configPath}: ${(e as Error).message}`);
  process.exit(2);
}
app.synth();

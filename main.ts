import { App } from 'cdktf';
import { readFileSync } from 'fs';
import { FoundationStack, FoundationStackProps } from './modules/stacks/foundation-stack';

/**
 * Minimal app: synthesizes the export destination of the account described by the config in
 * CWL_SIEM_CONFIG (default examples/default.json). Everything is validated before the App exists,
 * so bad input writes nothing. The full config schema and the stacks for all three paths replace
 * this reading of the file.
 */
function fail(message: string): never {
  console.error(`cwl-siem: ${message}`);
  process.exit(2);
}

const configPath = process.env.CWL_SIEM_CONFIG ?? 'examples/default.json';
let props: FoundationStackProps;
try {
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  props = {
    partition: config.partition,
    region: config.region,
    accountId: config.accountId,
    bucketName: config.export?.bucketName,
    prefix: config.export?.prefix,
  };
} catch (e) {
  fail(`cannot read config ${configPath}: ${(e as Error).message}`);
}
try {
  FoundationStack.bucketPolicyFor(props);
} catch (e) {
  fail(`${configPath}: ${(e as Error).message}`);
}

const app = new App();
new FoundationStack(app, 'cwl-siem-export', props);
app.synth();

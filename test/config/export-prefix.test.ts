import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ExportSourceConfig, parseCollectorConfig } from '../../collector/src/config/load';
import { collectorConfigSchema } from '../../collector/src/config/schema';
import { configFromTerraform } from '../../collector/src/outputs/to-config';
import { parseConfig } from '../../config/load';
import { toolkitConfigSchema } from '../../config/schema';
import { addStacks } from '../../modules/stacks/app';
import { Json, withStack } from './fixtures';

/**
 * The export prefix has one default, written once (the collector's schema): the toolkit's bucket
 * policy lets CloudWatch Logs write under it, the stack outputs it, and a collector config that leaves
 * it out reads there too.
 */

const DEFAULT = 'cwl-exports';

test('the collector and the toolkit default the export prefix to the same value', () => {
  const exportBranch = collectorConfigSchema.properties.source.allOf.find((b) => b.if.properties.type.const === 'export')!;
  expect((exportBranch.then.properties as Json).prefix.default).toBe(DEFAULT);

  const collector = parseCollectorConfig({ source: { type: 'export', region: 'us-east-1', bucket: 'acme-exports' }, sink: { type: 'stdout' } }, 't', {});
  expect((collector.source as ExportSourceConfig).prefix).toBe(DEFAULT);

  const toolkit = parseConfig(withStack({ export: { bucketName: 'acme-exports' } }), 't');
  expect(toolkit.stacks[0].export?.prefix).toBe(DEFAULT);
  const sender = parseConfig(
    withStack({ export: undefined, exportSender: { bucketName: 'acme-exports', bucketAccountId: '444455556666', identity: { type: 'user', userName: 'u' } } }),
    't',
  );
  expect(sender.stacks[0].exportSender?.prefix).toBe(DEFAULT);
  const stack = (toolkitConfigSchema as Json).properties.stacks.items.properties;
  expect([stack.export.properties.prefix.default, stack.exportSender.properties.prefix.default]).toEqual([DEFAULT, DEFAULT]);
});

test('a synthesized export stack with the default prefix outputs it, and from-terraform writes it', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-prefix-'));
  try {
    const config = parseConfig(withStack({ export: { bucketName: 'acme-exports' } }), 't');
    const app = new App({ outdir });
    addStacks(app, config);
    app.synth();
    const tf = JSON.parse(readFileSync(join(outdir, 'stacks', 'main', 'cdk.tf.json'), 'utf8')) as { output: Record<string, { value: string }> };
    const outputs = Object.fromEntries(Object.entries(tf.output).map(([k, o]) => [k, o.value]));
    expect(outputs.export_prefix).toBe(DEFAULT);
    const { config: written } = configFromTerraform(outputs, { mode: 'export', sink: { type: 'stdout' } });
    expect((written.source as { prefix: string }).prefix).toBe(DEFAULT);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { loadConfig, parseConfig } from '../../config/load';
import { ToolkitConfig } from '../../config/types';
import { stackDependencies, synthesize } from '../../modules/stacks/app';

/**
 * The deploy order `cdktf deploy` follows is what the synthesized manifest records: a stack that
 * points at something another stack of the config creates depends on that stack.
 */

const examples = resolve(__dirname, '..', '..', 'examples');
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Stack name → the stacks it depends on, as `cdktf.out/manifest.json` records them. */
function manifestDependencies(config: ToolkitConfig): Record<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cwl-siem-order-'));
  outdirs.push(dir);
  const outdir = join(dir, 'cdktf.out');
  synthesize(config, outdir);
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
  return Object.fromEntries(Object.entries(manifest.stacks).map(([name, s]) => [name, s.dependencies]));
}

const example = (file: string): ToolkitConfig => loadConfig(join(examples, file));

test('a destination sender deploys after the stack that creates the destination it subscribes to', () => {
  expect(manifestDependencies(example('kinesis-destination.json'))).toEqual({ receiver: [], sender: ['receiver'] });
});

test('a Firehose source deploys after the central stack of its bucket', () => {
  expect(manifestDependencies(example('firehose-central.json'))).toEqual({ central: [], source: ['central'] });
});

test('an export sender deploys after the stack that creates its bucket', () => {
  expect(manifestDependencies(example('export-cross-account-role.json'))).toEqual({ 'export-bucket': [], 'export-sender': ['export-bucket'] });
});

test('a stack holding both ends of a path depends on nothing', () => {
  expect(manifestDependencies(example('default.json'))).toEqual({ 'cwl-siem-main': [] });
});

test('a destination, bucket or central bucket outside the config gives no dependency', () => {
  const config = parseConfig(
    {
      stacks: [
        {
          name: 'sender',
          region: 'us-east-1',
          accountId: '444455556666',
          destinationSender: { destinationArn: 'arn:aws:logs:us-east-1:111122223333:destination:elsewhere', subscription: { logGroupNames: ['/app/a'] } },
          firehose: { deliveryStreamName: 'to-central', destination: { bucketName: 'acme-central-elsewhere' }, subscription: { logGroupNames: ['/app/b'] } },
          exportSender: { bucketName: 'acme-exports-elsewhere', bucketAccountId: '111122223333', identity: { type: 'user', userName: 'exporter' } },
        },
      ],
    },
    'test.json',
  );
  expect(stackDependencies(config)).toEqual([]);
});

test('each dependency says why, naming what the second stack points at', () => {
  expect(stackDependencies(example('kinesis-destination.json'))).toEqual([
    { stack: 'sender', dependsOn: 'receiver', reason: 'subscribes to the destination arn:aws:logs:us-east-1:111122223333:destination:cwl-siem-logs' },
  ]);
});

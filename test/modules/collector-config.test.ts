import { join, resolve } from 'path';
import { parseCollectorConfig } from '../../collector/src/config/load';
import { loadConfig, parseConfig } from '../../config/load';
import { sinkEnvironmentNames } from '../../config/rules';
import { ToolkitConfig } from '../../config/types';
import { COLLECTOR_STATE_DIR, collectorConfigJson } from '../../modules/collector/collector-config';

/**
 * The collector config the toolkit generates for a deployed collector (modules/collector/collector-config.ts):
 * what `config from-terraform` writes for the path's mode, with the deploy block's sink, no assumed role
 * (the task runs as the path's collector role), and a file state in the task's volume without a state table.
 * Each loads with the collector's own loader, the sink's variables set as the task's secrets set them.
 */

const examples = resolve(__dirname, '..', '..', 'examples');
const example = (file: string): ToolkitConfig => loadConfig(join(examples, file));

/** Parses a generated config as the collector does in the task: every variable its sink reads set. */
function load(json: string) {
  const raw = JSON.parse(json) as { source: Record<string, unknown>; state: Record<string, unknown>; sink: Record<string, unknown> };
  const env = Object.fromEntries(sinkEnvironmentNames(raw.sink).map((n) => [n, 'from-the-secret']));
  return { raw, loaded: parseCollectorConfig(raw, 'generated', env) };
}

test('kinesis-with-collector: the stream of the stack, its state table, the Splunk sink as written, no role to assume', () => {
  const config = example('kinesis-with-collector.json');
  const stack = config.stacks[0];
  const { raw, loaded } = load(collectorConfigJson(stack, config, 'kinesis'));
  expect(raw).toEqual({
    source: { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' },
    state: { type: 'dynamodb', table: 'cwl-siem-kinesis-state', region: 'us-east-1' },
    sink: stack.kinesis!.collector!.deploy!.sink,
  });
  expect(loaded.source.type === 'kinesis' && loaded.source.assumeRole).toBeUndefined();
  expect(loaded.state).toMatchObject({ type: 'dynamodb', table: 'cwl-siem-kinesis-state' });
  expect(loaded.sink).toMatchObject({ type: 'splunk-hec', tokenEnv: 'HEC_TOKEN' });
});

test('export-with-collector: the bucket and prefix, the state table with its leader lease, no role to assume', () => {
  const config = example('export-with-collector.json');
  const { raw, loaded } = load(collectorConfigJson(config.stacks[0], config, 'export'));
  expect(raw.source).toEqual({ type: 'export', region: 'us-east-1', bucket: 'acme-cwl-exports-111122223333', prefix: 'cwl-exports' });
  expect(loaded.state).toMatchObject({ type: 'dynamodb', table: 'cwl-siem-export-state', region: 'us-east-1' });
  expect(JSON.stringify(raw)).not.toContain('assumeRole');
});

test('firehose-central-with-collector: the queue URL, the extracted messages of the source stack named, the SIEM role not assumed (no external id)', () => {
  const config = example('firehose-central-with-collector.json');
  const central = config.stacks.find((s) => s.central)!;
  const source = config.stacks.find((s) => s.firehose)!;
  const json = collectorConfigJson(central, config, 'sqs');
  const { raw, loaded } = load(json);
  expect(raw.source).toEqual({
    type: 'sqs',
    queueUrl: `https://sqs.us-east-1.amazonaws.com/${central.accountId}/cwl-siem-objects`,
    region: 'us-east-1',
    objects: { prefixes: [{ prefix: `cwl/${source.accountId}/`, logGroup: '/aws/vpc/flow-logs', logStream: 'cwl-siem-central', owner: source.accountId }] },
  });
  // SQS keeps no state: the file store in the task volume holds nothing but the dead letters.
  expect(loaded.state).toEqual({ type: 'file', dir: COLLECTOR_STATE_DIR });
  expect(COLLECTOR_STATE_DIR).toBe('/var/lib/cwl-siem');
  expect(json).not.toContain('assumeRole');
  expect(json).not.toContain('CWL_SIEM_EXTERNAL_ID');
});

test("the sink's references stay references: the task's secrets resolve them, the config holds no value", () => {
  const base = example('kinesis-with-collector.json');
  const raw = JSON.parse(JSON.stringify(base)) as { stacks: { kinesis: { collector: { deploy: Record<string, unknown> } } }[] };
  raw.stacks[0].kinesis.collector.deploy.sink = {
    type: 'http',
    url: 'https://${SIEM_HOST}/ingest',
    headers: { Authorization: 'Bearer ${SIEM_TOKEN}' },
  };
  raw.stacks[0].kinesis.collector.deploy.secrets = {
    SIEM_HOST: 'arn:aws:ssm:us-east-1:111122223333:parameter/siem-host',
    SIEM_TOKEN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:siem-token-AbCdEf',
  };
  const config = parseConfig(raw, 'test.json');
  const json = collectorConfigJson(config.stacks[0], config, 'kinesis');
  expect(JSON.parse(json).sink).toEqual({ type: 'http', url: 'https://${SIEM_HOST}/ingest', headers: { Authorization: 'Bearer ${SIEM_TOKEN}' } });
  const loaded = parseCollectorConfig(JSON.parse(json), 'generated', { SIEM_HOST: 'siem.example.com', SIEM_TOKEN: 't' });
  expect(loaded.sink.type === 'http' && loaded.sink.url).toBe('https://siem.example.com/ingest');
});

test('a path that deploys no collector has no generated config', () => {
  const config = example('kinesis-with-collector.json');
  expect(() => collectorConfigJson(config.stacks[0], config, 'export')).toThrow('stack kinesis-collector deploys no export collector');
});

test('the same config gives the same JSON, byte for byte', () => {
  const a = example('firehose-central-with-collector.json');
  const b = example('firehose-central-with-collector.json');
  expect(collectorConfigJson(a.stacks[0], a, 'sqs')).toBe(collectorConfigJson(b.stacks[0], b, 'sqs'));
});

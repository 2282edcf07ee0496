import { parseCollectorConfig } from '../../src/config/load';
import { ConfigFromTerraformError } from '../../src/outputs/read';
import { ConfigFromTerraformOptions, ConfigFromTerraformResult, configFromTerraform } from '../../src/outputs/to-config';
import { ERROR_CODES } from '../../src/types';
import { ALL, CENTRAL, EXPORT, KINESIS, terraformJson } from '../fixtures/stack-outputs';

/** Stack outputs → collector config (the library behind `config from-terraform`), checked with the collector's own loader. */

function omit(o: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** Every `${NAME}` of a config set, the way the test checks what the command promises (a valid config once the environment is set). */
function placeholderEnv(config: unknown): NodeJS.ProcessEnv {
  const names = [...JSON.stringify(config).matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
  return Object.fromEntries(names.map((n) => [n, 'set-by-test']));
}

/** Runs the pure function and checks its result with the collector's own loader. */
function build(outputs: unknown, options: ConfigFromTerraformOptions): ConfigFromTerraformResult & { loaded: ReturnType<typeof parseCollectorConfig> } {
  const r = configFromTerraform(outputs, options);
  return { ...r, loaded: parseCollectorConfig(r.config, 'test', placeholderEnv(r.config)) };
}

function failure(outputs: unknown, options: ConfigFromTerraformOptions): string {
  try {
    configFromTerraform(outputs, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigFromTerraformError);
    expect((e as ConfigFromTerraformError).code).toBe(ERROR_CODES.config);
    return (e as Error).message;
  }
  throw new Error('expected configFromTerraform to fail');
}

describe('configFromTerraform: modes', () => {
  test('kinesis: stream, region, and the reader role to assume', () => {
    const { config, loaded, notes } = build(terraformJson(KINESIS), { mode: 'kinesis' });
    expect(config).toEqual({
      source: { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'eu-west-1', assumeRole: { roleArn: ALL.kinesis_reader_role_arn } },
      sink: { type: 'stdout' },
    });
    expect(notes).toEqual([]);
    // Without a state table output the state and dead-letter paths are left to the schema's defaults: files, one replica.
    expect(loaded.state).toEqual({ type: 'file', dir: './state' });
    expect(loaded.deadLetter).toEqual({ path: './state/dead-letter.ndjson' });
    expect(loaded.source).toMatchObject({ assumeRole: { roleArn: ALL.kinesis_reader_role_arn, sessionName: 'cwl-siem-collector' } });
  });

  test('kinesis without a reader role: no assumeRole, and a note says so', () => {
    const { config, notes } = build(omit(KINESIS, 'kinesis_reader_role_arn'), { mode: 'kinesis' });
    expect(config.source).toEqual({ type: 'kinesis', streamName: 'cwl-siem-logs', region: 'eu-west-1' });
    expect(notes.join('\n')).toMatch(/no kinesis_reader_role_arn output.*own credentials/);
  });

  test('export with a role ARN: bucket, prefix, region, and the role to assume', () => {
    const { config, notes } = build(EXPORT, { mode: 'export' });
    expect(config.source).toEqual({
      type: 'export',
      region: 'eu-west-1',
      bucket: ALL.export_bucket,
      prefix: 'cwl-exports',
      assumeRole: { roleArn: ALL.export_collector_arn },
    });
    expect(notes).toEqual([]);
  });

  test("export with an IAM user ARN: no assumeRole, and a note about the user's access keys", () => {
    const user = 'arn:aws:iam::444455556666:user/cwl-siem-exporter';
    const { config, notes } = build({ ...EXPORT, export_collector_arn: user }, { mode: 'export' });
    expect(config.source).toEqual({ type: 'export', region: 'eu-west-1', bucket: ALL.export_bucket, prefix: 'cwl-exports' });
    expect(notes).toEqual([`export_collector_arn is an IAM user (${user}): run the collector with that user's access keys; no assumeRole written`]);
  });

  test('export from the bucket side of a cross-account export (no collector ARN): no assumeRole, a note', () => {
    const { config, notes } = build(omit(EXPORT, 'export_collector_arn'), { mode: 'export' });
    expect(config.source).not.toHaveProperty('assumeRole');
    expect(notes.join('\n')).toMatch(/no export_collector_arn output.*sending account/);
  });

  test('export with a collector ARN that is neither a role nor a user fails naming the output', () => {
    expect(failure({ ...EXPORT, export_collector_arn: 'arn:aws:iam::111122223333:group/x' }, { mode: 'export' })).toBe(
      'output export_collector_arn must be an IAM role or user ARN, got "arn:aws:iam::111122223333:group/x"',
    );
  });

  test('sqs with the SIEM role: the external id defaults to ${CWL_SIEM_EXTERNAL_ID}, with a note', () => {
    const { config, notes, loaded } = build(terraformJson(CENTRAL), { mode: 'sqs' });
    expect(config.source).toEqual({
      type: 'sqs',
      queueUrl: ALL.queue_url,
      region: 'eu-west-1',
      assumeRole: { roleArn: ALL.siem_role_arn, externalId: '${CWL_SIEM_EXTERNAL_ID}' },
    });
    expect(notes.join('\n')).toMatch(/set CWL_SIEM_EXTERNAL_ID where the collector runs.*or pass --external-id/);
    expect(loaded.source.assumeRole?.externalId).toBe('set-by-test');
    // Without the variable the collector refuses to start, naming it.
    expect(() => parseCollectorConfig(config, 'c.json', {})).toThrow(
      /\$\.source\.assumeRole\.externalId: refers to the environment variable CWL_SIEM_EXTERNAL_ID, which is not set/,
    );
  });

  test('sqs --external-id is written as given, and no note asks for the variable', () => {
    const { config, notes } = build(CENTRAL, { mode: 'sqs', externalId: 'acme-siem-7f3c9a2e' });
    expect(config.source).toMatchObject({ assumeRole: { roleArn: ALL.siem_role_arn, externalId: 'acme-siem-7f3c9a2e' } });
    expect(notes.join('\n')).not.toMatch(/CWL_SIEM_EXTERNAL_ID/);
  });

  test('sqs --external-id too short for STS is a problem naming the flag', () => {
    expect(failure(CENTRAL, { mode: 'sqs', externalId: 'x' })).toMatch(
      /\$\.source\.assumeRole\.externalId \(from --external-id\): must NOT have fewer than 2 characters/,
    );
  });

  test('sqs without a SIEM role: no assumeRole; --external-id is then refused', () => {
    const outputs = omit(CENTRAL, 'siem_role_arn');
    const { config, notes } = build(outputs, { mode: 'sqs' });
    expect(config.source).toEqual({ type: 'sqs', queueUrl: ALL.queue_url, region: 'eu-west-1' });
    expect(notes.join('\n')).toMatch(/no siem_role_arn output/);
    expect(failure(outputs, { mode: 'sqs', externalId: 'abc' })).toBe(
      '--external-id is only for --mode sqs with the output siem_role_arn, which these outputs lack',
    );
    expect(failure(ALL, { mode: 'kinesis', externalId: 'abc' })).toBe('--external-id is only for --mode sqs with the output siem_role_arn');
  });

  test('one stack with every path gives each mode its own outputs', () => {
    expect(build(ALL, { mode: 'kinesis' }).config.source).toMatchObject({ type: 'kinesis', streamName: ALL.kinesis_stream_name });
    expect(build(ALL, { mode: 'export' }).config.source).toMatchObject({ type: 'export', bucket: ALL.export_bucket });
    expect(build(ALL, { mode: 'sqs' }).config.source).toMatchObject({ type: 'sqs', queueUrl: ALL.queue_url });
  });
});

describe('configFromTerraform: the state table', () => {
  const KINESIS_TABLE = 'cwl-siem-kinesis-state';
  const EXPORT_TABLE = 'cwl-siem-export-state';
  const tables = { kinesis_state_table_name: KINESIS_TABLE, export_state_table_name: EXPORT_TABLE };

  test('kinesis with kinesis_state_table_name: the DynamoDB state of the table, read with the reader role the source assumes', () => {
    const { config, loaded, notes } = build(terraformJson({ ...KINESIS, ...tables }), { mode: 'kinesis' });
    expect(config).toEqual({
      source: { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'eu-west-1', assumeRole: { roleArn: ALL.kinesis_reader_role_arn } },
      state: { type: 'dynamodb', table: KINESIS_TABLE, region: 'eu-west-1', assumeRole: { roleArn: ALL.kinesis_reader_role_arn } },
      sink: { type: 'stdout' },
    });
    expect(notes).toEqual([]);
    // The lease duration and the session are the collector's defaults, not written.
    expect(loaded.state).toEqual({
      type: 'dynamodb',
      table: KINESIS_TABLE,
      region: 'eu-west-1',
      assumeRole: { roleArn: ALL.kinesis_reader_role_arn, sessionName: 'cwl-siem-collector', durationSeconds: 3600 },
      leaseDurationMs: 10000,
    });
  });

  test("kinesis with a table and no reader role: the table is read with the collector's own credentials too", () => {
    const { config } = build(omit({ ...KINESIS, ...tables }, 'kinesis_reader_role_arn'), { mode: 'kinesis' });
    expect(config.state).toEqual({ type: 'dynamodb', table: KINESIS_TABLE, region: 'eu-west-1' });
  });

  test('export with a role: the export table, with that role; with a user: no assumeRole', () => {
    expect(build({ ...EXPORT, ...tables }, { mode: 'export' }).config.state).toEqual({
      type: 'dynamodb',
      table: EXPORT_TABLE,
      region: 'eu-west-1',
      assumeRole: { roleArn: ALL.export_collector_arn },
    });
    const user = 'arn:aws:iam::444455556666:user/cwl-siem-exporter';
    expect(build({ ...EXPORT, ...tables, export_collector_arn: user }, { mode: 'export' }).config.state).toEqual({
      type: 'dynamodb',
      table: EXPORT_TABLE,
      region: 'eu-west-1',
    });
  });

  test("each mode reads its own path's table; sqs keeps no state (the queue is its state), so it writes none", () => {
    const every = { ...ALL, ...tables };
    expect(build(every, { mode: 'kinesis' }).config.state).toMatchObject({ table: KINESIS_TABLE });
    expect(build(every, { mode: 'export' }).config.state).toMatchObject({ table: EXPORT_TABLE });
    expect(build(every, { mode: 'sqs', externalId: 'acme-siem-7f3c9a2e' }).config).not.toHaveProperty('state');
    expect(build({ ...KINESIS, export_state_table_name: EXPORT_TABLE }, { mode: 'kinesis' }).config).not.toHaveProperty('state');
  });

  test('--set changes the written state block (an endpoint for a local DynamoDB, a longer lease)', () => {
    const { config, loaded } = build(
      { ...KINESIS, ...tables },
      { mode: 'kinesis', set: ['state.endpoint=http://127.0.0.1:4566', 'state.leaseDurationMs=20000', 'state.assumeRole=null'] },
    );
    expect(config.state).toEqual({ type: 'dynamodb', table: KINESIS_TABLE, region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', leaseDurationMs: 20000 });
    expect(loaded.state).toMatchObject({ type: 'dynamodb', leaseDurationMs: 20000 });
  });

  test('a table name the collector would refuse fails naming the output; a sensitive one is refused', () => {
    expect(failure({ ...KINESIS, kinesis_state_table_name: 'a b' }, { mode: 'kinesis' })).toMatch(
      /^the config would not be valid \(1 problem\):\n {2}- \$\.state\.table \(from output kinesis_state_table_name\): /,
    );
    const outputs = { ...terraformJson(KINESIS), kinesis_state_table_name: { sensitive: true, type: 'string', value: KINESIS_TABLE } };
    expect(failure(outputs, { mode: 'kinesis' })).toMatch(/^output kinesis_state_table_name is marked sensitive/);
  });
});

describe('configFromTerraform: sqs, Firehose sources with extracted messages', () => {
  const SOURCE = {
    region: 'eu-west-1',
    account_id: '444455556666',
    firehose_delivery_stream_arn: 'arn:aws:firehose:eu-west-1:444455556666:deliverystream/cwl-siem-central',
    firehose_prefix: 'cwl/444455556666',
    firehose_log_group: '/aws/vpc/flow-logs',
    firehose_log_stream: 'cwl-siem-central',
  };
  const ENVELOPE_SOURCE = omit({ ...SOURCE, account_id: '555566667777', firehose_prefix: 'cwl/555566667777' }, 'firehose_log_group', 'firehose_log_stream');
  const sqs = (options: Partial<ConfigFromTerraformOptions> = {}) => build(CENTRAL, { mode: 'sqs', externalId: 'acme-siem-7f3c9a2e', ...options });

  test("--objects-from: each source stack delivering extracted messages names its prefix's log group, stream and owner; envelope sources add nothing", () => {
    const r = sqs({ objectsFrom: [terraformJson(SOURCE), ENVELOPE_SOURCE] });
    expect((r.config.source as { objects: unknown }).objects).toEqual({
      prefixes: [{ prefix: 'cwl/444455556666/', logGroup: '/aws/vpc/flow-logs', logStream: 'cwl-siem-central', owner: '444455556666' }],
    });
    expect(r.loaded.source.type === 'sqs' && r.loaded.source.objects.prefixes).toHaveLength(1);
    expect(r.notes.join('\n')).toMatch(/objects under cwl\/444455556666\/ hold extracted messages/);
  });

  test('a cdktf outputs file: the other stacks are read for extracted messages, sorted by prefix', () => {
    const other = { ...SOURCE, account_id: '210987654321', firehose_prefix: 'cwl/210987654321/', firehose_log_group: '/aws/lambda/orders' };
    const r = build({ central: CENTRAL, b: SOURCE, a: other, c: ENVELOPE_SOURCE }, { mode: 'sqs', stack: 'central', externalId: 'acme-siem-7f3c9a2e' });
    expect((r.config.source as { objects: { prefixes: { prefix: string }[] } }).objects.prefixes.map((p) => p.prefix)).toEqual([
      'cwl/210987654321/',
      'cwl/444455556666/',
    ]);
  });

  test('no source with extracted messages: no objects block', () => {
    expect((sqs({ objectsFrom: [ENVELOPE_SOURCE] }).config.source as { objects?: unknown }).objects).toBeUndefined();
  });

  test('a source with firehose_log_group but no firehose_prefix, two sources on one prefix with different groups, and --objects-from in another mode are refused', () => {
    expect(failure(CENTRAL, { mode: 'sqs', objectsFrom: [omit(SOURCE, 'firehose_prefix')] })).toBe(
      'a source stack with the output firehose_log_group lacks firehose_prefix',
    );
    expect(failure(CENTRAL, { mode: 'sqs', objectsFrom: [SOURCE, { ...SOURCE, firehose_log_group: '/other' }] })).toMatch(
      /^two source stacks deliver extracted messages under cwl\/444455556666\/ with different log groups/,
    );
    expect(failure(KINESIS, { mode: 'kinesis', objectsFrom: [SOURCE] })).toBe('--objects-from is only for --mode sqs (the Firehose path), got --mode kinesis');
  });
});

describe('configFromTerraform: the mode and the outputs it needs', () => {
  test('a mode the outputs do not fit names the missing output and the mode they fit', () => {
    expect(failure(KINESIS, { mode: 'sqs' })).toBe('--mode sqs needs the output queue_url, which these outputs lack; they fit --mode kinesis');
    expect(failure(CENTRAL, { mode: 'export' })).toBe(
      '--mode export needs the outputs export_bucket and export_prefix, which these outputs lack; they fit --mode sqs',
    );
  });

  test('a missing --mode lists every mode the outputs fit', () => {
    expect(failure(EXPORT, {})).toBe('--mode kinesis|export|sqs is required; they fit --mode export');
    expect(failure(ALL, {})).toBe('--mode kinesis|export|sqs is required; they fit --mode kinesis or --mode export or --mode sqs');
  });

  test('an unknown --mode is refused with the hint', () => {
    expect(failure(KINESIS, { mode: 'firehose' })).toBe('--mode must be one of kinesis, export, sqs, got "firehose"; they fit --mode kinesis');
  });

  test('outputs of a stack no collector reads (a Firehose sender) fit no mode, and the error says what each needs', () => {
    const firehose = {
      region: 'us-east-1',
      account_id: '444455556666',
      firehose_delivery_stream_arn: 'arn:aws:firehose:us-east-1:444455556666:deliverystream/x',
      firehose_prefix: 'cwl/444455556666',
    };
    expect(failure(firehose, { mode: 'kinesis' })).toBe(
      '--mode kinesis needs the output kinesis_stream_name, which these outputs lack; they fit no mode (kinesis needs kinesis_stream_name and region; export needs export_bucket and export_prefix and region; sqs needs queue_url and region)',
    );
  });

  test('region is needed by every mode', () => {
    expect(failure(omit(KINESIS, 'region'), { mode: 'kinesis' })).toMatch(
      /^--mode kinesis needs the output region, which these outputs lack; they fit no mode/,
    );
  });
});

describe('configFromTerraform: input formats', () => {
  const expected = { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'eu-west-1', assumeRole: { roleArn: ALL.kinesis_reader_role_arn } };

  test('terraform output -json, cdktf --outputs-file with one stack, and a flat map give the same config', () => {
    expect(build(terraformJson(KINESIS), { mode: 'kinesis' }).config.source).toEqual(expected);
    expect(build({ kinesis: KINESIS }, { mode: 'kinesis' }).config.source).toEqual(expected);
    expect(build({ kinesis: KINESIS }, { mode: 'kinesis', stack: 'kinesis' }).config.source).toEqual(expected);
    expect(build(KINESIS, { mode: 'kinesis' }).config.source).toEqual(expected);
  });

  test('a cdktf outputs file with several stacks needs --stack, and the error lists them', () => {
    const file = { central: CENTRAL, kinesis: KINESIS };
    expect(failure(file, { mode: 'sqs' })).toBe('the outputs hold several stacks: choose one with --stack NAME (central, kinesis)');
    expect(failure(file, { mode: 'sqs', stack: 'nope' })).toBe('--stack nope: no such stack in the outputs; they hold central, kinesis');
    expect(build(file, { mode: 'sqs', stack: 'central' }).config.source).toMatchObject({ queueUrl: ALL.queue_url });
    expect(build(file, { mode: 'kinesis', stack: 'kinesis' }).config.source).toEqual(expected);
    // The hint is about the chosen stack's outputs.
    expect(failure(file, { mode: 'kinesis', stack: 'central' })).toMatch(/they fit --mode sqs$/);
    expect(failure({ a: {}, b: KINESIS }, { mode: 'kinesis', stack: 'a' })).toBe('stack a has no outputs: was it deployed?');
  });

  test('--stack with outputs that name no stack is refused', () => {
    expect(failure(terraformJson(KINESIS), { mode: 'kinesis', stack: 'kinesis' })).toBe(
      '--stack kinesis: only a cdktf --outputs-file file names stacks, and these outputs are terraform output -json',
    );
    expect(failure(KINESIS, { mode: 'kinesis', stack: 'kinesis' })).toMatch(
      /^--stack kinesis: only a cdktf --outputs-file file names stacks, and these outputs are a \{"name": "value"\} map/,
    );
  });

  test.each([
    ['an array', [], 'the outputs must be a JSON object (terraform output -json, cdktf --outputs-file, or {"name": "value"}), got an array'],
    ['a string', 'queue_url', 'the outputs must be a JSON object (terraform output -json, cdktf --outputs-file, or {"name": "value"}), got string "queue_url"'],
    ['null', null, 'got null'],
    ['an empty object (what terraform prints before apply)', {}, 'the outputs are empty: was the stack applied (terraform apply / cdktf deploy)?'],
    [
      'terraform entries mixed with plain values',
      { region: { value: 'us-east-1', type: 'string' }, queue_url: 'x' },
      'these are not Terraform outputs: region is a terraform output -json entry ({"value": …}) but queue_url is not (string "x")',
    ],
  ])('%s is not outputs', (_what, raw, message) => {
    expect(failure(raw, { mode: 'sqs' })).toContain(message);
  });

  test('an output of the wrong type is named', () => {
    expect(failure(terraformJson({ ...KINESIS, kinesis_stream_name: ['a'] }), { mode: 'kinesis' })).toBe(
      'output kinesis_stream_name must be a string, got an array',
    );
    expect(failure({ ...KINESIS, region: 7 }, { mode: 'kinesis' })).toBe('output region must be a string, got number 7');
    expect(failure({ ...KINESIS, kinesis_stream_name: '' }, { mode: 'kinesis' })).toBe('output kinesis_stream_name is empty');
  });

  test('a sensitive output the mode reads is refused, naming it; one it does not read is ignored', () => {
    const tf = terraformJson(CENTRAL) as Record<string, { sensitive: boolean }>;
    tf.queue_url.sensitive = true;
    expect(failure(tf, { mode: 'sqs' })).toMatch(/^output queue_url is marked sensitive: it is not written into a config file in clear/);
    tf.queue_url.sensitive = false;
    tf.central_kms_key_arn.sensitive = true;
    expect(build(tf, { mode: 'sqs' }).config.source).toMatchObject({ queueUrl: ALL.queue_url });
  });

  test('an unresolved expression (synthesized, not applied) is named', () => {
    expect(failure({ ...CENTRAL, queue_url: '${aws_sqs_queue.central_queue_60A657CD.url}' }, { mode: 'sqs' })).toMatch(
      /^output queue_url is an unresolved expression \("\$\{aws_sqs_queue\.central_queue_60A657CD\.url\}"\): read the outputs of the applied stack/,
    );
  });

  test('a value the collector would reject is reported with the output it came from', () => {
    expect(failure({ ...KINESIS, region: 'Europe' }, { mode: 'kinesis' })).toBe(
      'the config would not be valid (1 problem):\n  - $.source.region (from output region): must be an AWS region such as us-east-1, got "Europe"',
    );
    expect(failure({ ...CENTRAL, queue_url: 'sqs://queue' }, { mode: 'sqs' })).toContain('$.source.queueUrl (from output queue_url): must be an SQS queue URL');
    expect(failure({ ...KINESIS, kinesis_reader_role_arn: 'arn:aws:iam::111122223333:user/u' }, { mode: 'kinesis' })).toContain(
      '$.source.assumeRole.roleArn (from output kinesis_reader_role_arn): must be an IAM role ARN',
    );
  });
});

describe('configFromTerraform: sinks', () => {
  const sink = (options: ConfigFromTerraformOptions) => build(KINESIS, { mode: 'kinesis', ...options });

  test('stdout is the default', () => {
    expect(sink({}).config.sink).toEqual({ type: 'stdout' });
    expect(sink({ sink: { type: 'stdout' } }).config.sink).toEqual({ type: 'stdout' });
  });

  test('file needs --path', () => {
    expect(sink({ sink: { type: 'file', path: '/var/log/cwl/events.ndjson' } }).config.sink).toEqual({ type: 'file', path: '/var/log/cwl/events.ndjson' });
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'file' } })).toBe('--sink file needs --path');
  });

  test('syslog: --host, and --port and --protocol when given', () => {
    const r = sink({ sink: { type: 'syslog', host: 'siem.example.com', port: 1514, protocol: 'tcp' } });
    expect(r.config.sink).toEqual({ type: 'syslog', host: 'siem.example.com', port: 1514, protocol: 'tcp' });
    expect(r.loaded.sink).toMatchObject({ type: 'syslog', protocol: 'tcp', port: 1514, format: 'json' });
    expect(sink({ sink: { type: 'syslog', host: 'h' } }).config.sink).toEqual({ type: 'syslog', host: 'h' });
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'syslog' } })).toBe('--sink syslog needs --host');
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'syslog', host: 'h', protocol: 'smtp' } })).toContain(
      '$.sink.protocol: must be one of "tcp", "tls", "udp"',
    );
  });

  test('splunk-hec: --url, and the token only as the name of an environment variable', () => {
    const url = 'https://splunk.example.com:8088/services/collector/event';
    const r = sink({ sink: { type: 'splunk-hec', url } });
    expect(r.config.sink).toEqual({ type: 'splunk-hec', url, tokenEnv: 'SPLUNK_HEC_TOKEN' });
    expect(r.notes.join('\n')).toMatch(/token is read from the environment variable SPLUNK_HEC_TOKEN/);
    expect(sink({ sink: { type: 'splunk-hec', url, tokenEnv: 'HEC_TOKEN_PROD' } }).config.sink).toEqual({
      type: 'splunk-hec',
      url,
      tokenEnv: 'HEC_TOKEN_PROD',
    });
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'splunk-hec' } })).toBe('--sink splunk-hec needs --url');
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'splunk-hec', url: 'https://splunk.example.com:8088/' } })).toContain(
      '$.sink.url: must be an http(s) URL of the HEC event endpoint',
    );
  });

  test('http: --url', () => {
    expect(sink({ sink: { type: 'http', url: 'https://ingest.example.com/logs' } }).config.sink).toEqual({
      type: 'http',
      url: 'https://ingest.example.com/logs',
    });
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'http' } })).toBe('--sink http needs --url');
  });

  test('a flag of another sink is refused, naming both', () => {
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'stdout', path: '/x' } })).toBe('--path is only for --sink file, not --sink stdout');
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'file', path: '/x', url: 'https://x' } })).toBe(
      '--url is only for --sink splunk-hec or http, not --sink file',
    );
    expect(failure(KINESIS, { mode: 'kinesis', sink: { type: 'http', url: 'https://x', port: 1 } })).toBe('--port is only for --sink syslog, not --sink http');
  });

  test('--sink-config: a JSON sink block used as is, and checked', () => {
    const block = {
      type: 'http',
      url: 'https://ingest.example.com/logs',
      format: 'json-array',
      headers: { Authorization: 'Bearer ${INGEST_TOKEN}' },
      batchSize: 100,
    };
    const r = sink({ sinkConfig: block });
    expect(r.config.sink).toEqual(block);
    // Sink headers are resolved by the sink, so INGEST_TOKEN is not a config reference.
    expect(r.notes).toEqual([]);
    expect(failure(KINESIS, { mode: 'kinesis', sinkConfig: { type: 'http' } })).toContain('$.sink.url: is required');
    expect(failure(KINESIS, { mode: 'kinesis', sinkConfig: { type: 'splunk-hec', url: 'https://s:8088/services/collector/event', token: 'abc' } })).toContain(
      '$.sink.token: is not a known key here',
    );
    expect(failure(KINESIS, { mode: 'kinesis', sinkConfig: [] })).toBe(
      '--sink-config must hold a JSON object (a sink block such as {"type": "stdout"}), got an array',
    );
    expect(failure(KINESIS, { mode: 'kinesis', sinkConfig: { type: 'stdout' }, sink: { type: 'stdout' } })).toBe(
      '--sink-config and --sink (or its flags) exclude each other',
    );
  });
});

describe('configFromTerraform: --set', () => {
  const set = (...assignments: string[]) => build(CENTRAL, { mode: 'sqs', externalId: 'acme-siem-7f3c9a2e', set: assignments, schema: 'config.schema.json' });

  test('string values (an endpoint) and JSON values (numbers, booleans, arrays, quoted strings)', () => {
    const { config, loaded } = set(
      'source.endpoint=http://127.0.0.1:4566',
      'source.s3.endpoint=http://127.0.0.1:4566',
      'source.s3.forcePathStyle=true',
      'source.concurrency=8',
      'source.objects.owner="111122223333"',
      'parsers.vpcFlowLogs=[{"logGroup":"*flow*"}]',
      'logLevel=debug',
    );
    expect(config.source).toMatchObject({
      endpoint: 'http://127.0.0.1:4566',
      s3: { endpoint: 'http://127.0.0.1:4566', forcePathStyle: true },
      concurrency: 8,
      objects: { owner: '111122223333' },
    });
    expect(config.parsers).toEqual({ vpcFlowLogs: [{ logGroup: '*flow*' }] });
    expect(loaded).toMatchObject({ logLevel: 'debug', source: { concurrency: 8, objects: { owner: '111122223333', format: 'auto' } } });
  });

  test('state.dir alone gives a whole state block (the type comes from the schema default)', () => {
    const { config, loaded } = set('state.dir=/var/lib/cwl-siem', 'deadLetter.path=/state/dl.ndjson', 'ops.port=9191');
    expect(config.state).toEqual({ type: 'file', dir: '/var/lib/cwl-siem' });
    expect(loaded.deadLetter.path).toBe('/state/dl.ndjson');
    expect(loaded.ops).toEqual({ host: '127.0.0.1', port: 9191 });
  });

  test('--set is applied last: it overrides what the outputs and the flags wrote; null removes a key', () => {
    const { config } = set(
      'source.region=us-west-2',
      'source.assumeRole.externalId=${MY_EXTERNAL_ID}',
      'sink.type=file',
      'sink.path=/out.ndjson',
      '$schema=null',
    );
    expect(config.source).toMatchObject({ region: 'us-west-2', assumeRole: { externalId: '${MY_EXTERNAL_ID}' } });
    expect(config.sink).toEqual({ type: 'file', path: '/out.ndjson' });
    expect(config).not.toHaveProperty('$schema');
    const { config: noRole } = set('source.assumeRole=null', 'nothing.here=null');
    expect(noRole.source).not.toHaveProperty('assumeRole');
    expect(noRole).not.toHaveProperty('nothing');
  });

  test('an environment reference set by --set is listed in the notes, and checked only when the collector starts', () => {
    const { config, notes } = configFromTerraform(KINESIS, { mode: 'kinesis', set: ['source.region=${AWS_REGION}', 'state.dir=${STATE_DIR}/cwl'] });
    expect(parseCollectorConfig(config, 'c.json', { AWS_REGION: 'us-west-2', STATE_DIR: '/state' })).toMatchObject({
      source: { region: 'us-west-2' },
      state: { type: 'file', dir: '/state/cwl' },
    });
    expect(notes).toContain('the config refers to environment variables that must be set where the collector runs: AWS_REGION, STATE_DIR');
    expect(notes.join('\n')).toMatch(/\$\.source\.region holds an environment reference, checked only when the collector starts/);
  });

  test('a key the collector does not know, or a bad value, fails with the problem', () => {
    expect(failure(CENTRAL, { mode: 'sqs', set: ['source.shards=2'] })).toBe(
      'the config would not be valid (1 problem):\n  - $.source.shards: is not a known key here',
    );
    expect(failure(CENTRAL, { mode: 'sqs', set: ['source.concurrency=eight'] })).toContain('$.source.concurrency: must be integer, got "eight"');
  });

  test.each([
    ['no =', 'state.dir', '--set "state.dir": must be dotted.path=VALUE, e.g. state.dir='],
    ['an empty path', '=x', '--set "=x": must be dotted.path=VALUE'],
    ['an empty segment', 'source..endpoint=x', '"source..endpoint" is not a dotted path of keys'],
    ['a prototype key', '__proto__.polluted=1', '"__proto__.polluted" is not a dotted path of keys'],
    ['a path through a string', 'source.region.x=1', '--set source.region.x: source.region is string "eu-west-1", not an object'],
  ])('a malformed --set (%s) is refused', (_what, assignment, message) => {
    expect(failure(CENTRAL, { mode: 'sqs', set: [assignment] })).toContain(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

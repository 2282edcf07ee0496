import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DECODE_USAGE, runDecode } from '../../src/commands/decode';
import { VPC_DEFAULT_LINES, dataMessage, exportObject, getRecordsJson, gzipJson } from '../fixtures/payloads';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
}

async function decode(args: string[], stdin: Buffer = Buffer.alloc(0)): Promise<Result> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runDecode(args, { stdin: Readable.from([stdin]), stdout, stderr });
  const text = Buffer.concat(out).toString('utf8');
  return {
    code,
    stdout: text,
    stderr: Buffer.concat(err).toString('utf8'),
    events: text.startsWith('{')
      ? text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [],
  };
}

let dir: string;
const file = (name: string, data: Buffer | string) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'decode-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const vpcPayload = dataMessage([VPC_DEFAULT_LINES.accept, VPC_DEFAULT_LINES.nodata], { logGroup: '/aws/vpc/flow-logs' });

describe('decode', () => {
  test('turns `aws kinesis get-records` output into parsed VPC flow log events', async () => {
    const p = file('get-records.json', getRecordsJson([gzipJson(vpcPayload), gzipJson(dataMessage(['{"level":"info"}'], { logGroup: '/app' }))]));
    const r = await decode([p]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.events).toHaveLength(3);
    expect(r.events[0]).toEqual({
      id: vpcPayload.logEvents[0].id,
      timestamp: 1700000000000,
      owner: '123456789012',
      logGroup: '/aws/vpc/flow-logs',
      logStream: 'eni-1235b8ca123456789-all',
      message: VPC_DEFAULT_LINES.accept,
      source: { kind: 'kinesis', stream: '', shard: '', sequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
      type: 'vpcflow',
      fields: {
        version: 2,
        account_id: '123456789010',
        interface_id: 'eni-1235b8ca123456789',
        srcaddr: '172.31.16.139',
        dstaddr: '172.31.16.21',
        srcport: 20641,
        dstport: 22,
        protocol: 6,
        packets: 20,
        bytes: 4249,
        start: 1418530010,
        end: 1418530070,
        action: 'ACCEPT',
        log_status: 'OK',
      },
    });
    expect(r.events[1].fields).toMatchObject({ srcaddr: null, log_status: 'NODATA' });
    expect(r.events[2]).toMatchObject({
      type: 'json',
      fields: { level: 'info' },
      source: { sequenceNumber: '49590338271490256608559692538361571095921575989136588899' },
    });
    expect(Object.keys(r.events[0])).toEqual(['id', 'timestamp', 'owner', 'logGroup', 'logStream', 'message', 'source', 'type', 'fields']);
  });

  test('names the stream and shard of get-records output with --stream and --shard (the output names neither)', async () => {
    const p = file('get-records.json', getRecordsJson([gzipJson(vpcPayload)]));
    const r = await decode(['--stream', 'cwl-siem', '--shard', 'shardId-000000000003', p]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.events.map((e) => e.source)).toEqual([
      { kind: 'kinesis', stream: 'cwl-siem', shard: 'shardId-000000000003', sequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
      { kind: 'kinesis', stream: 'cwl-siem', shard: 'shardId-000000000003', sequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
    ]);
    expect(DECODE_USAGE).toMatch(/--stream NAME .*\n.*get-records output names neither/);
    expect(DECODE_USAGE).toMatch(/--shard ID /);
  });

  test('decodes a Kinesis record file, told apart from the other formats by its content', async () => {
    const r = await decode([file('record.gz', gzipJson(vpcPayload))]);
    expect(r.code).toBe(0);
    expect(r.events.map((e) => e.source)).toEqual([
      { kind: 'file', file: path.join(dir, 'record.gz'), offset: 0 },
      { kind: 'file', file: path.join(dir, 'record.gz'), offset: 0 },
    ]);
  });

  test('decodes a Firehose object of gzip members, skipping control messages', async () => {
    const control = { ...dataMessage(['CWL CONTROL MESSAGE: Checking health of destination Firehose.']), messageType: 'CONTROL_MESSAGE' };
    const r = await decode(['--input-format', 'firehose-object', file('object', Buffer.concat([gzipJson(control), gzipJson(vpcPayload)]))]);
    expect(r.code).toBe(0);
    expect(r.events.map((e) => e.type)).toEqual(['vpcflow', 'vpcflow']);
    expect(r.events[0].source).toEqual({ kind: 'firehose-object', file: path.join(dir, 'object'), offset: JSON.stringify(control).length });
  });

  test('gives extracted Firehose message lines the group and stream it is told', async () => {
    const r = await decode([
      '--log-group',
      '/aws/vpc/flow-logs',
      '--log-stream=eni-1',
      file('lines', `${VPC_DEFAULT_LINES.accept}\n${VPC_DEFAULT_LINES.reject}\n`),
    ]);
    expect(r.code).toBe(0);
    expect(r.events.map((e) => [e.logGroup, e.logStream, e.type, (e.fields as { action: string }).action])).toEqual([
      ['/aws/vpc/flow-logs', 'eni-1', 'vpcflow', 'ACCEPT'],
      ['/aws/vpc/flow-logs', 'eni-1', 'vpcflow', 'REJECT'],
    ]);
    expect(r.events[0].id).toMatch(/^[0-9a-f]{32}$/);
  });

  test('decodes an export-task object with the group and stream it is told', async () => {
    const p = file('000000.gz', exportObject(['2024-01-01T00:00:00.000Z {"a":1}', '2024-01-01T00:00:01.000Z multi', 'line']));
    const r = await decode([p, '--log-group', '/app', '--log-stream', 'i-1']);
    expect(r.code).toBe(0);
    expect(r.events.map(({ timestamp, logGroup, logStream, message, type, source }) => ({ timestamp, logGroup, logStream, message, type, source }))).toEqual([
      {
        timestamp: Date.UTC(2024, 0, 1),
        logGroup: '/app',
        logStream: 'i-1',
        message: '{"a":1}',
        type: 'json',
        source: { kind: 'export-object', file: p, offset: 0 },
      },
      {
        timestamp: Date.UTC(2024, 0, 1, 0, 0, 1),
        logGroup: '/app',
        logStream: 'i-1',
        message: 'multi\nline',
        type: undefined,
        source: { kind: 'export-object', file: p, offset: 33 },
      },
    ]);
  });

  test('does not let --log-group override a payload', async () => {
    const r = await decode(['--log-group', 'other', file('record.gz', gzipJson(vpcPayload))]);
    expect(r.events[0].logGroup).toBe('/aws/vpc/flow-logs');
  });

  test('parses every message with --vpc-format, in that format', async () => {
    const payload = dataMessage(['10.0.0.1 443 egress'], { logGroup: '/anything' });
    const r = await decode(['--vpc-format', '${srcaddr} ${dstport} ${flow-direction}', file('r.gz', gzipJson(payload))]);
    expect(r.events[0]).toMatchObject({ type: 'vpcflow', fields: { srcaddr: '10.0.0.1', dstport: 443, flow_direction: 'egress' } });
  });

  test('reads standard input for "-" and when no file is named', async () => {
    for (const args of [['-'], []]) {
      const r = await decode(args, gzipJson(vpcPayload));
      expect(r.code).toBe(0);
      expect(r.events).toHaveLength(2);
    }
  });

  test('reports a bad input as "file: byte N: what is wrong", prints none of its events and exits 1', async () => {
    const good = gzipJson(vpcPayload);
    const p = file('truncated.gz', good.subarray(0, good.length - 10));
    const r = await decode([p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${p}: byte ${good.length - 10}: truncated gzip data (unexpected end of input)\n`);
  });

  test('reports bad JSON in standard input at its byte', async () => {
    const r = await decode(['--input-format', 'kinesis-record'], Buffer.from('{"messageType":"DATA_MESSAGE",}'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('<stdin>: byte 30: bad JSON: expected a property name, found "}"\n');
  });

  test('names the bad record of get-records output', async () => {
    const p = file('gr.json', getRecordsJson([gzipJson(vpcPayload), Buffer.from('not gzip')]));
    const r = await decode([p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^.*gr\.json: Records\[1\] \(sequence number 49590338271490256608559692538361571095921575989136588899\): byte 0 of its data: not gzip/,
    );
  });

  test('stops at the first bad input without --keep-going', async () => {
    const bad = file('bad', Buffer.from([0, 1, 2]));
    const good = file('good.gz', gzipJson(vpcPayload));
    const r = await decode([bad, good]);
    expect(r.code).toBe(1);
    expect(r.events).toEqual([]);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('with --keep-going reports each bad input, decodes the others and exits 1', async () => {
    const bad = file('bad', Buffer.from([0, 1, 2]));
    const good = file('good.gz', gzipJson(vpcPayload));
    const missing = path.join(dir, 'missing.gz');
    const r = await decode(['--keep-going', bad, good, missing]);
    expect(r.code).toBe(1);
    expect(r.events).toHaveLength(2);
    const errors = r.stderr.split('\n').filter(Boolean);
    expect(errors).toEqual([expect.stringMatching(/^.*bad: byte 0: cannot tell the input format/), expect.stringMatching(/missing\.gz: cannot read: ENOENT/)]);
  });

  test('with --keep-going and only good inputs exits 0', async () => {
    const r = await decode(['--keep-going', file('a.gz', gzipJson(vpcPayload)), file('b.gz', gzipJson(vpcPayload))]);
    expect(r.code).toBe(0);
    expect(r.events).toHaveLength(4);
  });

  test('prints its usage for --help', async () => {
    const r = await decode(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(DECODE_USAGE);
  });

  test.each([
    [['--bogus'], 'decode: unknown option --bogus'],
    [['--input-format', 'zip'], 'decode: --input-format must be one of kinesis-record, get-records, firehose-object, export-object, auto; got "zip"'],
    [['--log-group'], 'decode: --log-group needs a value'],
    [['--vpc-format', 'srcaddr srcaddr'], 'decode: invalid VPC flow log format: field "srcaddr" appears twice'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const r = await decode(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message}\n\n${DECODE_USAGE}`);
  });

  test('handles a large Firehose object in chunks', async () => {
    const many = Array.from({ length: 30 }, () => gzipJson(dataMessage(Array.from({ length: 100 }, () => VPC_DEFAULT_LINES.accept))));
    const r = await decode([file('big', zlib.gzipSync(Buffer.concat(many.map((m) => zlib.gunzipSync(m)))))]);
    expect(r.code).toBe(0);
    expect(r.events).toHaveLength(3000);
  });
});

/**
 * One cap on decompressed output (`limits.maxDecompressedBytes`) for every path that inflates gzip:
 * a Kinesis record, each member of a Firehose object, an export-task object and a lines object (all
 * their members together), and the `auto` format's sniffing. A bomb in a later member fails with
 * reason `too-large` without being inflated whole: checked on the peak RSS of a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { parseCollectorConfig } from '../../src/config/load';
import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { decodeObject, ObjectFormat } from '../../src/decoders/object';
import { createParser } from '../../src/parsers';
import { gzipBomb } from '../badinput/inputs';
import { dataMessage, gzipJson } from '../fixtures/payloads';
import { decodeError } from './support';

const MIB = 1024 * 1024;
const src = resolve(__dirname, '..', '..', 'src');
const inputs = resolve(__dirname, '..', 'badinput', 'inputs.ts');

/**
 * Runs in a child process (its peak RSS is its own): decodes, with a 1 MiB cap, objects whose
 * second gzip member inflates to 1 GiB of zeros; prints each format's outcome and the peak RSS
 * growth in MiB.
 */
const CHILD = `
const zlib = require('node:zlib');
const { decodeObject } = require(${JSON.stringify(`${src}/decoders/object.ts`)});
const { decodeKinesisRecord } = require(${JSON.stringify(`${src}/decoders/kinesis.ts`)});
const { createParser } = require(${JSON.stringify(`${src}/parsers/index.ts`)});
const { gzipBomb } = require(${JSON.stringify(inputs)});
const cap = 1024 * 1024;
const bomb = gzipBomb(1024 * cap);
const lines = Buffer.concat([zlib.gzipSync('2026-11-22T10:00:00.000Z first\\n'), bomb]);
const payloads = Buffer.concat([zlib.gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: [] })), bomb]);
const before = process.resourceUsage().maxRSS;
const out = {};
const attempt = (name, fn) => {
  try { fn(); out[name] = 'decoded'; } catch (e) { out[name] = e.reason ?? e.name + ': ' + e.message; }
};
const parser = createParser();
for (const format of ['export-object', 'lines', 'auto']) attempt(format, () => decodeObject(lines, { kind: 'export-object', key: 'p/t/s/000000.gz' }, { format, parser, maxDecompressedBytes: cap }));
attempt('firehose-object', () => decodeObject(payloads, { kind: 'firehose-object' }, { format: 'firehose-object', parser, maxDecompressedBytes: cap }));
attempt('auto (firehose)', () => decodeObject(payloads, { kind: 'firehose-object' }, { format: 'auto', parser, maxDecompressedBytes: cap }));
attempt('kinesis-record', () => decodeKinesisRecord(payloads, cap));
out.peakGrowthMiB = Math.round((process.resourceUsage().maxRSS - before) / 1024);
process.stdout.write(JSON.stringify(out));
`;

describe('the decompressed-size cap', () => {
  test('a second gzip member inflating to 1 GiB is refused as too-large on every path, and the process never holds it (peak RSS grows < 100 MiB)', () => {
    const child = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', CHILD], { encoding: 'utf8', cwd: resolve(__dirname, '..', '..', '..') });
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as Record<string, string | number>;
    expect(out).toEqual({
      'export-object': 'too-large',
      lines: 'too-large',
      auto: 'too-large',
      'firehose-object': 'too-large',
      'auto (firehose)': 'too-large',
      'kinesis-record': 'too-large',
      peakGrowthMiB: expect.any(Number),
    });
    expect(out.peakGrowthMiB).toBeLessThan(100);
  });

  test('the cap counts every member of one gzip stream together: members each under it, summed over it, are refused', () => {
    const member = zlib.gzipSync(`2026-11-22T10:00:00.000Z ${'x'.repeat(MIB / 2)}\n`);
    const parser = createParser();
    const three = Buffer.concat([member, member, member]);
    for (const format of ['export-object', 'lines'] as ObjectFormat[]) {
      expect(decodeObject(three, { kind: 'export-object' }, { format, parser, maxDecompressedBytes: 2 * MIB })).toHaveLength(3);
      const e = decodeError(() => decodeObject(three, { kind: 'export-object' }, { format, parser, maxDecompressedBytes: MIB }));
      expect([e.reason, e.message]).toEqual(['too-large', `gzip data decompresses to more than ${MIB} bytes (limits.maxDecompressedBytes)`]);
    }
  });

  test('a Kinesis record at the cap decodes; one byte over it is too-large', () => {
    const record = gzipJson(dataMessage(['x'.repeat(4000)]));
    const size = zlib.gunzipSync(record).length;
    expect(decodeKinesisRecord(record, size).logEvents).toHaveLength(1);
    expect(decodeError(() => decodeKinesisRecord(record, size - 1)).reason).toBe('too-large');
  });

  test('a plain (not gzip) line or JSON document longer than the cap is too-large, not a crash', () => {
    const parser = createParser();
    const long = Buffer.from(`short\n${'y'.repeat(2 * MIB)}\n`);
    expect(decodeError(() => decodeObject(long, { kind: 'firehose-object' }, { format: 'lines', parser, maxDecompressedBytes: MIB })).reason).toBe('too-large');
    expect(decodeError(() => decodeObject(long, { kind: 'firehose-object' }, { format: 'firehose-object', parser, maxDecompressedBytes: MIB })).reason).toBe(
      'too-large',
    );
    const doc = Buffer.from(JSON.stringify(dataMessage(['z'.repeat(2 * MIB)])));
    expect(decodeError(() => decodeObject(doc, { kind: 'firehose-object' }, { format: 'firehose-object', parser, maxDecompressedBytes: MIB })).reason).toBe(
      'too-large',
    );
    expect(decodeError(() => decodeKinesisRecord(doc, MIB)).reason).toBe('too-large');
  });

  test('the cap is limits.maxDecompressedBytes of the collector config: 64 MiB unless set', () => {
    const base = { source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'stdout' } };
    expect(parseCollectorConfig(base, 't', {}).limits.maxDecompressedBytes).toBe(64 * MIB);
    expect(parseCollectorConfig({ ...base, limits: { maxDecompressedBytes: MIB } }, 't', {}).limits.maxDecompressedBytes).toBe(MIB);
    expect(() => parseCollectorConfig({ ...base, limits: { maxDecompressedBytes: 10 } }, 't', {})).toThrow('$.limits.maxDecompressedBytes');
  });
});

// Keep the helper honest: the bomb really is ~1000:1 and decodes to zeros.
test('gzipBomb builds a valid gzip member of zeros about a thousandth of its size', () => {
  const bomb = gzipBomb(4 * MIB);
  expect(bomb.length).toBeLessThan(8 * 1024);
  const out = zlib.gunzipSync(bomb);
  expect([out.length, out.every((b) => b === 0)]).toEqual([4 * MIB, true]);
});

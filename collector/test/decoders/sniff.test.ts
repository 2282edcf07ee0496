import * as zlib from 'node:zlib';
import { sniffFormat } from '../../src/decoders/sniff';
import { DecodeError } from '../../src/types';
import { CONTROL_MESSAGE, dataMessage, exportObject, getRecordsJson, gzipJson } from '../fixtures/payloads';

describe('sniffFormat', () => {
  const a = dataMessage(['a']);

  test('one gzip member holding one payload is a Kinesis record', () => {
    expect(sniffFormat(gzipJson(a))).toBe('kinesis-record');
    expect(sniffFormat(gzipJson(CONTROL_MESSAGE))).toBe('kinesis-record');
  });

  test('one plain payload is a Kinesis record too', () => {
    expect(sniffFormat(Buffer.from(`${JSON.stringify(a, null, 2)}\n`))).toBe('kinesis-record');
  });

  test('several gzip members are a Firehose object', () => {
    expect(sniffFormat(Buffer.concat([gzipJson(a), gzipJson(a)]))).toBe('firehose-object');
  });

  test('several payloads in one gzip, or back to back, are a Firehose object', () => {
    expect(sniffFormat(zlib.gzipSync(JSON.stringify(a) + JSON.stringify(a)))).toBe('firehose-object');
    expect(sniffFormat(Buffer.from(`${JSON.stringify(a)}\n${JSON.stringify(a)}`))).toBe('firehose-object');
  });

  test('message lines are a Firehose object', () => {
    expect(sniffFormat(Buffer.from('{"eventVersion":"1.08"}\n{"eventVersion":"1.09"}\n'))).toBe('firehose-object');
    expect(sniffFormat(zlib.gzipSync('2 123456789010 eni-1 - - - - - - - 1 2 - NODATA\n'))).toBe('firehose-object');
  });

  test('timestamped lines are an export-task object', () => {
    expect(sniffFormat(exportObject(['2024-01-01T00:00:00.000Z hello']))).toBe('export-object');
    expect(sniffFormat(Buffer.from('2024-01-01T00:00:00.000Z hello\n'))).toBe('export-object');
  });

  test('an empty export object is told by its name', () => {
    expect(sniffFormat(zlib.gzipSync(''), 'exportedlogs/task/stream/000000.gz')).toBe('export-object');
    expect(sniffFormat(zlib.gzipSync(''))).toBe('firehose-object');
  });

  test('JSON with Records is get-records output', () => {
    expect(sniffFormat(Buffer.from(getRecordsJson([gzipJson(a)])))).toBe('get-records');
  });

  test('binary data is none of them', () => {
    expect(() => sniffFormat(Buffer.from([0, 1, 2, 3]))).toThrow(DecodeError);
    expect(() => sniffFormat(Buffer.from([0, 1, 2, 3]))).toThrow(expect.objectContaining({ reason: 'unknown-format' }));
  });
});

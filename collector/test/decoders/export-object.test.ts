import * as zlib from 'node:zlib';
import { decodeExportObject } from '../../src/decoders/export-object';
import { DecodeError } from '../../src/types';
import { exportObject } from '../fixtures/payloads';

describe('decodeExportObject', () => {
  test('splits "<timestamp> <message>" lines into events with their offsets', () => {
    const data = exportObject(['2024-01-01T00:00:00.000Z first', '2024-01-01T00:00:01.250Z {"level":"info"}']);
    expect(decodeExportObject(data)).toEqual([
      { timestamp: Date.UTC(2024, 0, 1), message: 'first', offset: 0 },
      { timestamp: Date.UTC(2024, 0, 1, 0, 0, 1, 250), message: '{"level":"info"}', offset: 31 },
    ]);
  });

  test('joins a line without a timestamp to the previous message', () => {
    const data = exportObject(['2024-01-01T00:00:00.000Z ERROR query failed', '\tSELECT *', '  FROM t', '2024-01-01T00:00:02.000Z next']);
    expect(decodeExportObject(data).map((e) => e.message)).toEqual(['ERROR query failed\n\tSELECT *\n  FROM t', 'next']);
  });

  test('keeps an empty line inside a message', () => {
    const data = exportObject(['2024-01-01T00:00:00.000Z a', '', 'b']);
    expect(decodeExportObject(data)[0].message).toBe('a\n\nb');
  });

  test('accepts an empty message and an object without a final newline', () => {
    const data = zlib.gzipSync('2024-01-01T00:00:00.000Z\n2024-01-01T00:00:00.001Z last');
    expect(decodeExportObject(data)).toEqual([
      { timestamp: Date.UTC(2024, 0, 1), message: '', offset: 0 },
      { timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 1), message: 'last', offset: 25 },
    ]);
  });

  test('accepts an object that was already decompressed', () => {
    expect(decodeExportObject(Buffer.from('2024-01-01T00:00:00.000Z plain\n'))).toHaveLength(1);
  });

  test('decodes nothing from an empty object', () => {
    expect(decodeExportObject(zlib.gzipSync(''))).toEqual([]);
  });

  test('offsets count bytes, not characters', () => {
    const data = exportObject(['2024-01-01T00:00:00.000Z é€', '2024-01-01T00:00:00.000Z x']);
    expect(decodeExportObject(data)[1].offset).toBe(Buffer.byteLength('2024-01-01T00:00:00.000Z é€\n'));
  });

  test('rejects an object whose first line has no timestamp', () => {
    expect(() => decodeExportObject(Buffer.from('Permission Check Successful'))).toThrow(expect.objectContaining({ reason: 'bad-export-line', offset: 0 }));
    expect(() => decodeExportObject(Buffer.from('Permission Check Successful'))).toThrow(
      new DecodeError('bad-export-line', 'line 1 does not start with an ISO-8601 timestamp (expected "2024-01-01T00:00:00.000Z message")', 0),
    );
  });

  test('reports truncated gzip at the end of the data', () => {
    const gz = exportObject(['2024-01-01T00:00:00.000Z x'.repeat(50)]);
    let error: DecodeError | undefined;
    try {
      decodeExportObject(gz.subarray(0, gz.length - 4));
    } catch (e) {
      error = e as DecodeError;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error?.offset).toBe(gz.length - 4);
    expect(error?.reason).toBe('gzip-truncated');
  });
});

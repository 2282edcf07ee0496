import * as zlib from 'node:zlib';
import { decodeKinesisRecord, gunzipRecord } from '../../src/decoders/kinesis';
import { isEnvelopeEscapeFree } from '../../src/events';
import { DecodeError } from '../../src/types';
import { CONTROL_MESSAGE, VPC_DEFAULT_LINES, dataMessage, gzipJson } from '../fixtures/payloads';
import { decodeError } from './support';

describe('gunzipRecord', () => {
  test('gunzips a record', () => {
    expect(gunzipRecord(zlib.gzipSync('{"a":1}')).toString()).toBe('{"a":1}');
  });

  test('names an empty record', () => {
    const e = decodeError(() => gunzipRecord(Buffer.alloc(0)));
    expect([e.reason, e.offset, e.message]).toEqual(['not-gzip', 0, 'empty record: expected gzip data or a JSON object']);
  });

  test('returns already-decompressed JSON as it is', () => {
    const plain = Buffer.from(' {"a":1}');
    expect(gunzipRecord(plain)).toEqual(plain);
  });

  test('names the first byte of data that is neither gzip nor JSON', () => {
    const e = decodeError(() => gunzipRecord(Buffer.from('hello')));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/not gzip .* starts with 0x68 \("h"\)/);
    expect(e.reason).toBe('not-gzip');
  });

  test('reports a truncated stream at the end of the data', () => {
    const gz = zlib.gzipSync('{"a":1}'.repeat(100));
    const e = decodeError(() => gunzipRecord(gz.subarray(0, gz.length - 5)));
    expect(e.message).toBe('truncated gzip data (unexpected end of input)');
    expect(e.reason).toBe('gzip-truncated');
    expect(e.offset).toBe(gz.length - 5);
  });

  test('locates corrupt deflate data at the first byte zlib rejects', () => {
    const gz = Buffer.from(zlib.gzipSync('x'));
    gz[10] = 0xff; // first deflate byte: block type 3 (reserved) is invalid
    const e = decodeError(() => gunzipRecord(gz));
    expect(e.message).toMatch(/^bad gzip data \(invalid block type\)$/);
    expect(e.reason).toBe('gzip-corrupt');
    expect(e.offset).toBe(10);
  });

  test('refuses data that decompresses beyond the limit', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(2 * 1024 * 1024));
    const e = decodeError(() => gunzipRecord(bomb, 1024 * 1024));
    expect(e.message).toMatch(/decompresses to more than 1048576 bytes/);
    expect(e.reason).toBe('too-large');
  });
});

describe('decodeKinesisRecord', () => {
  test('decodes a gzip record into its envelope', () => {
    const payload = dataMessage([VPC_DEFAULT_LINES.accept, VPC_DEFAULT_LINES.nodata]);
    expect(decodeKinesisRecord(gzipJson(payload))).toEqual(payload);
  });

  test('decodes a control message', () => {
    expect(decodeKinesisRecord(gzipJson(CONTROL_MESSAGE))).toEqual(CONTROL_MESSAGE);
  });

  test('marks payloads whose JSON has no escape as escape-free, and others not', () => {
    expect(isEnvelopeEscapeFree(decodeKinesisRecord(gzipJson(dataMessage(['plain']))))).toBe(true);
    expect(isEnvelopeEscapeFree(decodeKinesisRecord(gzipJson(dataMessage(['say "hi"']))))).toBe(false);
  });

  test('reports bad JSON inside the gzip at the member, with the position in the decompressed data', () => {
    const e = decodeError(() => decodeKinesisRecord(zlib.gzipSync('{"messageType":}')));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/^bad JSON at byte 15 of the decompressed data: /);
    expect(e.reason).toBe('not-json');
  });

  test('reports bad JSON in an uncompressed record at the bad byte', () => {
    const e = decodeError(() => decodeKinesisRecord(Buffer.from('{"messageType": nope}')));
    expect(e.offset).toBe(16);
    expect(e.message).toMatch(/^bad JSON: /);
  });

  test('rejects two payloads in one record', () => {
    const two = Buffer.concat([gzipJson(dataMessage(['a'])), gzipJson(dataMessage(['b']))]);
    expect(() => decodeKinesisRecord(two)).toThrow(DecodeError);
  });

  test('rejects a payload of the wrong shape', () => {
    const e = decodeError(() => decodeKinesisRecord(gzipJson({ hello: 'world' })));
    expect(e.message).toMatch(/messageType must be/);
    expect(e.reason).toBe('bad-envelope');
  });
});

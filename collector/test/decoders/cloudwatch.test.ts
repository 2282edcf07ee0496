import * as zlib from 'node:zlib';
import { decodeEnvelope, gunzipMember, gunzipRecord, isEscapeFree, scanJsonEnd } from '../../src/decoders/cloudwatch';
import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { DecodeError } from '../../src/types';
import { CONTROL_MESSAGE, VPC_DEFAULT_LINES, dataMessage, gzipJson } from '../fixtures/payloads';

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeEnvelope', () => {
  test('accepts a DATA_MESSAGE and returns the same object', () => {
    const json = dataMessage([VPC_DEFAULT_LINES.accept]);
    expect(decodeEnvelope(json)).toBe(json);
  });

  test('accepts a CONTROL_MESSAGE with empty group, stream and event id', () => {
    expect(decodeEnvelope(JSON.parse(JSON.stringify(CONTROL_MESSAGE))).messageType).toBe('CONTROL_MESSAGE');
  });

  test('accepts events without an id', () => {
    const json = { ...dataMessage(['a']), logEvents: [{ timestamp: 1, message: 'a' }] };
    expect(decodeEnvelope(json).logEvents[0].id).toBeUndefined();
  });

  test.each([
    ['a number', 42, 'expected a JSON object, got number 42'],
    ['an array', [], 'expected a JSON object, got an array'],
    ['an unknown messageType', { ...dataMessage([]), messageType: 'DATA' }, 'messageType must be "DATA_MESSAGE" or "CONTROL_MESSAGE", got "DATA"'],
    ['a missing owner', { ...dataMessage([]), owner: undefined }, 'owner must be a string, got nothing (missing)'],
    ['a numeric logGroup', { ...dataMessage([]), logGroup: 7 }, 'logGroup must be a string, got 7'],
    ['filters that are not strings', { ...dataMessage([]), subscriptionFilters: [1] }, 'subscriptionFilters[0] must be a string'],
    ['logEvents not an array', { ...dataMessage([]), logEvents: {} }, 'logEvents must be an array, got {}'],
    ['a string timestamp', { ...dataMessage([]), logEvents: [{ id: '1', timestamp: '1', message: 'm' }] }, 'logEvents[0].timestamp must be a number, got "1"'],
    ['a missing message', { ...dataMessage([]), logEvents: [{ id: '1', timestamp: 1 }] }, 'logEvents[0].message must be a string, got nothing (missing)'],
    ['a numeric id', { ...dataMessage([]), logEvents: [{ id: 1, timestamp: 1, message: 'm' }] }, 'logEvents[0].id must be a string, got 1'],
  ])('rejects %s, saying what is wrong', (_, json, what) => {
    const e = decodeError(() => decodeEnvelope(json, 17));
    expect(e.message).toBe(`not a CloudWatch Logs subscription payload: ${what}`);
    expect(e.offset).toBe(17);
    expect(e.code).toBe('CWL_COLLECTOR_DECODE');
  });
});

describe('gunzipRecord', () => {
  test('gunzips a record', () => {
    expect(gunzipRecord(zlib.gzipSync('{"a":1}')).toString()).toBe('{"a":1}');
  });

  test('returns already-decompressed JSON as it is', () => {
    const plain = Buffer.from(' {"a":1}');
    expect(gunzipRecord(plain)).toEqual(plain);
  });

  test('names the first byte of data that is neither gzip nor JSON', () => {
    const e = decodeError(() => gunzipRecord(Buffer.from('hello')));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/not gzip .* starts with 0x68 \("h"\)/);
  });

  test('reports a truncated stream at the end of the data', () => {
    const gz = zlib.gzipSync('{"a":1}'.repeat(100));
    const e = decodeError(() => gunzipRecord(gz.subarray(0, gz.length - 5)));
    expect(e.message).toBe('truncated gzip data (unexpected end of input)');
    expect(e.offset).toBe(gz.length - 5);
  });

  test('locates corrupt deflate data at the first byte zlib rejects', () => {
    const gz = Buffer.from(zlib.gzipSync('x'));
    gz[10] = 0xff; // first deflate byte: block type 3 (reserved) is invalid
    const e = decodeError(() => gunzipRecord(gz));
    expect(e.message).toMatch(/^bad gzip data \(invalid block type\)$/);
    expect(e.offset).toBe(10);
  });

  test('refuses data that decompresses beyond the limit', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(2 * 1024 * 1024));
    expect(decodeError(() => gunzipRecord(bomb, 1024 * 1024)).message).toMatch(/decompresses to more than 1048576 bytes/);
  });
});

describe('gunzipMember', () => {
  test('decodes one member and says where the next starts', () => {
    const a = zlib.gzipSync('first');
    const b = zlib.gzipSync('second');
    const both = Buffer.concat([a, b]);
    const m1 = gunzipMember(both, 0);
    expect(m1.content.toString()).toBe('first');
    expect(m1.end).toBe(a.length);
    const m2 = gunzipMember(both, m1.end);
    expect(m2.content.toString()).toBe('second');
    expect(m2.end).toBe(both.length);
  });

  test('reads headers with a file name and a comment', () => {
    const raw = zlib.deflateRawSync('named');
    const header = Buffer.from([0x1f, 0x8b, 8, 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32('named'), 0);
    trailer.writeUInt32LE(5, 4);
    const member = Buffer.concat([header, Buffer.from('x.json\0a comment\0'), raw, trailer]);
    expect(gunzipMember(member, 0)).toEqual({ content: Buffer.from('named'), end: member.length });
  });

  test('detects a CRC mismatch in the trailer', () => {
    const gz = Buffer.from(zlib.gzipSync('payload'));
    gz[gz.length - 8] ^= 1;
    const e = decodeError(() => gunzipMember(gz, 0));
    expect(e.message).toBe('bad gzip member: CRC-32 mismatch (corrupt data)');
    expect(e.offset).toBe(gz.length - 8);
  });

  test('reports a member cut inside its trailer at the end of the data', () => {
    const gz = zlib.gzipSync('payload');
    const e = decodeError(() => gunzipMember(gz.subarray(0, gz.length - 3), 0));
    expect(e.offset).toBe(gz.length - 3);
    expect(e.message).toMatch(/truncated/);
  });
});

describe('scanJsonEnd', () => {
  const end = (s: string, start = 0) => scanJsonEnd(Buffer.from(s), start);

  test('finds the end of nested objects and arrays', () => {
    expect(end('{"a":[1,{"b":2}]}{"c":3}')).toBe(17);
    expect(end('{"a":[1,{"b":2}]}{"c":3}', 17)).toBe(24);
  });

  test('ignores braces and escaped quotes inside strings', () => {
    const s = '{"m":"} \\" { \\\\"}x';
    expect(end(s)).toBe(s.length - 1);
  });

  test('returns -1 for a document cut short', () => {
    expect(end('{"a":{"b":1}')).toBe(-1);
    expect(end('{"a":"unterminated')).toBe(-1);
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
    expect(isEscapeFree(decodeKinesisRecord(gzipJson(dataMessage(['plain']))))).toBe(true);
    expect(isEscapeFree(decodeKinesisRecord(gzipJson(dataMessage(['say "hi"']))))).toBe(false);
  });

  test('reports bad JSON inside the gzip at the member, with the position in the decompressed data', () => {
    const e = decodeError(() => decodeKinesisRecord(zlib.gzipSync('{"messageType":}')));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/^bad JSON at byte 15 of the decompressed data: /);
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
    expect(decodeError(() => decodeKinesisRecord(gzipJson({ hello: 'world' }))).message).toMatch(/messageType must be/);
  });
});

import * as zlib from 'node:zlib';
import { FirehoseItem, decodeFirehoseObject } from '../../src/decoders/firehose-object';
import { DecodeError } from '../../src/types';
import { CONTROL_MESSAGE, dataMessage, gzipJson } from '../fixtures/payloads';

const a = dataMessage(['first a', 'second a'], { logStream: 'a' });
const b = dataMessage(['first b'], { logStream: 'b' });

function decode(data: Buffer, options?: Parameters<typeof decodeFirehoseObject>[1]): FirehoseItem[] {
  return [...decodeFirehoseObject(data, options)];
}

function failure(data: Buffer): { error: DecodeError; before: FirehoseItem[] } {
  const before: FirehoseItem[] = [];
  try {
    for (const item of decodeFirehoseObject(data)) before.push(item);
  } catch (e) {
    if (e instanceof DecodeError) return { error: e, before };
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeFirehoseObject', () => {
  test('node gunzip would merge concatenated members into one text, which is why members are decoded one by one', () => {
    const merged = zlib.gunzipSync(Buffer.concat([gzipJson(a), gzipJson(b)])).toString();
    expect(merged).toBe(JSON.stringify(a) + JSON.stringify(b));
  });

  test('decodes gzip members back to back, offsets in the decompressed stream', () => {
    const items = decode(Buffer.concat([gzipJson(a), gzipJson(CONTROL_MESSAGE), gzipJson(b)]));
    const lenA = JSON.stringify(a).length;
    const lenC = JSON.stringify(CONTROL_MESSAGE).length;
    expect(items).toEqual([
      { envelope: a, offset: 0 },
      { envelope: CONTROL_MESSAGE, offset: lenA },
      { envelope: b, offset: lenA + lenC },
    ]);
  });

  test('decodes gzip members separated by newlines', () => {
    const items = decode(Buffer.concat([gzipJson(a), Buffer.from('\n'), gzipJson(b), Buffer.from('\n')]));
    expect(items.map((i) => 'envelope' in i && i.envelope.logStream)).toEqual(['a', 'b']);
  });

  test('decodes JSON payloads back to back without a delimiter', () => {
    const text = JSON.stringify(a) + JSON.stringify(b);
    expect(decode(Buffer.from(text))).toEqual([
      { envelope: a, offset: 0 },
      { envelope: b, offset: JSON.stringify(a).length },
    ]);
  });

  test('decodes pretty-printed JSON payloads separated by newlines', () => {
    const first = JSON.stringify(a, null, 2);
    const text = `${first}\n${JSON.stringify(b, null, 4)}\n`;
    expect(decode(Buffer.from(text))).toEqual([
      { envelope: a, offset: 0 },
      { envelope: b, offset: first.length + 1 },
    ]);
  });

  test('decodes one gzip stream holding several payloads (Firehose S3 compression)', () => {
    const text = `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`;
    expect(decode(zlib.gzipSync(text))).toEqual([
      { envelope: a, offset: 0 },
      { envelope: b, offset: JSON.stringify(a).length + 1 },
    ]);
  });

  test('yields extracted message lines (Firehose message extraction), JSON messages included', () => {
    const text = 'plain message\n{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}\n\nlast line';
    expect(decode(Buffer.from(text))).toEqual([
      { line: 'plain message', offset: 0 },
      { line: '{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}', offset: 14 },
      { line: 'last line', offset: 72 },
    ]);
  });

  test('CRLF line ends lose their CR; a lone CR line is empty and skipped', () => {
    expect(decode(Buffer.from('one\r\ntwo\r\n\r\nthree'))).toEqual([
      { line: 'one', offset: 0 },
      { line: 'two', offset: 5 },
      { line: 'three', offset: 12 },
    ]);
  });

  test('yields the lines of a gzipped object of extracted messages', () => {
    expect(decode(zlib.gzipSync('one\ntwo\n'))).toEqual([
      { line: 'one', offset: 0 },
      { line: 'two', offset: 4 },
    ]);
  });

  test('refuses message lines when asked for payloads only', () => {
    expect(() => decode(Buffer.from('plain message\n'), { allowRawLines: false })).toThrow('not a CloudWatch Logs payload: starts with 0x70 ("p")');
  });

  test('yields nothing for an empty object', () => {
    expect(decode(Buffer.alloc(0))).toEqual([]);
    expect(decode(Buffer.from('\n'))).toEqual([]);
  });

  test('reports a truncated gzip member at the end of the object, after the members before it', () => {
    const good = gzipJson(a);
    const cut = gzipJson(b).subarray(0, 30);
    const { error, before } = failure(Buffer.concat([good, cut]));
    expect(before).toHaveLength(1);
    expect(error.offset).toBe(good.length + 30);
    expect(error.message).toMatch(/truncated/);
    expect(error.reason).toBe('gzip-truncated');
  });

  test('reports corrupt deflate data at the bad byte of the second member', () => {
    const good = gzipJson(a);
    const bad = Buffer.from(gzipJson(b));
    bad[10] = 0xff;
    const { error } = failure(Buffer.concat([good, bad]));
    expect(error.offset).toBe(good.length + 10);
    expect(error.message).toBe('bad gzip data (invalid block type)');
    expect(error.reason).toBe('gzip-corrupt');
  });

  test('reports bad JSON between documents at its byte', () => {
    const first = JSON.stringify(a);
    const { error, before } = failure(Buffer.from(`${first}{"messageType": oops}`));
    expect(before).toHaveLength(1);
    expect(error.offset).toBe(first.length + 16);
    expect(error.message).toBe('bad JSON: expected a JSON value, found "o"');
    expect(error.reason).toBe('not-json');
  });

  test('reports bad JSON inside a gzip member at the member, naming the decompressed position', () => {
    const first = gzipJson(a);
    const { error } = failure(Buffer.concat([first, zlib.gzipSync('{"messageType":,}')]));
    expect(error.offset).toBe(first.length);
    expect(error.message).toBe('bad JSON at byte 15 of the decompressed data: expected a JSON value, found ","');
    expect(error.reason).toBe('not-json');
  });

  test('reports a document cut short at the end of the object', () => {
    const text = `${JSON.stringify(a)}{"messageType":"DATA_MESSAGE","logEvents":[`;
    const { error } = failure(Buffer.from(text));
    expect(error.offset).toBe(text.length);
    expect(error.message).toBe('bad JSON: unexpected end of input (expected a JSON value)');
    expect(error.reason).toBe('not-json');
  });

  test('reports a payload of the wrong shape at its offset', () => {
    const first = JSON.stringify(a);
    const { error } = failure(Buffer.from(`${first}\n{"CHANGE":1.96,"TICKER_SYMBOL":"SAC"}\n`));
    expect(error.offset).toBe(first.length + 1);
    expect(error.message).toMatch(/^not a CloudWatch Logs subscription payload: messageType must be/);
    expect(error.reason).toBe('bad-envelope');
  });

  test('reports text after payloads at its byte', () => {
    const first = JSON.stringify(a);
    const { error } = failure(Buffer.from(`${first}\ngarbage`));
    expect(error.offset).toBe(first.length + 1);
    expect(error.message).toBe('expected a CloudWatch Logs JSON payload, found 0x67 ("g")');
    expect(error.reason).toBe('not-json');
  });
});

import { jsonDocumentEnd, jsonSyntaxError, parseJsonAt, scanJsonEnd } from '../../src/decoders/json-scan';
import { decodeError } from './support';

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

describe('jsonDocumentEnd', () => {
  test('is the end of the document, or the end of the range for one cut short', () => {
    expect(jsonDocumentEnd(Buffer.from('{"a":1} {"b":2}'), 0, 15)).toBe(7);
    expect(jsonDocumentEnd(Buffer.from('{"a":[1'), 0, 7)).toBe(7);
  });
});

describe('parseJsonAt', () => {
  test('parses the range', () => {
    expect(parseJsonAt(Buffer.from('xx{"a":[1]}yy'), 2, 11)).toEqual({ a: [1] });
  });

  test('locates bad JSON at its byte, counting bytes not characters', () => {
    const e = decodeError(() => parseJsonAt(Buffer.from('{"é": nope}'), 0, 12));
    expect([e.reason, e.offset, e.message]).toEqual(['not-json', 7, 'bad JSON: expected a JSON value, found "n"']);
  });

  test('inside decompressed data, reports the member and names the position', () => {
    const e = decodeError(() => parseJsonAt(Buffer.from('{"a":}'), 0, 6, 40));
    expect([e.reason, e.offset, e.message]).toEqual(['not-json', 40, 'bad JSON at byte 5 of the decompressed data: expected a JSON value, found "}"']);
  });
});

describe('jsonSyntaxError', () => {
  test.each([
    ['{"a":1,}', 7, 'expected a property name, found "}"'],
    ['[1 2]', 3, "expected ',' or ']', found \"2\""],
    ['{"a":"x', 7, 'unexpected end of input (unterminated string)'],
    ['{} x', 3, 'unexpected data after the JSON document, found "x"'],
  ])('%s: the first bad character and what was expected', (text, index, what) => {
    expect(jsonSyntaxError(text)).toEqual({ index, what });
  });
});

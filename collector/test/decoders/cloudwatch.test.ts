import { decodeEnvelope, decodeEnvelopeAt } from '../../src/decoders/cloudwatch';
import { isEnvelopeEscapeFree } from '../../src/events';
import { CONTROL_MESSAGE, VPC_DEFAULT_LINES, dataMessage } from '../fixtures/payloads';
import { decodeError } from './support';

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
    expect(e.reason).toBe('bad-envelope');
  });
});

describe('decodeEnvelopeAt', () => {
  test('parses, checks and marks an envelope whose JSON text has no backslash as escape-free', () => {
    const text = Buffer.from(`  ${JSON.stringify(dataMessage(['plain']))}`);
    const envelope = decodeEnvelopeAt(text, 2, text.length, undefined, 2);
    expect(envelope).toEqual(dataMessage(['plain']));
    expect(isEnvelopeEscapeFree(envelope)).toBe(true);
    const escaped = Buffer.from(JSON.stringify(dataMessage(['say "hi"'])));
    expect(isEnvelopeEscapeFree(decodeEnvelopeAt(escaped, 0, escaped.length, undefined, 0))).toBe(false);
  });

  test('reports bad JSON at its byte, and a wrong shape at the given offset', () => {
    const bad = Buffer.from('xx{"messageType": nope}');
    expect(decodeError(() => decodeEnvelopeAt(bad, 2, bad.length, undefined, 2))).toMatchObject({ reason: 'not-json', offset: 18 });
    const shape = Buffer.from('{"a":1}');
    expect(decodeError(() => decodeEnvelopeAt(shape, 0, shape.length, undefined, 5))).toMatchObject({ reason: 'bad-envelope', offset: 5 });
  });
});

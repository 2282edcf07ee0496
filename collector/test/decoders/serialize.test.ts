import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { envelopeToEvents, isEscapeFree, lineToEvent } from '../../src/events';
import { createParser } from '../../src/parsers';
import { parseVpcFlowLog } from '../../src/parsers/vpcflow';
import { integerJson, quoteJson, serializeBatch, serializeEvent } from '../../src/serialize';
import { EventOrigin, NormalizedEvent } from '../../src/types';
import { VPC_DEFAULT_LINES, dataMessage, gzipJson } from '../fixtures/payloads';

const origin: EventOrigin = { kind: 'kinesis', stream: 'cwl', shard: 'shardId-000000000001', sequenceNumber: '4959' };

/** JSON.stringify of the event's fields in the serialized key order. */
function reference(e: NormalizedEvent): string {
  const { id, timestamp, owner, logGroup, logStream, message, source, type, fields } = e;
  return JSON.stringify({ id, timestamp, owner, logGroup, logStream, message, source, type, fields });
}

const TRICKY = [
  'plain',
  'with "quotes" and \\backslashes\\',
  'control \u0000\u0001\u001f\b\f\n\r\t characters',
  'unicode é ü 日本語 and an emoji 😀',
  'lone surrogates \ud800 and \udfff',
  '</script> \u2028\u2029',
  '',
];

describe('serializeEvent', () => {
  test('equals JSON.stringify for messages with quotes, control characters and unicode', () => {
    const parser = createParser();
    for (const message of TRICKY) {
      for (const group of ['/app', 'vpc-flow-logs']) {
        const events = envelopeToEvents(decodeKinesisRecord(gzipJson(dataMessage([message], { logGroup: group, logStream: message }))), origin, parser);
        expect(serializeEvent(events[0])).toBe(reference(events[0]));
      }
    }
  });

  test('equals JSON.stringify for line events (export tasks, extracted messages), whatever their message, group or stream', () => {
    const parser = createParser();
    const vpc = [...Object.values(VPC_DEFAULT_LINES), '2 123456789010 eni-"q" 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK'];
    let escapeFree = 0;
    for (const message of [...TRICKY, ...vpc]) {
      for (const context of [
        { logGroup: '/app', logStream: 's' },
        { logGroup: 'vpc-flow-logs', logStream: message, owner: '123456789012' },
        { logGroup: 'g \ud800 "x"' },
      ]) {
        const e = lineToEvent({ message, timestamp: 1 }, context, { kind: 'export-object', bucket: 'b', key: `k/${message}`, offset: 3 }, parser);
        if (isEscapeFree(e)) escapeFree++;
        expect(serializeEvent(e)).toBe(reference(e));
      }
    }
    // The fast path is taken where it can be.
    expect(escapeFree).toBeGreaterThan(0);
    expect(lineToEvent({ message: vpc[0], timestamp: 1 }, { logGroup: 'vpc-flow-logs' }, { kind: 'file', file: 'f', offset: 0 }, parser).type).toBe('vpcflow');
  });

  test('equals JSON.stringify for VPC flow log events, escape-free or not', () => {
    const parser = createParser();
    const lines = [...Object.values(VPC_DEFAULT_LINES), '2 123456789010 eni-"q" 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK'];
    const events = envelopeToEvents(decodeKinesisRecord(gzipJson(dataMessage(lines))), origin, parser);
    expect(events.every((e) => e.type === 'vpcflow')).toBe(true);
    for (const e of events) expect(serializeEvent(e)).toBe(reference(e));
  });

  test('equals JSON.stringify for plain-object events, with unusual fields and sources', () => {
    const base = { id: 'x"y', timestamp: 1700000000123, owner: '1', logGroup: 'g', logStream: 's', message: 'm' };
    const cases: NormalizedEvent[] = [
      { ...base, source: { kind: 'file', file: 'dir/"quoted" é.gz', offset: 3 } },
      { ...base, source: { kind: 'file', file: 'f', offset: 0 }, type: 'json', fields: { nested: { a: [1, 'two', null] }, s: '\u0007' } },
      { ...base, timestamp: 1.5, source: { kind: 'file', file: 'f', offset: 0 }, type: 'vpcflow', fields: parseVpcFlowLog(VPC_DEFAULT_LINES.accept) },
      { ...base, timestamp: Number.NaN, source: { kind: 'file', file: 'f', offset: 0 } },
      { ...base, timestamp: -5, source: { kind: 'file', file: 'f', offset: 0 }, fields: { a: 1 } },
    ];
    for (const e of cases) expect(serializeEvent(e)).toBe(reference(e));
  });

  test('copes with events off the contract the way JSON.stringify does', () => {
    const odd = {
      id: 7,
      timestamp: '1',
      owner: undefined,
      logGroup: 'g',
      logStream: 's',
      message: 'm',
      source: { kind: 'file', file: 'f', offset: 0 },
    } as unknown as NormalizedEvent;
    expect(serializeEvent(odd)).toBe(reference(odd));
  });
});

describe('serializeBatch', () => {
  test('writes one line per event, each ending with a newline', () => {
    const parser = createParser();
    const a = envelopeToEvents(decodeKinesisRecord(gzipJson(dataMessage([VPC_DEFAULT_LINES.accept, 'x'], { logStream: 'a' }))), origin, parser);
    const b = envelopeToEvents(
      decodeKinesisRecord(gzipJson(dataMessage(['{"k":"v"}'], { logGroup: '/app', logStream: 'b' }))),
      { ...origin, sequenceNumber: '4960' },
      parser,
    );
    const all = [...a, ...b];
    expect(serializeBatch(all)).toBe(all.map((e) => `${reference(e)}\n`).join(''));
    expect(serializeBatch([])).toBe('');
  });
});

describe('JSON helpers', () => {
  test('quoteJson equals JSON.stringify', () => {
    for (const s of TRICKY) expect(quoteJson(s)).toBe(JSON.stringify(s));
  });

  test('integerJson equals JSON.stringify', () => {
    const values = [
      0,
      7,
      9999,
      10000,
      65535,
      99999999,
      1e8,
      1e8 + 1,
      1418530070,
      2147483648,
      1700000000123,
      9007199254740991,
      9007199254740992,
      1e21,
      -1,
      -0,
      0.5,
      null,
    ];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 16)));
    for (const v of values) expect(integerJson(v)).toBe(JSON.stringify(v));
  });
});

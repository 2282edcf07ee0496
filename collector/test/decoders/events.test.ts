import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { deterministicId, envelopeToEvents, isEscapeFree, lineToEvent } from '../../src/events';
import { createParser } from '../../src/parsers';
import { CloudWatchEnvelope, EventOrigin } from '../../src/types';
import { CONTROL_MESSAGE, VPC_DEFAULT_LINES, dataMessage, gzipJson } from '../fixtures/payloads';

const origin: EventOrigin = { kind: 'kinesis', stream: 'cwl', shard: 'shardId-000000000001', sequenceNumber: '4959' };

describe('envelopeToEvents', () => {
  test('makes one event per log event, with the envelope fields, in order', () => {
    const payload = dataMessage(['hello', 'world'], { logGroup: '/app/api', logStream: 'i-1' });
    const events = envelopeToEvents(payload as CloudWatchEnvelope, origin, createParser());
    expect(events).toEqual([
      {
        id: payload.logEvents[0].id,
        timestamp: 1700000000000,
        owner: '123456789012',
        logGroup: '/app/api',
        logStream: 'i-1',
        message: 'hello',
        source: origin,
      },
      {
        id: payload.logEvents[1].id,
        timestamp: 1700000000001,
        owner: '123456789012',
        logGroup: '/app/api',
        logStream: 'i-1',
        message: 'world',
        source: origin,
      },
    ]);
    expect(Object.keys(events[0])).toEqual(['id', 'timestamp', 'owner', 'logGroup', 'logStream', 'message', 'source', 'type', 'fields']);
  });

  test('makes no event of a control message', () => {
    expect(envelopeToEvents(CONTROL_MESSAGE as CloudWatchEnvelope, origin, createParser())).toEqual([]);
  });

  test('gives events without an id (or an empty one) a deterministic id from origin and index', () => {
    const payload = {
      ...dataMessage(['a', 'b']),
      logEvents: [
        { timestamp: 1, message: 'a' },
        { id: '', timestamp: 2, message: 'b' },
      ],
    };
    const events = envelopeToEvents(payload as CloudWatchEnvelope, origin, createParser());
    expect(events.map((e) => e.id)).toEqual([deterministicId(origin, 0), deterministicId(origin, 1)]);
  });

  test('parses messages by log group: VPC flow logs, CloudTrail, JSON, raw', () => {
    const parser = createParser();
    const vpc = envelopeToEvents(dataMessage([VPC_DEFAULT_LINES.accept]) as CloudWatchEnvelope, origin, parser)[0];
    expect(vpc.type).toBe('vpcflow');
    expect(vpc.fields).toMatchObject({ srcaddr: '172.31.16.139', dstport: 22 });
    const trail = dataMessage(['{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser"}', '{"level":"info"}', 'plain'], {
      logGroup: 'CloudTrail/logs',
    });
    expect(envelopeToEvents(trail as CloudWatchEnvelope, origin, parser).map((e) => [e.type, e.fields])).toEqual([
      ['cloudtrail', { eventVersion: '1.08', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }],
      ['json', { level: 'info' }],
      [undefined, undefined],
    ]);
  });

  test('reports lines of VPC flow log groups that do not match the format', () => {
    const unparsed: [string, string][] = [];
    const payload = dataMessage([VPC_DEFAULT_LINES.accept, 'not a flow log', '{"json":true}']);
    envelopeToEvents(payload as CloudWatchEnvelope, origin, createParser(), (parser, event) => unparsed.push([parser, event.message]));
    expect(unparsed).toEqual([
      ['vpcflow', 'not a flow log'],
      ['vpcflow', '{"json":true}'],
    ]);
  });

  test('marks events of escape-free payloads', () => {
    const clean = envelopeToEvents(decodeKinesisRecord(gzipJson(dataMessage(['plain']))), origin, createParser());
    const quoted = envelopeToEvents(decodeKinesisRecord(gzipJson(dataMessage(['"quoted"']))), origin, createParser());
    expect(isEscapeFree(clean[0])).toBe(true);
    expect(isEscapeFree(quoted[0])).toBe(false);
    expect(isEscapeFree({ ...clean[0] })).toBe(false);
  });
});

describe('lineToEvent', () => {
  test('makes an event of a line, with a deterministic id and what is known of its group', () => {
    const o: EventOrigin = { kind: 'export-object', bucket: 'b', key: 'exportedlogs/t/s/000000.gz', offset: 120 };
    const e = lineToEvent({ message: '{"a":1}', timestamp: 5 }, { logGroup: '/app', logStream: 's' }, o, createParser());
    expect(e).toEqual({
      id: deterministicId(o, 0),
      timestamp: 5,
      owner: '',
      logGroup: '/app',
      logStream: 's',
      message: '{"a":1}',
      source: o,
      type: 'json',
      fields: { a: 1 },
    });
  });

  test('parses a VPC flow log line when the group is a VPC flow log group', () => {
    const o: EventOrigin = { kind: 'firehose-object', key: 'k', offset: 0 };
    expect(lineToEvent({ message: VPC_DEFAULT_LINES.nodata, timestamp: 1 }, { logGroup: 'vpc-flow-logs' }, o, createParser()).type).toBe('vpcflow');
    expect(lineToEvent({ message: VPC_DEFAULT_LINES.nodata, timestamp: 1 }, {}, o, createParser()).type).toBeUndefined();
  });
});

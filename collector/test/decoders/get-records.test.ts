import { decodeGetRecords } from '../../src/decoders/get-records';
import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { DecodeError } from '../../src/types';
import { VPC_DEFAULT_LINES, dataMessage, getRecordsJson, gzipJson } from '../fixtures/payloads';

describe('decodeGetRecords', () => {
  test('returns each record with its bytes and sequence number', () => {
    const payload = dataMessage([VPC_DEFAULT_LINES.accept]);
    const out = decodeGetRecords(getRecordsJson([gzipJson(payload), gzipJson(payload)]));
    expect(out.records.map((r) => r.sequenceNumber)).toEqual([
      '49590338271490256608559692538361571095921575989136588898',
      '49590338271490256608559692538361571095921575989136588899',
    ]);
    expect(out.records[0]).toMatchObject({ partitionKey: 'a5b4f3c2d1e0', approximateArrivalTimestamp: '2024-06-10T08:00:00.000000+00:00', index: 0 });
    expect(decodeKinesisRecord(out.records[1].data)).toEqual(payload);
    expect(out.nextShardIterator).toBe('AAAAAAAAAAH9Example');
    expect(out.millisBehindLatest).toBe(0);
  });

  test('accepts an empty Records array', () => {
    expect(decodeGetRecords('{"Records":[],"NextShardIterator":null,"MillisBehindLatest":0}').records).toEqual([]);
  });

  test('concatenates several outputs appended to one file', () => {
    const one = getRecordsJson([gzipJson(dataMessage(['a']))], 1n);
    const two = getRecordsJson([gzipJson(dataMessage(['b']))], 2n);
    const out = decodeGetRecords(`${one}\n${two}\n`);
    expect(out.records.map((r) => [r.sequenceNumber, r.index])).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
  });

  test.each([
    ['no Records', '{"NextShardIterator":"x"}', 'not get-records output: "Records" must be an array'],
    ['Data that is not base64', '{"Records":[{"SequenceNumber":"1","Data":"not base64!"}]}', 'not get-records output: Records[0].Data must be a base64 string'],
    ['no sequence number', '{"Records":[{"Data":"AAAA"}]}', 'not get-records output: Records[0].SequenceNumber must be a non-empty string'],
  ])('rejects output with %s', (_, text, message) => {
    expect(() => decodeGetRecords(text)).toThrow(new DecodeError('bad-get-records', message, 0));
    expect(() => decodeGetRecords(text)).toThrow(expect.objectContaining({ reason: 'bad-get-records', offset: 0 }));
  });

  test('reports bad JSON at its byte', () => {
    let error: DecodeError | undefined;
    try {
      decodeGetRecords('{"Records": [}');
    } catch (e) {
      error = e as DecodeError;
    }
    expect(error?.offset).toBe(13);
    expect(error?.reason).toBe('not-json');
  });
});

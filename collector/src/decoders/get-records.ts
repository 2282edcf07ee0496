/**
 * The JSON `aws kinesis get-records` prints:
 * `{ "Records": [{ "SequenceNumber", "ApproximateArrivalTimestamp", "Data": "<base64>", "PartitionKey", ... }],
 *    "NextShardIterator", "MillisBehindLatest" }`.
 * Several such documents back to back (a loop appending to one file) are accepted; their records
 * are concatenated and the iterator fields come from the last one.
 */
import { DecodeError } from '../types';
import { asBuffer, describeByte } from './bytes';
import { jsonDocumentEnd, parseJsonAt, skipBlanks } from './json-scan';

export interface GetRecordsRecord {
  /** The record's bytes (for a CloudWatch Logs subscription: gzip JSON). */
  readonly data: Buffer;
  readonly sequenceNumber: string;
  readonly partitionKey?: string;
  /** As the CLI printed it: epoch seconds or an ISO-8601 string. */
  readonly approximateArrivalTimestamp?: number | string;
  /** Position of the record in the output (0-based, across documents). */
  readonly index: number;
}

export interface GetRecordsOutput {
  readonly records: readonly GetRecordsRecord[];
  readonly nextShardIterator?: string;
  readonly millisBehindLatest?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes get-records output; throws a DecodeError saying which record or field is wrong. */
export function decodeGetRecords(input: Uint8Array | string): GetRecordsOutput {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : asBuffer(input);
  const records: GetRecordsRecord[] = [];
  let nextShardIterator: string | undefined;
  let millisBehindLatest: number | undefined;
  let i = skipBlanks(data, 0, data.length);
  if (i >= data.length) throw new DecodeError('not-json', 'empty input: expected the JSON that `aws kinesis get-records` prints', 0);
  while (i < data.length) {
    if (data[i] !== 0x7b) throw new DecodeError('not-json', `expected a JSON object, found ${describeByte(data[i])}`, i);
    const end = jsonDocumentEnd(data, i, data.length);
    const doc = parseJsonAt(data, i, end) as Record<string, unknown>;
    const fail = (what: string): never => {
      throw new DecodeError('bad-get-records', `not get-records output: ${what}`, i);
    };
    if (!Array.isArray(doc.Records)) fail('"Records" must be an array');
    (doc.Records as unknown[]).forEach((r, k) => {
      const rec = r as Record<string, unknown> | null;
      const at = `Records[${k}]`;
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) fail(`${at} must be an object`);
      const rr = rec as Record<string, unknown>;
      if (typeof rr.Data !== 'string' || rr.Data.length % 4 !== 0 || !BASE64.test(rr.Data)) fail(`${at}.Data must be a base64 string`);
      if (typeof rr.SequenceNumber !== 'string' || rr.SequenceNumber === '') fail(`${at}.SequenceNumber must be a non-empty string`);
      if (rr.PartitionKey !== undefined && typeof rr.PartitionKey !== 'string') fail(`${at}.PartitionKey must be a string`);
      const t = rr.ApproximateArrivalTimestamp;
      if (t !== undefined && typeof t !== 'number' && typeof t !== 'string') fail(`${at}.ApproximateArrivalTimestamp must be a number or a string`);
      records.push({
        data: Buffer.from(rr.Data as string, 'base64'),
        sequenceNumber: rr.SequenceNumber as string,
        partitionKey: rr.PartitionKey as string | undefined,
        approximateArrivalTimestamp: t as number | string | undefined,
        index: records.length,
      });
    });
    if (doc.NextShardIterator !== undefined && doc.NextShardIterator !== null) {
      if (typeof doc.NextShardIterator !== 'string') fail('"NextShardIterator" must be a string');
      nextShardIterator = doc.NextShardIterator as string;
    }
    if (doc.MillisBehindLatest !== undefined) {
      if (typeof doc.MillisBehindLatest !== 'number') fail('"MillisBehindLatest" must be a number');
      millisBehindLatest = doc.MillisBehindLatest as number;
    }
    i = skipBlanks(data, end, data.length);
  }
  return { records, nextShardIterator, millisBehindLatest };
}

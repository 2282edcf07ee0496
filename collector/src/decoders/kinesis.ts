import { CloudWatchEnvelope } from '../types';
import { decodeEnvelope, gunzipRecord, hasNoBackslash, markEscapeFree, parseJsonAt } from './cloudwatch';

/**
 * Decodes one Kinesis record written by a CloudWatch Logs subscription: gzip of one JSON payload
 * (already-decompressed JSON is accepted too). Throws a DecodeError for bad gzip, bad JSON, a
 * payload of the wrong shape, or anything after the payload.
 */
export function decodeKinesisRecord(data: Uint8Array): CloudWatchEnvelope {
  const gzipped = data.length > 0 && data[0] === 0x1f;
  const text = gunzipRecord(data);
  const member = gzipped ? 0 : undefined;
  const envelope = decodeEnvelope(parseJsonAt(text, 0, text.length, member), 0);
  if (hasNoBackslash(text, 0, text.length)) markEscapeFree(envelope);
  return envelope;
}

/**
 * One Kinesis record written by a CloudWatch Logs subscription: gzip of one JSON payload (already
 * decompressed JSON is accepted too).
 */
import { CloudWatchEnvelope, DecodeError } from '../types';
import { asBuffer, describeByte } from './bytes';
import { decodeEnvelopeAt } from './cloudwatch';
import { MAX_DECOMPRESSED_BYTES, gunzipAll, isGzipAt } from './gzip';
import { skipBlanks } from './json-scan';

/**
 * Decodes one record into its envelope. Throws a DecodeError for bad gzip, bad JSON, a payload of
 * the wrong shape, or anything after the payload.
 */
export function decodeKinesisRecord(data: Uint8Array): CloudWatchEnvelope {
  const member = isGzipAt(data) ? 0 : undefined;
  const text = gunzipRecord(data);
  return decodeEnvelopeAt(text, 0, text.length, member, 0);
}

/**
 * The JSON text of one subscription record: gunzipped, or returned as is when it is already
 * decompressed JSON (its first non-blank byte is `{`). Throws a DecodeError naming the first bad
 * byte for data that is neither, or whose gzip stream is corrupt or truncated.
 */
export function gunzipRecord(data: Uint8Array, maxBytes = MAX_DECOMPRESSED_BYTES): Buffer {
  const first = skipBlanks(data, 0, data.length);
  if (first < data.length && data[first] === 0x7b) return asBuffer(data);
  if (data.length === 0) throw new DecodeError('not-gzip', 'empty record: expected gzip data or a JSON object', 0);
  if (!isGzipAt(data)) {
    throw new DecodeError('not-gzip', `not gzip (expected bytes 1f 8b) and not JSON (expected "{"): starts with ${describeByte(data[0])}`, 0);
  }
  return gunzipAll(data, maxBytes);
}

/**
 * One Kinesis record written by a CloudWatch Logs subscription: gzip of one JSON payload (already
 * decompressed JSON is accepted too).
 */
import { CloudWatchEnvelope, DecodeError } from '../types';
import { asBuffer, describeByte } from './bytes';
import { decodeEnvelopeAt } from './cloudwatch';
import { gunzipAll, isGzipAt } from './gzip';
import { skipBlanks } from './json-scan';
import { DEFAULT_DECODE_LIMITS, tooLarge } from './limits';

/**
 * Decodes one record into its envelope. Throws a DecodeError for bad gzip, bad JSON, a payload of
 * the wrong shape, anything after the payload, or a payload larger than `maxBytes` (`too-large`).
 */
export function decodeKinesisRecord(data: Uint8Array, maxBytes: number = DEFAULT_DECODE_LIMITS.maxDecompressedBytes): CloudWatchEnvelope {
  const member = isGzipAt(data) ? 0 : undefined;
  const text = gunzipRecord(data, maxBytes);
  return decodeEnvelopeAt(text, 0, text.length, member, 0);
}

/**
 * The JSON text of one subscription record: gunzipped, or returned as is when it is already
 * decompressed JSON (its first non-blank byte is `{`). Throws a DecodeError naming the first bad
 * byte for data that is neither, or whose gzip stream is corrupt or truncated; `too-large` when the
 * text is longer than `maxBytes`.
 */
export function gunzipRecord(data: Uint8Array, maxBytes: number = DEFAULT_DECODE_LIMITS.maxDecompressedBytes): Buffer {
  const first = skipBlanks(data, 0, data.length);
  if (first < data.length && data[first] === 0x7b) {
    if (data.length > maxBytes) throw tooLarge('the JSON payload', data.length, maxBytes, 0);
    return asBuffer(data);
  }
  if (data.length === 0) throw new DecodeError('not-gzip', 'empty record: expected gzip data or a JSON object', 0);
  if (!isGzipAt(data)) {
    throw new DecodeError('not-gzip', `not gzip (expected bytes 1f 8b) and not JSON (expected "{"): starts with ${describeByte(data[0])}`, 0);
  }
  return gunzipAll(data, maxBytes);
}

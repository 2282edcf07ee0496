/**
 * What the decoders and parsers accept from one record or object: the `limits` of the collector
 * config. The defaults are read from the config schema (config/schema.ts), the one place they are
 * written; a decoder called without a limit (the decode command, tests) gets them.
 */
import { collectorConfigSchema } from '../config/schema';
import { DecodeError } from '../types';

export interface DecodeLimits {
  /**
   * Bytes one inflation may produce: a Kinesis record, each gzip member of a Firehose object, a
   * whole export-task or lines object (all its members together). Also the longest plain line or
   * JSON document read without inflating. More is a DecodeError with reason `too-large`, raised
   * before more than this was produced (zlib's maxOutputLength stops the inflation).
   */
  readonly maxDecompressedBytes: number;
  /** Nesting levels of a JSON message parsed into `fields`; a deeper message is left unparsed. */
  readonly maxJsonDepth: number;
}

const schema = collectorConfigSchema.properties.limits.properties;

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxDecompressedBytes: schema.maxDecompressedBytes.default,
  maxJsonDepth: schema.maxJsonDepth.default,
};

/**
 * The DecodeError for plain text longer than the cap (a JSON document, a line or a message read
 * without inflating), which would otherwise become one huge string.
 */
export function tooLarge(what: string, bytes: number, maxBytes: number, offset: number): DecodeError {
  return new DecodeError('too-large', `${what} is ${bytes} bytes, more than ${maxBytes} (limits.maxDecompressedBytes)`, offset);
}

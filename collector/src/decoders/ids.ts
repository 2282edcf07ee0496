/**
 * Deterministic event ids for events CloudWatch gave none (export-task lines, lines Firehose
 * extracted, envelopes whose events lack `id`). Reading the same bytes from the same place again
 * yields the same ids, so a SIEM can drop the duplicates that at-least-once delivery produces.
 *
 * id = the first 32 hex characters (128 bits) of SHA-256 over the UTF-8 bytes of
 * `JSON.stringify([...originParts(origin), index])`, where originParts is
 *
 * | origin.kind       | parts                                                          |
 * |-------------------|----------------------------------------------------------------|
 * | `kinesis`         | `"kinesis", stream, shard, sequenceNumber`                     |
 * | `firehose-object` | `"firehose-object", bucket ?? "", key ?? "", file ?? "", offset` |
 * | `export-object`   | `"export-object", bucket ?? "", key ?? "", file ?? "", offset`   |
 * | `file`            | `"file", file, offset`                                         |
 *
 * and `index` is the event's position in its envelope's logEvents (0 for a line, whose origin
 * offset already tells it apart). Example: origin `{ kind: 'file', file: 'a.gz', offset: 0 }`,
 * index 2 hashes the string `["file","a.gz",0,2]`.
 */
import * as crypto from 'node:crypto';
import { EventOrigin } from '../types';

/** The parts of an origin that enter the id, in order (see the table above). */
export function originParts(origin: EventOrigin): (string | number)[] {
  switch (origin.kind) {
    case 'kinesis':
      return ['kinesis', origin.stream, origin.shard, origin.sequenceNumber];
    case 'firehose-object':
    case 'export-object':
      return [origin.kind, origin.bucket ?? '', origin.key ?? '', origin.file ?? '', origin.offset];
    case 'file':
      return ['file', origin.file, origin.offset];
  }
}

/** The exact string that is hashed for the event at `index` of `origin`. */
export function idInput(origin: EventOrigin, index: number): string {
  const parts = originParts(origin);
  parts.push(index);
  return JSON.stringify(parts);
}

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string;
// crypto.hash (Node >= 20.12) avoids a Hash object per id.
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The deterministic id of the event at `index` of `origin`. */
export function deterministicId(origin: EventOrigin, index: number): string {
  const input = idInput(origin, index);
  const hex = oneShot ? oneShot('sha256', input, 'hex') : crypto.createHash('sha256').update(input).digest('hex');
  return hex.slice(0, 32);
}

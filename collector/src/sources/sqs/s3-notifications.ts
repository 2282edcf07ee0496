/**
 * Parses SQS message bodies that announce S3 objects, for the collector's SQS mode. Pure: no I/O.
 *
 * Recognized bodies:
 * - S3 event notifications (`{"Records":[{"eventSource":"aws:s3",...}]}`). Object keys arrive
 *   URL-encoded with `+` for spaces and are decoded here (`+` -> space, then percent-decoding, so a
 *   literal plus, sent as `%2B`, survives). Only `ObjectCreated:*` records become objects; the
 *   others are listed in `ignored` with a reason.
 * - The `s3:TestEvent` S3 sends when notifications are configured.
 * - Either of the above wrapped in an SNS `Notification` envelope (`Message` holds the JSON as a
 *   string), as delivered to SQS without raw message delivery.
 * - EventBridge S3 events (`"source":"aws.s3"`); their keys are not URL-encoded and are kept as-is.
 * Anything else throws a DecodeError naming what was received and why it is not a notification.
 */
import { DecodeError } from '../../types';

/** One S3 object a notification announced as created. */
export interface S3ObjectRef {
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly sequencer?: string;
  /** S3 notifications: the record's `eventName` (e.g. `ObjectCreated:Put`). EventBridge: the `detail-type` (`Object Created`). */
  readonly eventName: string;
  /** ISO-8601 time S3 gave the event (`eventTime`, or EventBridge's `time`). */
  readonly eventTime: string;
}

/** A record of the message that announced no object to read. */
export interface IgnoredS3Record {
  /** Index of the record in `Records` (always 0 for EventBridge events). */
  readonly index: number;
  readonly eventName: string;
  readonly bucket?: string;
  /** Decoded, when the record had a usable key. */
  readonly key?: string;
  readonly reason: string;
}

export type S3NotificationMessage =
  | { readonly kind: 'objects'; readonly objects: readonly S3ObjectRef[]; readonly ignored: readonly IgnoredS3Record[] }
  | { readonly kind: 'test'; readonly bucket?: string };

const RECEIVED_CHARS = 200;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeReceived(body: string): string {
  const head = JSON.stringify(body.slice(0, RECEIVED_CHARS));
  return body.length > RECEIVED_CHARS ? `${head}… (${body.length} chars)` : head;
}

class NotANotification extends Error {}

function fail(reason: string): never {
  throw new NotANotification(reason);
}

function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return fail(`object key ${JSON.stringify(encoded)} is not valid URL encoding`);
  }
}

/**
 * Decodes an S3 notification object key: `+` becomes a space, then %XX sequences are decoded as
 * UTF-8 (so `%2B` becomes a literal `+`). Throws a DecodeError on malformed percent-encoding.
 */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeKey(encoded);
  } catch (e) {
    if (e instanceof NotANotification) throw new DecodeError('not-notification', e.message);
    throw e;
  }
}

function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${what} is not JSON (${(e as Error).message})`);
  }
}

function fromS3Records(records: unknown): S3NotificationMessage {
  if (!Array.isArray(records)) fail('"Records" is not an array');
  if (records.length === 0) fail('"Records" is empty');
  const objects: S3ObjectRef[] = [];
  const ignored: IgnoredS3Record[] = [];
  records.forEach((r: unknown, index) => {
    const at = `Records[${index}]`;
    if (!isObject(r)) fail(`${at} is not an object`);
    if (r.eventSource !== 'aws:s3') {
      const src = r.eventSource ?? r.EventSource;
      fail(`${at} has eventSource ${JSON.stringify(src)}, expected "aws:s3"`);
    }
    const eventName = r.eventName;
    if (typeof eventName !== 'string' || eventName === '') fail(`${at} has no eventName`);
    const s3 = isObject(r.s3) ? r.s3 : undefined;
    const bucketName = s3 && isObject(s3.bucket) ? optionalString(s3.bucket.name) : undefined;
    const object = s3 && isObject(s3.object) ? s3.object : undefined;
    const rawKey = object && typeof object.key === 'string' ? object.key : undefined;

    if (!eventName.startsWith('ObjectCreated:')) {
      let key: string | undefined;
      try {
        key = rawKey === undefined ? undefined : decodeKey(rawKey);
      } catch {
        key = undefined; // an ignored record's key is informational only
      }
      ignored.push({ index, eventName, bucket: bucketName, key, reason: `event ${eventName} does not announce a new object` });
      return;
    }
    if (bucketName === undefined) fail(`${at} (${eventName}) has no s3.bucket.name`);
    if (rawKey === undefined || rawKey === '') fail(`${at} (${eventName}) has no s3.object.key`);
    if (typeof r.eventTime !== 'string') fail(`${at} (${eventName}) has no eventTime`);
    objects.push(
      withoutUndefined({
        bucket: bucketName,
        key: decodeKey(rawKey),
        size: parseSize(object?.size),
        eTag: optionalString(object?.eTag),
        sequencer: optionalString(object?.sequencer),
        eventName,
        eventTime: r.eventTime,
      }),
    );
  });
  return { kind: 'objects', objects, ignored };
}

function fromEventBridge(ev: Json): S3NotificationMessage {
  const detailType = ev['detail-type'];
  if (typeof detailType !== 'string' || detailType === '') fail('EventBridge event from aws.s3 has no "detail-type"');
  const detail = isObject(ev.detail) ? ev.detail : fail('EventBridge event from aws.s3 has no "detail" object');
  const bucketName = isObject(detail.bucket) ? optionalString(detail.bucket.name) : undefined;
  const object = isObject(detail.object) ? detail.object : undefined;
  // EventBridge keys are not URL-encoded: keep them verbatim.
  const key = object && typeof object.key === 'string' && object.key !== '' ? object.key : undefined;
  if (detailType !== 'Object Created') {
    return {
      kind: 'objects',
      objects: [],
      ignored: [{ index: 0, eventName: detailType, bucket: bucketName, key, reason: `event ${detailType} does not announce a new object` }],
    };
  }
  if (bucketName === undefined) fail('EventBridge "Object Created" event has no detail.bucket.name');
  if (key === undefined) fail('EventBridge "Object Created" event has no detail.object.key');
  if (typeof ev.time !== 'string') fail('EventBridge "Object Created" event has no "time"');
  return {
    kind: 'objects',
    objects: [
      withoutUndefined({
        bucket: bucketName,
        key,
        size: parseSize(object?.size),
        eTag: optionalString(object?.etag),
        sequencer: optionalString(object?.sequencer),
        eventName: detailType,
        eventTime: ev.time,
      }),
    ],
    ignored: [],
  };
}

function withoutUndefined(o: S3ObjectRef): S3ObjectRef {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as unknown as S3ObjectRef;
}

function fromValue(v: unknown, insideSns: boolean): S3NotificationMessage {
  if (!isObject(v)) fail(`expected a JSON object, found ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  if ('Records' in v) return fromS3Records(v.Records);
  if (v.Event === 's3:TestEvent') {
    return typeof v.Bucket === 'string' ? { kind: 'test', bucket: v.Bucket } : { kind: 'test' };
  }
  if (v.source === 'aws.s3' && 'detail' in v) return fromEventBridge(v);
  if (typeof v.Type === 'string' && 'TopicArn' in v) {
    if (insideSns) fail('SNS envelope nested inside an SNS envelope');
    if (v.Type !== 'Notification') fail(`SNS message of Type ${JSON.stringify(v.Type)}, expected "Notification"`);
    if (typeof v.Message !== 'string') fail('SNS Notification has no string "Message"');
    try {
      return fromValue(parseJson(v.Message, 'SNS Message'), true);
    } catch (e) {
      if (e instanceof NotANotification) fail(`SNS Message: ${e.message}`);
      throw e;
    }
  }
  if (typeof v.source === 'string' && 'detail-type' in v) fail(`EventBridge event from ${JSON.stringify(v.source)}, expected "aws.s3"`);
  const keys = Object.keys(v)
    .slice(0, 8)
    .map((k) => JSON.stringify(k))
    .join(', ');
  return fail(`no "Records", s3:TestEvent, SNS Notification or aws.s3 EventBridge shape (keys: ${keys || 'none'})`);
}

/**
 * Parses one SQS message body. Returns the created objects (keys decoded) with the records it
 * ignored, or `{ kind: 'test' }` for an S3 test event; throws DecodeError for anything else,
 * including a message in which any ObjectCreated record lacks its bucket, key or time.
 */
export function parseS3Notification(body: string): S3NotificationMessage {
  try {
    if (body.trim() === '') fail('the body is empty');
    return fromValue(parseJson(body, 'the body'), false);
  } catch (e) {
    if (e instanceof NotANotification) {
      throw new DecodeError('not-notification', `not an S3 notification: ${e.message}; received ${describeReceived(body)}`);
    }
    throw e;
  }
}

/** Drops repeats of the same bucket + key + sequencer, keeping the first occurrence and the order. */
export function dedupeObjects<T extends Pick<S3ObjectRef, 'bucket' | 'key' | 'sequencer'>>(objects: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const o of objects) {
    const id = JSON.stringify([o.bucket, o.key, o.sequencer ?? null]);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(o);
  }
  return out;
}

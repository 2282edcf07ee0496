/**
 * NDJSON serialization of NormalizedEvents. The output equals JSON.stringify of the event's fields in
 * this key order: id, timestamp, owner, logGroup, logStream, message, source, type, fields (keys
 * whose value is undefined are left out, as JSON.stringify does). It is built by hand because
 * it is the collector's hot path: the owner/group/stream and source parts are cached across
 * consecutive events, strings from escape-free payloads are not re-checked (events.ts), and VPC
 * flow records use their format's generated serializer (parsers/vpcflow.ts).
 *
 * Serialization never throws. Fields that cannot be serialized (nested too deep for
 * JSON.stringify's recursion, a BigInt, a cycle) leave the event unparsed: its line is the event
 * without `type` and `fields`, as for a message no parser recognized. A part of an event off the
 * contract that cannot be serialized is left out; serializationProblem names such events so that
 * the pipeline dead-letters them instead of delivering them.
 */
import { isBuiltEvent, isEscapeFree } from './events';
import { JsonWriters, serializeVpcRecord } from './parsers/vpcflow';
import { EventOrigin, NormalizedEvent } from './types';

/** One event as one line of JSON, without the newline. Never throws (see above). */
export function serializeEvent(e: NormalizedEvent): string {
  try {
    return line(e, '}');
  } catch {
    return unparsed(e);
  }
}

/** Events as NDJSON: one line per event, each ending with `\n` ('' for no events). Never throws. */
export function serializeBatch(events: readonly NormalizedEvent[]): string {
  let out = '';
  for (let i = 0; i < events.length; i++) {
    let l: string;
    try {
      l = line(events[i], '}\n');
    } catch {
      l = unparsed(events[i]) + '\n';
    }
    out += l;
  }
  return out;
}

const UNPARSED_KEYS = ['id', 'timestamp', 'owner', 'logGroup', 'logStream', 'message', 'source'] as const;

/**
 * The event without `type` and `fields`: JSON.stringify of its other keys in order, each key whose
 * value cannot be serialized (or is undefined) left out. Never throws.
 */
function unparsed(e: NormalizedEvent): string {
  let out = '';
  for (const key of UNPARSED_KEYS) {
    let json: string | undefined;
    try {
      json = JSON.stringify(e[key]) as string | undefined;
    } catch {
      json = undefined;
    }
    if (json !== undefined) out += `${out === '' ? '' : ','}"${key}":${json}`;
  }
  return `{${out}}`;
}

/**
 * Why `e` cannot be serialized as the event it claims to be (a string key that is not a string, a
 * timestamp that is not a finite number, a source JSON cannot represent), or undefined when it can.
 * Fields are not checked: those that fail leave the event unparsed, which is still the event.
 * Events built by events.ts (everything the decoders produce) are right by construction and pass
 * without a look.
 */
export function serializationProblem(e: NormalizedEvent): string | undefined {
  if (isBuiltEvent(e)) return undefined;
  for (const key of ['id', 'owner', 'logGroup', 'logStream', 'message'] as const) {
    if (typeof e[key] !== 'string') return `${key} is not a string (${typeof e[key]})`;
  }
  if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) return `timestamp is not a finite number (${String(e.timestamp)})`;
  try {
    if (typeof e.source !== 'object' || e.source === null || JSON.stringify(e.source) === undefined) return 'source is not an object';
  } catch (err) {
    return `source cannot be serialized (${(err as Error).message})`;
  }
  return undefined;
}

// A string needs escaping when it holds a quote, a backslash, a control character or a surrogate
// (a lone one is escaped by JSON.stringify; pairs are left to JSON.stringify to decide).
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify(s), faster for strings that need no escaping. */
export function quoteJson(s: string): string {
  return PLAIN.test(s) ? '"' + s + '"' : JSON.stringify(s);
}

// Consecutive events mostly share owner, group, stream and source: their JSON is kept (the source
// by identity: origins, like events, are immutable).
let cachedOwner: string | undefined;
let cachedGroup: string | undefined;
let cachedStream: string | undefined;
let cachedMiddle = ''; // ,"owner":...,"logStream":...,"message":
let cachedMiddleOpen = ''; // the same and the message's opening quote
let cachedSource: EventOrigin | undefined;
let cachedSourceJson = ''; // ,"source":{...}
let cachedCloseSource = ''; // the message's closing quote and the same

function line(e: NormalizedEvent, end: string): string {
  const id = e.id;
  const message = e.message;
  const timestamp = e.timestamp;
  if (typeof id !== 'string' || typeof message !== 'string' || typeof timestamp !== 'number') return generic(e) + end.slice(1);
  if (e.owner !== cachedOwner || e.logGroup !== cachedGroup || e.logStream !== cachedStream) {
    if (typeof e.owner !== 'string' || typeof e.logGroup !== 'string' || typeof e.logStream !== 'string') return generic(e) + end.slice(1);
    cachedOwner = e.owner;
    cachedGroup = e.logGroup;
    cachedStream = e.logStream;
    cachedMiddle = ',"owner":' + quoteJson(e.owner) + ',"logGroup":' + quoteJson(e.logGroup) + ',"logStream":' + quoteJson(e.logStream) + ',"message":';
    cachedMiddleOpen = cachedMiddle + '"';
  }
  const source = e.source;
  if (source !== cachedSource) {
    // Stringified before the cache changes, so a throw leaves the cache consistent.
    const json = JSON.stringify(source) as string | undefined;
    cachedSource = source;
    cachedSourceJson = json === undefined ? '' : ',"source":' + json;
    cachedCloseSource = '"' + cachedSourceJson;
  }
  const clean = isEscapeFree(e);
  const type = e.type;
  const fields = e.fields;
  const ts = integerJson(timestamp);
  let json: string | undefined;
  if (fields !== undefined) {
    json =
      (fields !== null && typeof fields === 'object' ? serializeVpcRecord(fields, writers, clean ? message : undefined) : undefined) ?? JSON.stringify(fields);
  }
  if (clean && type === 'vpcflow' && json !== undefined) {
    return `{"id":"${id}","timestamp":${ts}${cachedMiddleOpen}${message}${cachedCloseSource},"type":"vpcflow","fields":${json}${end}`;
  }
  let tail = json === undefined ? end : `,"fields":${json}${end}`;
  if (type !== undefined) tail = `,"type":${JSON.stringify(type)}${tail}`;
  if (clean) return `{"id":"${id}","timestamp":${ts}${cachedMiddleOpen}${message}${cachedCloseSource}${tail}`;
  return `{"id":${quoteJson(id)},"timestamp":${ts}${cachedMiddle}${quoteJson(message)}${cachedSourceJson}${tail}`;
}

/** Anything off the contract (a missing or non-string field): let JSON.stringify decide. */
function generic(e: NormalizedEvent): string {
  return JSON.stringify({
    id: e.id,
    timestamp: e.timestamp,
    owner: e.owner,
    logGroup: e.logGroup,
    logStream: e.logStream,
    message: e.message,
    source: e.source,
    type: e.type,
    fields: e.fields,
  });
}

// '0' ... '9999' and '0000' ... '9999', made once (about 600 KB).
const DIGITS: string[] = [];
const DIGITS4: string[] = [];
for (let i = 0; i < 10000; i++) {
  DIGITS.push(String(i));
  DIGITS4.push(String(i).padStart(4, '0'));
}

/**
 * JSON.stringify(n) for a number (or null). Non-negative safe integers are assembled from the
 * 4-digit strings above: V8's own number-to-string conversion caches every result in an
 * old-generation table, which keeps each new string alive through the next scavenge and made
 * integer output the most expensive part of serialization (measured with bench/decode.ts).
 */
export function integerJson(n: number | null): string {
  if (n === null) return 'null';
  if (!(n >= 0 && n <= 9007199254740991 && Math.floor(n) === n)) return Number.isFinite(n) ? '' + n : 'null';
  if (n < 1e4) return DIGITS[n];
  if (n < 1e8) return DIGITS[(n / 1e4) | 0] + DIGITS4[n % 1e4];
  let high = Math.floor(n / 1e8);
  let low = n - high * 1e8; // exact: integers below 2^53
  if (low < 0) {
    // n / 1e8 can round up to the next integer near 2^53.
    high -= 1;
    low += 1e8;
  }
  return (high < 1e4 ? DIGITS[high] : DIGITS[(high / 1e4) | 0] + DIGITS4[high % 1e4]) + DIGITS4[(low / 1e4) | 0] + DIGITS4[low % 1e4];
}

const writers: JsonWriters = { quote: quoteJson, integer: integerJson, digits: DIGITS, digits4: DIGITS4 };

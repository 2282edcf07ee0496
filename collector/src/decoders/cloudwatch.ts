/**
 * The CloudWatch Logs subscription payload (the envelope): its shape checked, typed, and marked
 * escape-free when its JSON text held no backslash (events.ts then skips per-string escape checks).
 * Gzip is in gzip.ts, finding and parsing JSON in json-scan.ts.
 */
import { markEnvelopeEscapeFree } from '../events';
import { CloudWatchEnvelope, DecodeError } from '../types';
import { hasNoBackslash, parseJsonAt } from './json-scan';

/**
 * The envelope whose JSON text is `data[start, end)` (one document; parseJsonAt says where bad JSON
 * is, `memberOffset` as there); `offset` is reported when its shape is wrong.
 */
export function decodeEnvelopeAt(data: Uint8Array, start: number, end: number, memberOffset: number | undefined, offset: number): CloudWatchEnvelope {
  const envelope = decodeEnvelope(parseJsonAt(data, start, end, memberOffset), offset);
  if (hasNoBackslash(data, start, end)) markEnvelopeEscapeFree(envelope);
  return envelope;
}

/**
 * Checks that `json` has the shape of a CloudWatch Logs subscription payload and returns it typed
 * (the same object, not a copy). `offset` is reported in the DecodeError when it does not.
 */
export function decodeEnvelope(json: unknown, offset?: number): CloudWatchEnvelope {
  const fail = (what: string): never => {
    throw new DecodeError('bad-envelope', `not a CloudWatch Logs subscription payload: ${what}`, offset);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`expected a JSON object, got ${kindOf(json)}`);
  const o = json as Record<string, unknown>;
  if (o.messageType !== 'DATA_MESSAGE' && o.messageType !== 'CONTROL_MESSAGE') {
    fail(`messageType must be "DATA_MESSAGE" or "CONTROL_MESSAGE", got ${preview(o.messageType)}`);
  }
  for (const key of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof o[key] !== 'string') fail(`${key} must be a string, got ${preview(o[key])}`);
  }
  const filters = o.subscriptionFilters;
  if (!Array.isArray(filters)) fail(`subscriptionFilters must be an array of strings, got ${preview(filters)}`);
  for (let i = 0; i < (filters as unknown[]).length; i++) {
    if (typeof (filters as unknown[])[i] !== 'string') fail(`subscriptionFilters[${i}] must be a string`);
  }
  const events = o.logEvents;
  if (!Array.isArray(events)) fail(`logEvents must be an array, got ${preview(events)}`);
  const list = events as unknown[];
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`logEvents[${i}] must be an object, got ${kindOf(e)}`);
    const ev = e as Record<string, unknown>;
    if (typeof ev.timestamp !== 'number' || !Number.isFinite(ev.timestamp)) fail(`logEvents[${i}].timestamp must be a number, got ${preview(ev.timestamp)}`);
    if (typeof ev.message !== 'string') fail(`logEvents[${i}].message must be a string, got ${preview(ev.message)}`);
    if (ev.id !== undefined && typeof ev.id !== 'string') fail(`logEvents[${i}].id must be a string, got ${preview(ev.id)}`);
  }
  return json as CloudWatchEnvelope;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${preview(v)}`;
}

function preview(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // Nested too deep for JSON.stringify's recursion: name the kind only.
    return Array.isArray(v) ? 'an array' : 'an object';
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

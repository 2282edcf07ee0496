/**
 * A message that is a JSON object, parsed into fields. The first and last non-blank characters are
 * checked before JSON.parse, so plain text costs almost nothing. An object nested deeper than the
 * depth limit (limits.maxJsonDepth) is not parsed: its fields could not be serialized or indexed
 * (JSON.stringify overflows the stack at a few thousand levels), so the message stays raw.
 */
import { DEFAULT_DECODE_LIMITS } from '../decoders/limits';

/**
 * `message` parsed when it is a JSON object nested at most `maxDepth` levels (`{}` is one level,
 * `{"a":{}}` two; arrays count like objects), else undefined. Never throws.
 */
export function parseJsonObject(message: string, maxDepth: number = DEFAULT_DECODE_LIMITS.maxJsonDepth): Record<string, unknown> | undefined {
  let i = 0;
  let c = message.charCodeAt(0);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = message.charCodeAt(++i);
  if (c !== 0x7b) return undefined;
  let j = message.length - 1;
  c = message.charCodeAt(j);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = message.charCodeAt(--j);
  if (c !== 0x7d) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(message) as unknown;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  return nestsWithin(v, maxDepth) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Whether `root` (a JSON.parse result) nests at most `max` levels of objects and arrays. Iterative:
 * the value may be nested far beyond what recursion survives. (Walking the parsed value costs a few
 * percent of JSON.parse; scanning the text first would cost about 40%.)
 */
export function nestsWithin(root: object, max: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as Record<string, unknown> | unknown[];
    const depth = depths.pop() as number;
    if (depth > max) return false;
    if (Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) {
        const x = value[k];
        if (typeof x === 'object' && x !== null) {
          values.push(x);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const x = value[key];
        if (typeof x === 'object' && x !== null) {
          values.push(x);
          depths.push(depth + 1);
        }
      }
    }
  }
  return true;
}

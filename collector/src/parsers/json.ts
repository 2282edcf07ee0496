/**
 * A message that is a JSON object. The first and last non-blank characters are checked before
 * JSON.parse, so plain text costs almost nothing.
 */
export function parseJsonObject(message: string): Record<string, unknown> | undefined {
  let i = 0;
  let c = message.charCodeAt(0);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = message.charCodeAt(++i);
  if (c !== 0x7b) return undefined;
  let j = message.length - 1;
  c = message.charCodeAt(j);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = message.charCodeAt(--j);
  if (c !== 0x7d) return undefined;
  try {
    const v = JSON.parse(message) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

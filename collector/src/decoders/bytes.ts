/** Byte helpers the decoders share: Buffer views without copies, and bytes named in error messages. */

/** `data` as a Buffer over the same memory (no copy). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A byte for an error message: `0x68 ("h")`, `0x1f`, or the end of input. */
export function describeByte(b: number | undefined): string {
  if (b === undefined) return 'nothing (end of input)';
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x20 && b < 0x7f ? `${hex} (${JSON.stringify(String.fromCharCode(b))})` : hex;
}

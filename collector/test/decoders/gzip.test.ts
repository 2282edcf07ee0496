import * as zlib from 'node:zlib';
import { gunzipAll, gunzipIfGzipped, gunzipMember, nextGzipMember } from '../../src/decoders/gzip';
import { decodeError } from './support';

describe('gunzipMember', () => {
  test('decodes one member and says where the next starts', () => {
    const a = zlib.gzipSync('first');
    const b = zlib.gzipSync('second');
    const both = Buffer.concat([a, b]);
    const m1 = gunzipMember(both, 0);
    expect(m1.content.toString()).toBe('first');
    expect(m1.end).toBe(a.length);
    const m2 = gunzipMember(both, m1.end);
    expect(m2.content.toString()).toBe('second');
    expect(m2.end).toBe(both.length);
  });

  test('reads headers with a file name and a comment', () => {
    const raw = zlib.deflateRawSync('named');
    const header = Buffer.from([0x1f, 0x8b, 8, 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32('named'), 0);
    trailer.writeUInt32LE(5, 4);
    const member = Buffer.concat([header, Buffer.from('x.json\0a comment\0'), raw, trailer]);
    expect(gunzipMember(member, 0)).toEqual({ content: Buffer.from('named'), end: member.length });
  });

  test('detects a CRC mismatch in the trailer', () => {
    const gz = Buffer.from(zlib.gzipSync('payload'));
    gz[gz.length - 8] ^= 1;
    const e = decodeError(() => gunzipMember(gz, 0));
    expect(e.message).toBe('bad gzip member: CRC-32 mismatch (corrupt data)');
    expect(e.reason).toBe('gzip-corrupt');
    expect(e.offset).toBe(gz.length - 8);
  });

  test('reports a member cut inside its trailer at the end of the data', () => {
    const gz = zlib.gzipSync('payload');
    const e = decodeError(() => gunzipMember(gz.subarray(0, gz.length - 3), 0));
    expect(e.offset).toBe(gz.length - 3);
    expect(e.message).toMatch(/truncated/);
    expect(e.reason).toBe('gzip-truncated');
  });
});

describe('gunzipAll', () => {
  test('concatenates the contents of members back to back', () => {
    expect(gunzipAll(Buffer.concat([zlib.gzipSync('a'), zlib.gzipSync('b')])).toString()).toBe('ab');
  });

  test('refuses data that decompresses beyond the given limit', () => {
    const e = decodeError(() => gunzipAll(zlib.gzipSync(Buffer.alloc(4096)), 1024));
    expect([e.reason, e.offset]).toEqual(['too-large', 0]);
  });
});

describe('gunzipIfGzipped', () => {
  test('gunzips gzip data and returns anything else as it is', () => {
    expect(gunzipIfGzipped(zlib.gzipSync('line\n')).toString()).toBe('line\n');
    const plain = Buffer.from('line\n');
    expect(gunzipIfGzipped(plain)).toBe(plain);
  });
});

describe('nextGzipMember', () => {
  test('finds the next 1f 8b 08 and skips a lone 1f', () => {
    const data = Buffer.concat([Buffer.from('ab\x1fc'), zlib.gzipSync('x')]);
    expect(nextGzipMember(data, 0)).toBe(4);
    expect(nextGzipMember(Buffer.from('plain'), 0)).toBe(-1);
  });
});

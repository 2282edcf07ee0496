import { createHash } from 'node:crypto';
import { deterministicId, idInput } from '../../src/events';
import { EventOrigin } from '../../src/types';

describe('deterministic ids', () => {
  test('hash the documented input string: sha256 hex, first 32 characters', () => {
    const origin: EventOrigin = { kind: 'file', file: 'a.gz', offset: 0 };
    expect(idInput(origin, 2)).toBe('["file","a.gz",0,2]');
    expect(deterministicId(origin, 2)).toBe(createHash('sha256').update('["file","a.gz",0,2]').digest('hex').slice(0, 32));
  });

  test('spell every origin kind in a fixed order, missing parts as empty strings', () => {
    expect(idInput({ kind: 'kinesis', stream: 's', shard: 'shardId-0', sequenceNumber: '42' }, 0)).toBe('["kinesis","s","shardId-0","42",0]');
    expect(idInput({ kind: 'firehose-object', bucket: 'b', key: 'k', offset: 9 }, 1)).toBe('["firehose-object","b","k","",9,1]');
    expect(idInput({ kind: 'export-object', file: 'f', offset: 3 }, 0)).toBe('["export-object","","","f",3,0]');
  });

  test('are stable and differ by origin and index', () => {
    const o: EventOrigin = { kind: 'export-object', bucket: 'b', key: 'k', offset: 100 };
    expect(deterministicId(o, 0)).toBe(deterministicId({ ...o }, 0));
    expect(deterministicId(o, 0)).not.toBe(deterministicId(o, 1));
    expect(deterministicId(o, 0)).not.toBe(deterministicId({ ...o, offset: 101 }, 0));
    expect(deterministicId(o, 0)).toMatch(/^[0-9a-f]{32}$/);
  });

  test('cannot be confused by separators inside names', () => {
    const a: EventOrigin = { kind: 'firehose-object', bucket: 'a","b', key: 'c', offset: 0 };
    const b: EventOrigin = { kind: 'firehose-object', bucket: 'a', key: 'b","c', offset: 0 };
    expect(deterministicId(a, 0)).not.toBe(deterministicId(b, 0));
  });
});

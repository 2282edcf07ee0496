/**
 * Files holding events or raw records are readable by the collector's user only: the file sink's
 * output (the active file and every rotated one) and the dead-letter file are created 0600, the
 * directories the collector creates for them 0700, whatever the umask lets through (tested with the
 * usual 022).
 */
import { mkdtempSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { createSink } from '../../src/sinks';
import { events, removeDir, testDeps } from '../sinks/helpers';

let dir: string;
let umask: number;
beforeAll(() => {
  umask = process.umask(0o022);
});
afterAll(() => process.umask(umask));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-modes-'));
});
afterEach(() => removeDir(dir));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('modes of the files the collector creates', () => {
  test('file sink: the output files 0600 (rotated ones too), the created directories 0700', async () => {
    const path = join(dir, 'siem', 'out', 'events.ndjson');
    const sink = createSink({ type: 'file', path, maxBytes: 2000, maxFiles: 3, fsync: false }, testDeps());
    await sink.send(events(20));
    await sink.close();
    expect(mode(path)).toBe('600');
    expect(mode(`${path}.1`)).toBe('600');
    expect(mode(join(dir, 'siem', 'out'))).toBe('700');
    expect(mode(join(dir, 'siem'))).toBe('700');
  });

  test('dead-letter file 0600, its created directories 0700', async () => {
    const path = join(dir, 'state', 'dead', 'dead-letter.ndjson');
    const dead = new DeadLetterFile(path);
    await dead.write([{ origin: { kind: 'kinesis', stream: 's', shard: 'shardId-000000000000', sequenceNumber: '1' }, code: 'X', error: 'bad', data: 'AA==' }]);
    await dead.close();
    expect(mode(path)).toBe('600');
    expect(mode(join(dir, 'state', 'dead'))).toBe('700');
    expect(mode(join(dir, 'state'))).toBe('700');
  });
});

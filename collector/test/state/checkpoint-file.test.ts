import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, CheckpointFileSystem, FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { ERROR_CODES } from '../../src/types';

let dir: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cwl-checkpoint-'));
});

afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fsp.readFile(file, 'utf8'));
}

async function temporaryFiles(): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((n) => n.endsWith('.tmp'));
}

describe('FileCheckpointStore', () => {
  test('a missing file is an empty store', async () => {
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    await expect(store.load('a')).resolves.toBeUndefined();
    await expect(store.loadAll()).resolves.toEqual({});
    await store.close();
  });

  test('save writes the whole map as JSON and a reopened store reads it back', async () => {
    const file = path.join(dir, 'nested', 'checkpoints.json');
    const store = new FileCheckpointStore(file);
    await store.save('kinesis/s/shardId-000000000001', '42');
    await store.save('kinesis/s/shardId-000000000000', 'SHARD_END');
    await store.save('kinesis/s/shardId-000000000001', '43');
    await store.close();
    expect(await readJson(file)).toEqual({ 'kinesis/s/shardId-000000000000': 'SHARD_END', 'kinesis/s/shardId-000000000001': '43' });

    const reopened = new FileCheckpointStore(file);
    await expect(reopened.load('kinesis/s/shardId-000000000001')).resolves.toBe('43');
    await expect(reopened.loadAll()).resolves.toEqual({ 'kinesis/s/shardId-000000000000': 'SHARD_END', 'kinesis/s/shardId-000000000001': '43' });
    expect(await temporaryFiles()).toEqual([]);
    await reopened.close();
  });

  test('concurrent saves are serialized and every value is durable when its save resolves', async () => {
    const file = path.join(dir, 'checkpoints.json');
    let writes = 0;
    const store = new FileCheckpointStore(file, { fileSystem: { ...fsp, rename: (a, b) => (writes++, fsp.rename(a, b)) } });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await Promise.all(
      keys.map(async (k, i) => {
        await store.save(k, String(i));
        // What this save wrote is on disk when it resolves, whatever the other saves are doing.
        const onDisk = (await readJson(file)) as Record<string, string>;
        expect(onDisk[k]).toBe(String(i));
      }),
    );
    expect(await readJson(file)).toEqual(Object.fromEntries(keys.map((k, i) => [k, String(i)])));
    // Saves made while a write was in progress were carried by one following write.
    expect(writes).toBeLessThan(keys.length);
    expect(await temporaryFiles()).toEqual([]);
    await store.close();
  });

  test('concurrent saves of one key keep the last value', async () => {
    const file = path.join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save('shard', String(i))));
    await store.close();
    expect(await readJson(file)).toEqual({ shard: '19' });
  });

  test('a write failing before the rename leaves the old content and no temporary file', async () => {
    const file = path.join(dir, 'checkpoints.json');
    const first = new FileCheckpointStore(file);
    await first.save('shard', '1');
    await first.close();

    let failRename = true;
    const fileSystem: CheckpointFileSystem = {
      ...fsp,
      rename: async (from, to) => {
        if (failRename) throw Object.assign(new Error('simulated crash before rename'), { code: 'EIO' });
        return fsp.rename(from, to);
      },
    };
    const store = new FileCheckpointStore(file, { fileSystem });
    await expect(store.save('shard', '2')).rejects.toMatchObject({ name: 'CheckpointError', code: ERROR_CODES.checkpoint, file });
    expect(await readJson(file)).toEqual({ shard: '1' });
    expect(await temporaryFiles()).toEqual([]);

    failRename = false;
    await store.save('other', 'x');
    expect(await readJson(file)).toEqual({ shard: '2', other: 'x' });
    await store.close();
  });

  test('a write failing half-way through the temporary file leaves the old content intact', async () => {
    const file = path.join(dir, 'checkpoints.json');
    const first = new FileCheckpointStore(file);
    await first.save('shard', '1');
    await first.close();

    const fileSystem: CheckpointFileSystem = {
      ...fsp,
      open: async (p, flags, mode) => {
        const fh = await fsp.open(p, flags, mode);
        if (!p.endsWith('.tmp')) return fh;
        // Writes a prefix of the content, then fails as a full disk would.
        return Object.assign(Object.create(fh) as fsp.FileHandle, {
          writeFile: async (data: string) => {
            await fh.write(data.slice(0, 5));
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          },
          sync: () => fh.sync(),
          close: () => fh.close(),
        });
      },
    };
    const store = new FileCheckpointStore(file, { fileSystem });
    await expect(store.save('shard', '2')).rejects.toThrow(/cannot write checkpoint file .*checkpoints\.json.*ENOSPC/);
    expect(await fsp.readFile(file, 'utf8')).toBe('{\n  "shard": "1"\n}\n');
    expect(await temporaryFiles()).toEqual([]);
    await store.close();
  });

  test('temporary files left by a crashed process are removed by the lock holder and the target is untouched; a reader without the lock leaves them', async () => {
    const file = path.join(dir, 'checkpoints.json');
    await fsp.writeFile(file, JSON.stringify({ shard: '7' }));
    await fsp.writeFile(path.join(dir, '.checkpoints.json.999.1.tmp'), '{"shard": "8"');
    // A reader such as `export status` runs beside a collector whose write may be in progress.
    const reader = new FileCheckpointStore(file);
    await expect(reader.load('shard')).resolves.toBe('7');
    expect(await temporaryFiles()).toEqual(['.checkpoints.json.999.1.tmp']);
    const store = new FileCheckpointStore(file);
    await store.open();
    await expect(store.load('shard')).resolves.toBe('7');
    expect(await temporaryFiles()).toEqual([]);
    await store.close();
  });

  test.each([
    ['truncated JSON', '{"kinesis/s/shardId-000000000000": "49'],
    ['an empty file', ''],
    ['an array', '["a"]'],
    ['a non-string value', '{"a": 1}'],
  ])('a corrupt file (%s) rejects with an error naming the file instead of resetting progress', async (_what, content) => {
    const file = path.join(dir, 'checkpoints.json');
    await fsp.writeFile(file, content);
    const store = new FileCheckpointStore(file);
    const err = await store.loadAll().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).file).toBe(file);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/corrupt/);
    await expect(store.save('a', 'b')).rejects.toBeInstanceOf(CheckpointError);
    // The corrupt file is left as it was, for someone to inspect.
    expect(await fsp.readFile(file, 'utf8')).toBe(content);
  });

  test('save after close rejects', async () => {
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    await store.save('a', '1');
    await store.close();
    await expect(store.save('a', '2')).rejects.toThrow(/closed/);
  });
});

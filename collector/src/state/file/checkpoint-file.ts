import * as fsp from 'fs/promises';
import * as path from 'path';
import { CheckpointStore, ERROR_CODES } from '../../types';
import { LockEvents, StateLock } from './lock';
import { PRIVATE_FILE_MODE } from '../../ops/private-files';

/** A checkpoint file that cannot be read, parsed or written. Never resolved by resetting progress. */
export class CheckpointError extends Error {
  readonly code = ERROR_CODES.checkpoint;
  constructor(
    message: string,
    /** The checkpoint file concerned. */
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** The few file operations the store uses; replaceable in tests to simulate failures. */
export interface CheckpointFileSystem {
  readFile(file: string, encoding: 'utf8'): Promise<string>;
  open(file: string, flags: string, mode?: number): Promise<fsp.FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  mkdir(dir: string, options: { recursive: true }): Promise<string | undefined>;
  readdir(dir: string): Promise<string[]>;
}

export interface FileCheckpointStoreOptions {
  /**
   * File operations, for tests.
   * @default node's fs/promises
   */
  readonly fileSystem?: CheckpointFileSystem;
}

/**
 * A CheckpointStore kept in one JSON file: an object of key → value (strings), keys sorted.
 *
 * - `save` updates the map and writes all of it to a temporary file next to the target, fsyncs it,
 *   renames it over the target and fsyncs the directory, so the file always holds either the old
 *   or the new map, never a mix; it resolves once that is durable. Saves are serialized: saves made
 *   while a write is in progress are written together by the next write.
 * - The file is read once, on the first call: a missing file is an empty store; a file that is not
 *   a JSON object of strings rejects with a CheckpointError naming the file (progress is never
 *   silently reset). Temporary files left behind by a crash are removed then.
 * - A failed write rejects that `save` (and every save it carried); the file keeps its previous
 *   content and the next save writes the whole map again.
 * - `open` takes the file's exclusive lock (lock.ts): a second process opening the same file is
 *   refused with a StateLockedError naming the holder; `close` releases it. The collector opens its
 *   store at start; tools that only read the file (`export status`) do not.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly file: string;
  private readonly fs: CheckpointFileSystem;
  private readonly tmpPrefix: string;
  private map: Record<string, string> = {};
  private loading?: Promise<void>;
  private queue: Promise<void> = Promise.resolve();
  private next?: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
  private tmpCounter = 0;
  private closed = false;
  private lock?: StateLock;

  constructor(file: string, options: FileCheckpointStoreOptions = {}) {
    if (typeof file !== 'string' || file.length === 0) {
      throw new CheckpointError(`FileCheckpointStore needs a file path, got ${JSON.stringify(file)}`, String(file));
    }
    this.file = path.resolve(file);
    this.fs = options.fileSystem ?? fsp;
    this.tmpPrefix = `.${path.basename(this.file)}.`;
  }

  /** Takes the exclusive lock of the file (creating its folder); throws StateLockedError when another process holds it. */
  async open(events?: LockEvents): Promise<void> {
    if (this.lock) return;
    await this.fs.mkdir(path.dirname(this.file), { recursive: true });
    this.lock = await StateLock.acquire(this.file, events);
  }

  async load(key: string): Promise<string | undefined> {
    await this.ensureLoaded();
    return Object.prototype.hasOwnProperty.call(this.map, key) ? this.map[key] : undefined;
  }

  async loadAll(): Promise<Readonly<Record<string, string>>> {
    await this.ensureLoaded();
    return { ...this.map };
  }

  async save(key: string, value: string): Promise<void> {
    if (this.closed) throw new CheckpointError(`checkpoint store ${this.file} is closed; cannot save ${key}`, this.file);
    if (typeof value !== 'string') throw new CheckpointError(`checkpoint value for ${key} must be a string, got ${typeof value}`, this.file);
    await this.ensureLoaded();
    this.map[key] = value;
    return this.scheduleWrite();
  }

  /** Waits for pending writes, then releases the lock (if opened); later saves reject. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.queue;
    } finally {
      await this.lock?.release();
    }
  }

  private ensureLoaded(): Promise<void> {
    // A failed load is not cached: the error is reported each time rather than replaced by an empty map.
    this.loading ??= this.readFile().catch((e) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  private async readFile(): Promise<void> {
    // Only the lock holder may: a reader without it (`export status`) would delete a running collector's write in progress.
    if (this.lock) await this.removeStaleTemporaryFiles();
    let text: string;
    try {
      text = await this.fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.map = {};
        return;
      }
      throw new CheckpointError(`cannot read checkpoint file ${this.file}: ${(e as Error).message}`, this.file, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new CheckpointError(
        `checkpoint file ${this.file} is corrupt (not valid JSON: ${(e as Error).message}); refusing to start from scratch. ` +
          'Restore it from a backup, or delete it to re-read from the configured start position.',
        this.file,
        { cause: e },
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CheckpointError(
        `checkpoint file ${this.file} is corrupt: expected a JSON object of key → string, got ${Array.isArray(parsed) ? 'an array' : String(parsed === null ? 'null' : typeof parsed)}`,
        this.file,
      );
    }
    const map: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string')
        throw new CheckpointError(`checkpoint file ${this.file} is corrupt: the value of ${JSON.stringify(k)} is ${typeof v}, expected a string`, this.file);
      map[k] = v;
    }
    this.map = map;
  }

  private async removeStaleTemporaryFiles(): Promise<void> {
    let names: string[];
    try {
      names = await this.fs.readdir(path.dirname(this.file));
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(this.tmpPrefix) && name.endsWith('.tmp')) {
        await this.fs.unlink(path.join(path.dirname(this.file), name)).catch(() => undefined);
      }
    }
  }

  private scheduleWrite(): Promise<void> {
    if (this.next) return this.next.promise;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry = { promise, resolve, reject };
    this.next = entry;
    this.queue = this.queue.then(async () => {
      // Saves arriving from here on need another write: they may miss this snapshot.
      if (this.next === entry) this.next = undefined;
      try {
        await this.writeAtomically(this.snapshot());
        entry.resolve();
      } catch (e) {
        entry.reject(e);
      }
    });
    return promise;
  }

  private snapshot(): string {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(this.map).sort()) sorted[k] = this.map[k];
    return `${JSON.stringify(sorted, null, 2)}\n`;
  }

  private async writeAtomically(content: string): Promise<void> {
    const dir = path.dirname(this.file);
    const tmp = path.join(dir, `${this.tmpPrefix}${process.pid}.${++this.tmpCounter}.tmp`);
    try {
      await this.fs.mkdir(dir, { recursive: true });
      const fh = await this.fs.open(tmp, 'w', PRIVATE_FILE_MODE);
      try {
        await fh.writeFile(content, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.fs.rename(tmp, this.file);
    } catch (e) {
      await this.fs.unlink(tmp).catch(() => undefined);
      throw new CheckpointError(`cannot write checkpoint file ${this.file}: ${(e as Error).message}; it keeps its previous content`, this.file, { cause: e });
    }
    await this.syncDirectory(dir);
  }

  private async syncDirectory(dir: string): Promise<void> {
    // The rename is durable only once the directory entry is; some platforms cannot fsync a directory.
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await this.fs.open(dir, 'r');
      await fh.sync();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'ENOTSUP') {
        throw new CheckpointError(`cannot fsync directory ${dir} of checkpoint file ${this.file}: ${(e as Error).message}`, this.file, { cause: e });
      }
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
}

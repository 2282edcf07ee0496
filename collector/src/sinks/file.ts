import { promises as fs } from 'fs';
import { dirname } from 'path';
import { mkdirPrivate, PRIVATE_FILE_MODE } from '../ops/private-files';
import { NormalizedEvent } from '../types';
import { BatchSink, Mutex, SinkDeps, SinkRequest, retryPolicy } from './common';
import { FileSinkConfig, SINK_DEFAULTS, SinkConfigError } from './config';

/**
 * NDJSON appended to a file, rotated by size (see `FileSinkConfig`). A request is delivered when all
 * of its lines were written and, with `fsync`, the file was fsynced. Lines are never split across
 * files; a failed write is truncated away so a retry never leaves a torn line behind. Files are
 * created 0600 and missing directories 0700 (ops/private-files.ts); rotation renames, keeping modes.
 */
export class FileSink extends BatchSink {
  private readonly path: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly fsync: boolean;
  private readonly lock = new Mutex();
  private fh?: fs.FileHandle;
  private size = 0;
  /** Pieces of a request already durably written by an earlier attempt, so a retry resumes after them. */
  private readonly progress = new WeakMap<SinkRequest, number>();

  constructor(config: FileSinkConfig, deps: SinkDeps) {
    super('file', deps, retryPolicy(config.retry, '$.sink'), { batchSize: config.batchSize ?? SINK_DEFAULTS.file.batchSize });
    if (!config.path) throw new SinkConfigError('must be a file path', '$.sink.path');
    this.path = config.path;
    this.maxBytes = config.maxBytes ?? SINK_DEFAULTS.file.maxBytes;
    this.maxFiles = config.maxFiles ?? SINK_DEFAULTS.file.maxFiles;
    this.fsync = config.fsync ?? SINK_DEFAULTS.file.fsync;
    if (!(this.maxBytes >= 1)) throw new SinkConfigError(`must be at least 1, got ${this.maxBytes}`, '$.sink.maxBytes');
    if (!(this.maxFiles >= 1)) throw new SinkConfigError(`must be at least 1, got ${this.maxFiles}`, '$.sink.maxFiles');
  }

  protected encode(event: NormalizedEvent): Buffer {
    return Buffer.from(`${this.serialize(event)}\n`, 'utf8');
  }

  protected deliver(request: SinkRequest): Promise<void> {
    return this.lock.run(async () => {
      let next = this.progress.get(request) ?? 0;
      while (next < request.pieces.length) {
        const fh = await this.handle();
        const first = request.pieces[next].length;
        if (this.size > 0 && this.size + first > this.maxBytes) {
          await this.rotate();
          continue;
        }
        // The lines that still fit in this file; the first always goes, so an oversized line gets a file of its own.
        let end = next + 1;
        let bytes = first;
        while (end < request.pieces.length && this.size + bytes + request.pieces[end].length <= this.maxBytes) bytes += request.pieces[end++].length;
        await this.append(fh, Buffer.concat(request.pieces.slice(next, end) as Buffer[], bytes));
        next = end;
        this.progress.set(request, next);
      }
    });
  }

  protected release(): Promise<void> {
    return this.lock.run(async () => {
      const fh = this.fh;
      this.fh = undefined;
      if (!fh) return;
      try {
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  private async handle(): Promise<fs.FileHandle> {
    if (this.fh) return this.fh;
    await mkdirPrivate(dirname(this.path));
    const fh = await fs.open(this.path, 'a', PRIVATE_FILE_MODE);
    try {
      this.size = (await fh.stat()).size;
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    this.fh = fh;
    return fh;
  }

  private async append(fh: fs.FileHandle, data: Buffer): Promise<void> {
    const before = this.size;
    try {
      for (let off = 0; off < data.length;) {
        const { bytesWritten } = await fh.write(data, off, data.length - off);
        off += bytesWritten;
      }
      if (this.fsync) await fh.sync();
    } catch (e) {
      // Cut off what part of the segment made it, then reopen on the next attempt.
      await fh.truncate(before).catch(() => undefined);
      this.fh = undefined;
      await fh.close().catch(() => undefined);
      throw e;
    }
    this.size = before + data.length;
  }

  private async rotate(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) {
      try {
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
    }
    const name = (n: number) => `${this.path}.${n}`;
    await fs.rm(name(this.maxFiles), { force: true });
    for (let n = this.maxFiles - 1; n >= 1; n--) await renameIfExists(name(n), name(n + 1));
    await renameIfExists(this.path, name(1));
    if (this.fsync) await syncDirectory(dirname(this.path));
    this.logger.info({ path: this.path }, 'rotated the output file');
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Makes the renames durable; some platforms cannot fsync a directory, which is then skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let d: fs.FileHandle | undefined;
  try {
    d = await fs.open(dir, 'r');
    await d.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    await d?.close().catch(() => undefined);
  }
}

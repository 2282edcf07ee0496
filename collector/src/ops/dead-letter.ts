import { FileHandle, open } from 'fs/promises';
import { dirname } from 'path';
import { EventOrigin } from '../types';
import { mkdirPrivate, PRIVATE_FILE_MODE } from './private-files';

/** One record that could not be decoded, with where it came from and why. */
export interface DeadLetter {
  readonly origin: EventOrigin;
  readonly code: string;
  readonly error: string;
  /** Byte offset in the record where decoding failed, when known. */
  readonly offset?: number;
  /** The record's bytes, base64, so it can be inspected or replayed. */
  readonly data: string;
}

/**
 * Appends dead letters to an NDJSON file and fsyncs before resolving: a bad record is skipped only
 * once its bytes are safely stored, so skipping never loses anything silently. The file holds raw
 * records: it is created 0600, missing directories 0700 (./private-files.ts).
 */
export class DeadLetterFile {
  private handle?: FileHandle;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  write(entries: readonly DeadLetter[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const text = entries.map((e) => JSON.stringify({ time: new Date().toISOString(), ...e })).join('\n') + '\n';
    const next = this.queue.then(async () => {
      if (!this.handle) {
        await mkdirPrivate(dirname(this.path));
        this.handle = await open(this.path, 'a', PRIVATE_FILE_MODE);
      }
      await this.handle.write(text);
      await this.handle.sync();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }
}

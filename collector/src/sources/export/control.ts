/**
 * Per-group pause/resume for the export mode, kept in a small JSON file next to the checkpoints
 * (`source.controlPath`, default `<checkpoint dir>/export-control.json`):
 *
 *   { "paused": { "<log group name or * pattern>": { "since": "<ISO time>", "reason": "…" } } }
 *
 * The `export pause|resume` commands are its only writers (under a lock file, written to a temporary
 * file that replaces it, so a reader never sees half a file); a running collector only reads it,
 * again whenever it changed, so a pause or resume takes effect without a restart. A paused group
 * gets no new export task; a task already running for it completes and is delivered.
 */
import { constants as fsConstants, promises as fsp, statSync, readFileSync } from 'fs';
import * as path from 'path';
import { wildcardMatcher } from '../../glob';
import { writeFileAtomic } from '../../ops/atomic-file';
import { abortableSleep, backoffDelayMs } from '../../ops/backoff';
import { ERROR_CODES } from '../../types';
import { PRIVATE_FILE_MODE } from '../../ops/private-files';

export interface PauseEntry {
  readonly since: string;
  readonly reason?: string;
}

export interface ExportControl {
  readonly paused: Readonly<Record<string, PauseEntry>>;
}

export const EMPTY_CONTROL: ExportControl = { paused: {} };

export class ExportControlError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ExportControlError';
  }
}

/** Waits between tries to take the lock of another `export pause|resume`. */
const LOCK_BACKOFF = { baseMs: 50, capMs: 1000 } as const;

/** Parses the control file's text; throws ExportControlError for anything but the documented shape. */
export function parseControl(text: string, file: string): ExportControl {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ExportControlError(`is not valid JSON: ${(e as Error).message}`, file);
  }
  const paused = (v as { paused?: unknown })?.paused;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof paused !== 'object' || paused === null || Array.isArray(paused)) {
    throw new ExportControlError('must be an object with a "paused" object', file);
  }
  for (const [k, e] of Object.entries(paused)) {
    if (typeof (e as PauseEntry)?.since !== 'string') throw new ExportControlError(`paused[${JSON.stringify(k)}] needs a "since" time`, file);
  }
  return { paused: paused as Record<string, PauseEntry> };
}

/** Reads the control file; a missing file means nothing is paused. */
export function readControl(file: string): ExportControl {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CONTROL;
    throw new ExportControlError(`cannot be read: ${(e as Error).message}`, file);
  }
  return parseControl(text, file);
}

/** The pause entry that applies to `group` (its own, or a matching pattern), if any. */
export function pausedBy(control: ExportControl, group: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(control.paused, group)) return group;
  for (const key of Object.keys(control.paused)) if (key.includes('*') && nameMatcher(key)(group)) return key;
  return undefined;
}

/** `*` matches any run of characters, everything else literally; case-sensitive, like log group names. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  return wildcardMatcher(pattern, false);
}

/**
 * The control file as a running collector sees it: re-read when its size, mtime or inode changed.
 * A file that turns bad keeps the last good content (and `error` says why), so a typo made by hand
 * cannot resume every paused group at once.
 */
export class ControlWatcher {
  private stamp = '';
  private control: ExportControl = EMPTY_CONTROL;
  error: ExportControlError | undefined;

  constructor(readonly file: string) {}

  current(): ExportControl {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return this.control;
      stamp = 'missing';
    }
    if (stamp === this.stamp) return this.control;
    try {
      this.control = stamp === 'missing' ? EMPTY_CONTROL : readControl(this.file);
      this.error = undefined;
      this.stamp = stamp;
    } catch (e) {
      this.error = e instanceof ExportControlError ? e : new ExportControlError((e as Error).message, this.file);
    }
    return this.control;
  }
}

/**
 * Changes the control file under a lock (`<file>.lock`, created exclusively, tried again after a
 * back-off for up to 10 s; a lock older than 30 s is taken over): reads it, applies `change`, writes
 * it atomically (ops/atomic-file.ts). Returns the new content.
 */
export async function updateControl(file: string, change: (c: ExportControl) => ExportControl, now: () => Date = () => new Date()): Promise<ExportControl> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10000;
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await fsp.open(lock, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, PRIVATE_FILE_MODE);
      await h.writeFile(`${process.pid} ${now().toISOString()}\n`);
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ExportControlError(`cannot lock: ${(e as Error).message}`, file);
      const st = await fsp.stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 30000) {
        await fsp.unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline)
        throw new ExportControlError(`is locked by another command (${lock}); try again, or remove the lock file if no command is running`, file);
      await abortableSleep(backoffDelayMs(LOCK_BACKOFF, attempt));
    }
  }
  try {
    const next = change(readControl(file));
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { replace: true });
    return next;
  } finally {
    await fsp.unlink(lock).catch(() => undefined);
  }
}

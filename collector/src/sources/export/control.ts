/**
 * Per-group pause/resume of the export mode: pause entries by log group name or `*` pattern, kept
 * by the state store (state/export.ts: the file store's export-control.json, the DynamoDB store's
 * `export/pause/…` items). The `export pause|resume` commands are their only writers; a running
 * collector reads them again before it schedules, so a pause or resume takes effect without a
 * restart. A paused group gets no new export task; a task already running for it completes and is
 * delivered.
 */
import { wildcardMatcher } from '../../glob';

export interface PauseEntry {
  /** When the pause was made (ISO 8601). */
  readonly since: string;
  readonly reason?: string;
}

export interface ExportControl {
  /** By log group name or `*` pattern. */
  readonly paused: Readonly<Record<string, PauseEntry>>;
}

export const EMPTY_CONTROL: ExportControl = { paused: {} };

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

/** Whether two sets of pause entries say the same (a store returns the same object while they do). */
export function sameControl(a: ExportControl, b: ExportControl): boolean {
  const ka = Object.keys(a.paused);
  if (ka.length !== Object.keys(b.paused).length) return false;
  return ka.every((k) => {
    const x = a.paused[k];
    const y = Object.prototype.hasOwnProperty.call(b.paused, k) ? b.paused[k] : undefined;
    return y !== undefined && x.since === y.since && x.reason === y.reason;
  });
}

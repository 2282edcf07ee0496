/**
 * Modes of the files that hold events or raw records (file-sink output, dead letters): readable and
 * writable by the collector's user only, in directories only that user can list. A mode applies
 * when the file or directory is created (existing ones keep theirs); the umask can only take
 * permissions away, so these hold under any umask.
 */
import { promises as fs } from 'fs';

/** rw------- */
export const PRIVATE_FILE_MODE = 0o600;
/** rwx------ */
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` and its missing parents with PRIVATE_DIR_MODE (existing ones are left as they are). */
export async function mkdirPrivate(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

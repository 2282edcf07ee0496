import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` so that readers see the old file or the whole new one, never a part: a
 * temporary file next to it is written and fsynced, then moved into place (`rename`, or with
 * `replace: false` a `link`, which fails with EEXIST when `path` exists), and the directory is
 * fsynced. The temporary file is always removed.
 */
export async function writeFileAtomic(path: string, text: string, options: { readonly replace: boolean; readonly mode?: number }): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.replace) await fs.rename(tmp, path);
    else await fs.link(tmp, path);
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

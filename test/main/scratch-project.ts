import { spawnSync, SpawnSyncReturns } from 'child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/**
 * A throwaway copy of the project for tests that run the npm scripts as a user does (`npm start`,
 * `npm run diff`, `npx cdktf synth`): the repository's cdktf.json is copied, everything else the scripts read is
 * symlinked, so the scripts run unchanged in another folder and its cdktf.out is the copy's own,
 * never the repository's.
 */

export const root = resolve(__dirname, '..', '..');

export interface ScratchProject {
  readonly dir: string;
  /** Runs `npm <args>` in the copy; env is added to this process's. */
  npm(args: readonly string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
  /** Runs `npx cdktf <args>` (the CLI itself, without the npm scripts) in the copy. */
  cdktf(args: readonly string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
  remove(): void;
}

export function scratchProject(): ScratchProject {
  const dir = mkdtempSync(join(tmpdir(), 'cwl-siem-project-'));
  copyFileSync(join(root, 'cdktf.json'), join(dir, 'cdktf.json'));
  for (const entry of ['package.json', 'tsconfig.json', 'node_modules', 'main.ts', 'scripts', 'examples']) symlinkSync(join(root, entry), join(dir, entry));
  const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) =>
    spawnSync(command, args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return {
    dir,
    npm: (args, env = {}) => run('npm', ['--silent', ...args], env),
    cdktf: (args, env = {}) => run('npx', ['--no-install', 'cdktf', ...args], env),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

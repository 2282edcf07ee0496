import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'fs';
import { join, relative } from 'path';

/**
 * The output folder across syntheses. Synthesis replaces cdktf.out whole (all or nothing), but
 * Terraform keeps its working files in each stack's folder: `.terraform/`, `.terraform.lock.hcl`,
 * saved plans and, with the local backend, the state itself (`terraform.<stack>.tfstate`). So:
 *
 * - everything in a stack's previous folder that synthesis does not write ({@link SYNTHESIZED}) is
 *   moved into the new folder of the same stack;
 * - a stack that is no longer synthesized loses its folder (the cdktf CLI deletes it too), so a
 *   state file there that still holds resources stops the synthesis: deleting it would make
 *   Terraform forget what it deployed.
 */

/** What cdktf writes into a stack folder (JSON or HCL output, asset copies); never carried over. */
const SYNTHESIZED: ReadonlySet<string> = new Set(['cdk.tf.json', 'cdk.tf', 'metadata.json', 'assets']);

export interface StrandedState {
  readonly stack: string;
  /** The state file, relative to the current directory when inside it. */
  readonly file: string;
  /** Resources it records; undefined when it cannot be read as a state (it is kept all the same). */
  readonly resources: number | undefined;
}

/** Why synthesis stopped: states that deleting the previous output would lose. */
export function strandedStateMessage(stranded: readonly StrandedState[]): string {
  const lines = stranded.map(
    (s) =>
      `  - ${s.file} holds ${s.resources === undefined ? 'a Terraform state that cannot be read' : `the Terraform state of ${s.resources} resource${s.resources === 1 ? '' : 's'}`} ` +
      `of the stack ${s.stack}, which this config does not have`,
  );
  return [
    `synthesizing would delete Terraform state in the output folder:`,
    ...lines,
    'Destroy those stacks first (npm run destroy -- <stack>, with the config that has them) or move the state files out of the output folder; nothing was written.',
  ].join('\n');
}

/** State files with resources in the previous output's folders of stacks not in `keep`. */
export function strandedStates(previousOutdir: string, keep: readonly string[]): StrandedState[] {
  const out: StrandedState[] = [];
  for (const stack of stackFolders(previousOutdir)) {
    if (keep.includes(stack)) continue;
    const dir = join(previousOutdir, 'stacks', stack);
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.tfstate'))
      .sort()) {
      const resources = resourcesIn(join(dir, name));
      if (resources !== 0) out.push({ stack, file: displayPath(join(dir, name)), resources });
    }
  }
  return out;
}

/**
 * Moves Terraform's working files of each stack in `stacks` from the previous output into the new
 * one. Returns the moves made, as [from, to], for {@link undoMoves}.
 */
export function carryOverWorkingFiles(previousOutdir: string, nextOutdir: string, stacks: readonly string[]): [string, string][] {
  const moves: [string, string][] = [];
  for (const stack of stackFolders(previousOutdir)) {
    if (!stacks.includes(stack)) continue;
    const from = join(previousOutdir, 'stacks', stack);
    const to = join(nextOutdir, 'stacks', stack);
    for (const name of readdirSync(from)) {
      if (SYNTHESIZED.has(name) || existsSync(join(to, name))) continue;
      renameSync(join(from, name), join(to, name));
      moves.push([join(from, name), join(to, name)]);
    }
  }
  return moves;
}

/** Puts moved files back where they were (best effort: each move is tried). */
export function undoMoves(moves: readonly [string, string][]): void {
  for (const [from, to] of [...moves].reverse()) {
    try {
      renameSync(to, from);
    } catch {
      // Left where it is; the caller's error says synthesis failed.
    }
  }
}

function stackFolders(outdir: string): string[] {
  const dir = join(outdir, 'stacks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
}

/** Resources recorded in a Terraform state file; undefined when it is not one. */
function resourcesIn(file: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { resources?: unknown[] };
    return Array.isArray(state.resources) ? state.resources.length : 0;
  } catch {
    return undefined;
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

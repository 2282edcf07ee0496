import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { spawnSync } from 'child_process';
import { tmpdir } from 'os';
import { dirname, join, relative, resolve } from 'path';
import ts from 'typescript';

/** Project rules that a code review would otherwise have to catch. */

const root = resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const collectorPkg = JSON.parse(readFileSync(join(root, 'collector', 'package.json'), 'utf8'));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', 'cdktf.out', 'dist', '.git', 'coverage'].includes(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('dependencies', () => {
  test('cdktf, the AWS provider and TypeScript are pinned to exact versions', () => {
    expect(pkg.dependencies.cdktf).toBe('0.21.0');
    expect(pkg.dependencies['@cdktf/provider-aws']).toBe('20.1.0');
    expect(pkg.devDependencies.typescript).toBe('5.9.3');
    expect(pkg.dependencies.constructs).toMatch(/^10\.\d+\.\d+$/);
  });

  test('the collector workspace does not depend on cdktf', () => {
    const all = { ...collectorPkg.dependencies, ...collectorPkg.devDependencies, ...collectorPkg.peerDependencies };
    expect(Object.keys(all).filter((d) => d.includes('cdktf') || d === 'constructs')).toEqual([]);
    expect(pkg.workspaces).toContain('collector');
  });

  test('the AGPL policy engine is a devDependency, imported only by tests', () => {
    expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBeDefined();
    const shipped = tsFiles(root).filter((f) => !relative(root, f).startsWith('test'));
    expect(shipped.filter((f) => readFileSync(f, 'utf8').includes('@cloud-copilot/')).map((f) => relative(root, f))).toEqual([]);
  });
});

describe('imports', () => {
  test('provider classes are imported by deep path, never from the package root', () => {
    const rootImport = /from ['"]@cdktf\/provider-aws['"]|require\(['"]@cdktf\/provider-aws['"]\)/;
    expect(
      tsFiles(root)
        .filter((f) => rootImport.test(readFileSync(f, 'utf8')))
        .map((f) => relative(root, f)),
    ).toEqual([]);
  });

  test('the policies library does not import CDKTF', () => {
    const files = tsFiles(join(root, 'policies'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => /from ['"](cdktf|constructs|@cdktf\/)/.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f))).toEqual([]);
  });
});

/** Relative imports of a TypeScript file (type-only ones too), resolved to files. */
function localImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .flatMap((spec) => {
      const base = resolve(dirname(file), spec);
      const hit = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
      return hit ? [hit] : [];
    });
}

/** Every cycle of the import graph over `files`, each as the files around it, from its smallest member. */
function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, localImports(f)]));
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next)).map((p) => relative(root, p));
        const start = cycle.indexOf([...cycle].sort()[0]);
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(canonical.join(' → '), canonical);
      } else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return [...cycles.values()];
}

describe('module structure', () => {
  const sources = [join(root, 'main.ts'), ...['config', 'modules', 'policies', 'scripts', join('collector', 'src')].flatMap((d) => tsFiles(join(root, d)))];

  test('no import cycles in the toolkit or the collector (type-only imports count)', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(importCycles(sources).map((c) => [...c, c[0]].join(' → '))).toEqual([]);
  });

  test('the collector imports nothing from outside collector/src (its image is built from collector/ alone)', () => {
    const collectorSrc = join(root, 'collector', 'src');
    const outside = sources
      .filter((f) => f.startsWith(collectorSrc))
      .flatMap((f) =>
        localImports(f)
          .filter((i) => !i.startsWith(collectorSrc + '/'))
          .map((i) => `${relative(root, f)} → ${relative(root, i)}`),
      );
    expect(outside).toEqual([]);
  });

  test("the collector's commands sit on top: only cli.ts and other commands import collector/src/commands/", () => {
    const collectorSrc = join(root, 'collector', 'src');
    const commands = join(collectorSrc, 'commands') + '/';
    const upward = sources
      .filter((f) => f.startsWith(collectorSrc + '/') && !f.startsWith(commands) && f !== join(collectorSrc, 'cli.ts'))
      .flatMap((f) =>
        localImports(f)
          .filter((i) => i.startsWith(commands))
          .map((i) => `${relative(root, f)} → ${relative(root, i)}`),
      );
    expect(upward).toEqual([]);
  });

  test('the cycle check finds a cycle when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwl-siem-cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './c';\nexport const b = 1 as unknown as A;\n");
    writeFileSync(join(dir, 'c.ts'), "export type { a as A } from './a';\n");
    try {
      expect(importCycles(['a.ts', 'b.ts', 'c.ts'].map((f) => join(dir, f))).map((c) => c.map((p) => p.split(/[\\/]/).pop()))).toEqual([
        ['a.ts', 'b.ts', 'c.ts'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('package entry points', () => {
  /** Every file a package.json names as an entry point (main, types, bin, exports' targets). */
  function entryPoints(manifest: Record<string, unknown>): string[] {
    const targets = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(targets) : []);
    return [manifest.main, manifest.types, manifest.bin, manifest.exports].flatMap(targets);
  }

  test('the root package names no entry point (it is a cdktf app, not a library)', () => {
    expect(entryPoints(pkg)).toEqual([]);
  });

  test("the collector's main, types, exports and bin are files its build writes (or ships as they are)", () => {
    const out = mkdtempSync(join(tmpdir(), 'cwl-siem-build-'));
    try {
      const build = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', join(root, 'collector', 'tsconfig.build.json'), '--outDir', join(out, 'dist')],
        { encoding: 'utf8' },
      );
      expect(build.stdout + build.stderr).toBe('');
      const entries = entryPoints(collectorPkg);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^(\.\/)?dist\/.+\.js$/),
          expect.stringMatching(/^(\.\/)?dist\/.+\.d\.ts$/),
          expect.stringMatching(/^(\.\/)?bin\//),
        ]),
      );
      const missing = entries.filter((e) => !existsSync(/^(\.\/)?dist\//.test(e) ? join(out, e) : join(root, 'collector', e)));
      expect(missing).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

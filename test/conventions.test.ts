import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';

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
    expect(tsFiles(root).filter((f) => rootImport.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f))).toEqual([]);
  });

  test('the policies library does not import CDKTF', () => {
    const files = tsFiles(join(root, 'policies'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => /from ['"](cdktf|constructs|@cdktf\/)/.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f))).toEqual([]);
  });
});

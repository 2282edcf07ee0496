import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join, resolve } from 'path';

/**
 * No container engine runs here, so the image is checked by its parts: the Dockerfile's build
 * command compiles the sources, and its ENTRYPOINT (`node .../dist/cli-main.js`) runs from the
 * compiled output, the way the image runs it.
 */

const root = resolve(__dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cwl-image-'));
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(work, 'dist')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the build the Dockerfile runs failed:\n${r.stdout}\n${r.stderr}`);
  cpSync(join(root, 'package.json'), join(work, 'package.json'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** As in the image: dist/ beside package.json, dependencies in a node_modules the process finds (NODE_PATH here). */
const entrypoint = (args: string[]) =>
  spawnSync(process.execPath, [join(work, 'dist', 'cli-main.js'), ...args], {
    encoding: 'utf8',
    // Both places npm may put a workspace's dependencies (hoisted, or nested on a version conflict); the image has both on its path.
    env: { ...process.env, NODE_PATH: [join(root, 'node_modules'), resolve(root, '..', 'node_modules')].join(delimiter) },
    cwd: work,
  });

describe('container image', () => {
  test('the Dockerfile builds in stages, runs as a non-root user, has a HEALTHCHECK, and starts node on dist/cli-main.js', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/collector\/dist\/cli-main\.js"\]$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev --workspace collector/);
    expect(dockerfile).toContain('tsc -p collector/tsconfig.build.json');
  });

  test('the entrypoint prints its version and usage from the compiled output', () => {
    const version = entrypoint(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const help = entrypoint(['--help']);
    expect(help.stdout).toMatch(/run --config FILE/);
  });

  test('check-config from the compiled output accepts a valid config and rejects a bad one with exit 2', () => {
    const good = join(work, 'good.json');
    writeFileSync(good, JSON.stringify({ source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'stdout' } }));
    const ok = entrypoint(['check-config', '--config', good]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('valid (source kinesis, sink stdout)');
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ source: { type: 'kinesis', region: 'us-east-1' }, sink: { type: 'stdout' } }));
    const no = entrypoint(['check-config', '--config', bad]);
    expect(no.status).toBe(2);
    expect(no.stderr).toContain('$.source.streamName: is required');
  });
});

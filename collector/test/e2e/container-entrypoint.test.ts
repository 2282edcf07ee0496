import { ChildProcess, spawn, spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join, relative, resolve } from 'path';
import { COLLECTOR_CONFIG_ENV } from '../../src/commands/conventions';
import { createStream, hashKeyIn, listShards, putRecords, PutRecord, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';
import { completeLines } from '../support/ops';

/**
 * No container engine runs here, so the image is checked by its parts: the Dockerfile's build
 * command compiles the sources, and its ENTRYPOINT (`node .../dist/cli-main.js`) runs from the
 * compiled output, the way the image runs it: with the image's environment, the config in
 * CWL_SIEM_COLLECTOR_CONFIG, and (where Linux namespaces are available to this user) as PID 1 of
 * its own PID namespace on a read-only root file system with only the state directory writable.
 */

const root = resolve(__dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
/** The Dockerfile's stages, each from its FROM line on. */
const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
const finalStage = stages[stages.length - 1];
/** The image's own environment (the final stage's ENV lines). */
const imageEnv = Object.fromEntries([...finalStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
const STATE_DIR = '/var/lib/cwl-siem';
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cwl-image-'));
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(work, 'dist')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the build the Dockerfile runs failed:\n${r.stdout}\n${r.stderr}`);
  cpSync(join(root, 'package.json'), join(work, 'package.json'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Both places npm may put a workspace's dependencies (hoisted, or nested on a version conflict); the image has both on its path. */
const NODE_PATH = [join(root, 'node_modules'), resolve(root, '..', 'node_modules')].join(delimiter);

/** This process's environment less the config variable: each test says whether it is set. */
function baseEnv(): NodeJS.ProcessEnv {
  const { [COLLECTOR_CONFIG_ENV]: _unset, ...env } = process.env;
  return env;
}

/** As in the image: dist/ beside package.json, dependencies in a node_modules the process finds (NODE_PATH here), the image's ENV. */
const entrypoint = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(work, 'dist', 'cli-main.js'), ...args], {
    encoding: 'utf8',
    env: { ...baseEnv(), ...imageEnv, NODE_PATH, ...env },
    cwd: work,
  });

/** The JavaScript files of the compiled output (what the image ships), relative to dist/. */
function compiled(dir = join(work, 'dist')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? compiled(join(dir, e.name)) : e.name.endsWith('.js') ? [relative(join(work, 'dist'), join(dir, e.name))] : [],
  );
}

describe('container image', () => {
  test('the Dockerfile builds in stages, runs as a non-root user, has a HEALTHCHECK, and starts node on dist/cli-main.js', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/collector\/dist\/cli-main\.js"\]$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev --workspace collector/);
    expect(dockerfile).toContain('tsc -p collector/tsconfig.build.json');
  });

  test('every stage starts from one base image, pinned by digest to a node version the collector supports', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile.slice(0, dockerfile.search(/^FROM /m)));
    expect(arg).not.toBeNull();
    const m = /^node:(\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/.exec(arg![1]);
    expect(m).not.toBeNull();
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(Number(m![1])).toBeGreaterThanOrEqual(Number(/^>=(\d+)$/.exec(engines)![1]));
    for (const stage of stages) expect(stage).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?\n/);
  });

  test('the final stage runs as uid 1000 (numeric, for runAsNonRoot) in the state directory, a volume that uid owns; no package manager is left in it', () => {
    expect(finalStage).toMatch(/^USER 1000:1000$/m);
    const chown = finalStage.indexOf(`chown 1000:1000 ${STATE_DIR}`);
    const volume = finalStage.indexOf(`VOLUME ["${STATE_DIR}"]`);
    const user = finalStage.indexOf('USER 1000:1000');
    expect(chown).toBeGreaterThan(-1);
    // Changes after VOLUME are discarded, and the owner must be set while still root.
    expect(volume).toBeGreaterThan(chown);
    expect(user).toBeGreaterThan(chown);
    const workdirs = [...finalStage.matchAll(/^WORKDIR (\S+)$/gm)];
    expect(workdirs[workdirs.length - 1][1]).toBe(STATE_DIR);
    expect(finalStage).toMatch(/^RUN rm -rf \/usr\/local\/lib\/node_modules \/usr\/local\/bin\/npm \/usr\/local\/bin\/npx /m);
    expect(finalStage).toMatch(/^CMD \["run"\]$/m);
  });

  test('what makes tini and a writable root unnecessary holds for the compiled output: it starts no child process and writes no temporary file', () => {
    const files = compiled();
    expect(files).toContain('cli-main.js');
    const offending = files.filter((f) => /require\("(node:)?child_process"\)|\btmpdir\(|mkdtemp/.test(readFileSync(join(work, 'dist', f), 'utf8')));
    expect(offending).toEqual([]);
  });

  test('the entrypoint prints its version and usage from the compiled output', () => {
    const version = entrypoint(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const help = entrypoint(['--help']);
    expect(help.stdout).toMatch(/run \[--config FILE\]/);
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

  test('the HEALTHCHECK command passes while the entrypoint runs the service and fails once it stopped', async () => {
    const healthcheck = JSON.parse(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(finalStage)![1]) as string[];
    expect(healthcheck[0]).toBe('node');
    const kinesis = await startKinesalite();
    const dir = mkdtempSync(join(work, 'health-'));
    try {
      await createStream(kinesis.client(), 'cwl-image-health', 1);
      const config = {
        source: { type: 'kinesis', streamName: 'cwl-image-health', region: 'us-east-1', endpoint: `http://127.0.0.1:${kinesis.port}` },
        sink: { type: 'stdout' },
        ops: { port: 0 },
      };
      const env = { ...baseEnv(), ...imageEnv, NODE_PATH, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', [COLLECTOR_CONFIG_ENV]: JSON.stringify(config) };
      const service = spawn(process.execPath, [join(work, 'dist', 'cli-main.js'), 'run'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let logs = '';
      service.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
      const exited = new Promise<number | null>((r) => service.once('exit', (code) => r(code)));
      await waitFor('the collector started', 20000, () => logs.includes('"msg":"collector started"'));
      const port = /"ops":\{"address":"[^"]+","family":"IPv\d","port":(\d+)\}/.exec(logs)![1];
      const check = () => spawnSync(process.execPath, healthcheck.slice(1), { env: { ...env, CWL_SIEM_OPS_PORT: port }, encoding: 'utf8' }).status;
      expect(check()).toBe(0);
      service.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(check()).toBe(1);
    } finally {
      await kinesis.close();
    }
  });

  test('the image default command (run) with the config in CWL_SIEM_COLLECTOR_CONFIG: a bad config exits 2 naming the variable; none at all is a usage error', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)![1]) as string[];
    const bad = entrypoint(cmd, { [COLLECTOR_CONFIG_ENV]: JSON.stringify({ source: { type: 'kinesis', region: 'us-east-1' }, sink: { type: 'stdout' } }) });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('$CWL_SIEM_COLLECTOR_CONFIG: 1 problem in the config:\n  - $.source.streamName: is required\n');
    const none = entrypoint(cmd);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^cwl-siem-collector: run needs --config FILE or the environment variable CWL_SIEM_COLLECTOR_CONFIG/);
  });
});

// ---------------------------------------------------------------------------------------------------
// PID 1 on a read-only root

/** The flags that give a process its own user, mount and PID namespaces (it is PID 1 of the last). */
const UNSHARE = ['--user', '--map-root-user', '--mount', '--pid', '--fork'];
/** Inside the namespaces: `$WRITABLE` stays writable, everything else under / becomes read-only, then `exec "$@"` in `$WRITABLE`. */
const READ_ONLY_ROOT = 'mount --bind "$WRITABLE" "$WRITABLE" && mount -o remount,bind,ro / && cd "$WRITABLE" && exec "$@"';
const namespaces =
  process.platform === 'linux' &&
  spawnSync('unshare', [...UNSHARE, 'sh', '-c', 'mount -o remount,bind,ro / && ! touch /.cwl-probe 2>/dev/null'], { stdio: 'ignore' }).status === 0;

interface Contained {
  readonly outer: ChildProcess;
  /** The contained process's pid as this process sees it. */
  readonly pid: () => number | undefined;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** `command` as PID 1 of a new PID namespace with a read-only root, only `writable` writable, started there. */
function contained(writable: string, command: string[], env: NodeJS.ProcessEnv): Contained {
  const outer = spawn('unshare', [...UNSHARE, 'sh', '-c', READ_ONLY_ROOT, 'sh', ...command], {
    env: { ...env, WRITABLE: writable },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  outer.stdout!.on('data', (c: Buffer) => (stderr += c.toString()));
  outer.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => outer.once('exit', (code) => r(code)));
  const pid = () => {
    try {
      const child = Number(readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim().split(' ')[0]);
      return child > 0 ? child : undefined;
    } catch {
      return undefined;
    }
  };
  return { outer, pid, stderr: () => stderr, exited };
}

/** The pids of a process in each PID namespace it is in, outermost first (`NSpid` of /proc/PID/status). */
const nsPids = (pid: number) =>
  /^NSpid:\s+(.+)$/m
    .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]
    .split(/\s+/)
    .map(Number);

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

(namespaces ? describe : describe.skip)('container image: node as PID 1 on a read-only root (Linux user namespaces)', () => {
  const STREAM = 'cwl-image-pid1';
  let kinesis: RunningKinesalite;
  let puts: PutRecord[];
  const started: Contained[] = [];

  beforeAll(async () => {
    kinesis = await startKinesalite();
    await createStream(kinesis.client(), STREAM, 1);
    const [shard] = await listShards(kinesis.client(), STREAM);
    puts = await putRecords(kinesis.client(), STREAM, [hashKeyIn(shard)], 3, 'pid1');
  });
  afterAll(async () => {
    for (const c of started) {
      const pid = c.pid();
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
      if (c.outer.exitCode === null) c.outer.kill('SIGKILL');
    }
    await kinesis.close();
  });

  test('inside, only the writable directory can be written', async () => {
    const dir = mkdtempSync(join(work, 'rw-'));
    const outside = join(work, 'outside');
    const c = contained(dir, ['sh', '-c', `touch inside && ! touch ${outside} 2>/dev/null`], baseEnv());
    started.push(c);
    expect(await c.exited).toBe(0);
    expect(readdirSync(dir)).toEqual(['inside']);
    expect(existsSync(outside)).toBe(false);
  });

  test('a process that does not handle SIGTERM ignores it as PID 1 (the namespace really gives PID 1 semantics)', async () => {
    const dir = mkdtempSync(join(work, 'ignore-'));
    const c = contained(dir, [process.execPath, '-e', 'setInterval(() => {}, 1000)'], baseEnv());
    started.push(c);
    await waitFor('the contained process', 10000, () => c.pid() !== undefined && nsPids(c.pid()!).length === 2);
    expect(nsPids(c.pid()!)[1]).toBe(1);
    process.kill(c.pid()!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(c.pid()!)).toBe(true);
    process.kill(c.pid()!, 'SIGKILL');
    await c.exited;
  });

  test('the entrypoint, as PID 1 with only its state directory writable, runs the config from CWL_SIEM_COLLECTOR_CONFIG, writes only there, and drains on SIGTERM', async () => {
    const stateDir = mkdtempSync(join(work, 'var-lib-cwl-siem-'));
    const home = mkdtempSync(join(work, 'home-'));
    const tmp = mkdtempSync(join(work, 'tmp-'));
    // The defaults put the state and dead letters in ./state; the sink file is relative too: all in the working directory, as in the image.
    const config = {
      source: {
        type: 'kinesis',
        streamName: STREAM,
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${kinesis.port}`,
        startPosition: 'TRIM_HORIZON',
        pollIntervalMs: 200,
      },
      sink: { type: 'file', path: 'out/events.ndjson' },
      ops: { port: 0 },
    };
    const env = {
      ...baseEnv(),
      ...imageEnv,
      NODE_PATH,
      HOME: home,
      TMPDIR: tmp,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
      [COLLECTOR_CONFIG_ENV]: JSON.stringify(config),
    };
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)![1]) as string[];
    const c = contained(stateDir, [process.execPath, join(work, 'dist', 'cli-main.js'), ...cmd], env);
    started.push(c);

    const out = join(stateDir, 'out');
    await waitFor('every record delivered', 45000, () => {
      if (!existsSync(out)) return false;
      const ids = new Set(
        readdirSync(out)
          .flatMap((f) => completeLines(readFileSync(join(out, f), 'utf8')))
          .map((l) => (JSON.parse(l) as { id: string }).id),
      );
      return puts.every((p) => ids.has(p.id));
    });
    const checkpoints = join(stateDir, 'state', 'checkpoints.json');
    await waitFor('the checkpoint of the last record', 10000, () => {
      if (!existsSync(checkpoints)) return false;
      return Object.values(JSON.parse(readFileSync(checkpoints, 'utf8')) as Record<string, string>)[0] === puts[puts.length - 1].sequenceNumber;
    });
    const pid = c.pid()!;
    expect(nsPids(pid)[1]).toBe(1);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(join(work, 'dist', 'cli-main.js'));

    process.kill(pid, 'SIGTERM');
    expect(await Promise.race([c.exited, new Promise((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20000))])).toBe(0);
    expect(c.stderr()).toMatch(/"msg":"shutting down: stop reading, deliver in-flight batches, checkpoint"/);
    expect(c.stderr()).toMatch(/"code":0,"msg":"collector stopped"/);
    expect(c.stderr()).toMatch(/"config":"\$CWL_SIEM_COLLECTOR_CONFIG","msg":"config loaded"/);
    expect(readdirSync(stateDir).sort()).toEqual(['out', 'state']);
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

if (!namespaces) {
  // Visible in the run: the PID 1 / read-only root checks above need `unshare` with user namespaces.
  test.skip('container image: node as PID 1 on a read-only root needs Linux user namespaces (unshare --user --map-root-user --mount --pid --fork)', () =>
    undefined);
}

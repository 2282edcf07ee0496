import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CHECK_CONFIG_USAGE, runCheckConfig } from '../../src/commands/check-config';
import { CLI_USAGE, COLLECTOR_CONFIG_ENV } from '../../src/commands/conventions';
import { RUN_USAGE } from '../../src/commands/run';

/**
 * `check-config` with the config in the environment variable CWL_SIEM_COLLECTOR_CONFIG (what the
 * toolkit's ECS task sets), the way `run` reads it: problems are reported against
 * `$CWL_SIEM_COLLECTOR_CONFIG` with their JSON paths, values from other variables (secrets) are never
 * shown, an explicit --config wins with a note, and neither is a usage error naming both.
 */

const LABEL = '$CWL_SIEM_COLLECTOR_CONFIG';
const GOOD = { source: { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' }, sink: { type: 'stdout' } };

async function checkConfig(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCheckConfig(args, { stdin: Readable.from([]), stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-check-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check-config with the config in CWL_SIEM_COLLECTOR_CONFIG', () => {
  test('the environment variable is the name the commands read', () => {
    expect(COLLECTOR_CONFIG_ENV).toBe('CWL_SIEM_COLLECTOR_CONFIG');
  });

  test('a valid config in the variable is reported valid under the variable name, exit 0', async () => {
    const r = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(GOOD) });
    expect(r).toEqual({ code: 0, stdout: `${LABEL}: valid (source kinesis, sink stdout)\n`, stderr: '' });
  });

  test('${NAME} references in the variable resolve from the environment, as in a file', async () => {
    const config = { ...GOOD, source: { ...GOOD.source, streamName: '${STREAM}' } };
    expect((await checkConfig([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(config), STREAM: 'logs' })).code).toBe(0);
    const unset = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(config) });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toBe(`${LABEL}: 1 problem in the config:\n  - $.source.streamName: refers to the environment variable STREAM, which is not set\n`);
  });

  test('every problem is reported against the variable with its JSON path, exit 2, and a secret from another variable is never shown', async () => {
    const secret = 'hec-token-4f1d2c9a';
    const config = {
      source: { type: 'kinesis', region: 'us-east-1', maxRecordsPerCall: '${SPLUNK_HEC_TOKEN}' },
      sink: { type: 'stdout', bogus: 1 },
    };
    const r = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(config), SPLUNK_HEC_TOKEN: secret });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`${LABEL}: 3 problems in the config:`);
    expect(r.stderr).toContain('  - $.source.streamName: is required\n');
    expect(r.stderr).toContain('  - $.source.maxRecordsPerCall: must be integer, got "${SPLUNK_HEC_TOKEN}" (its value from the environment is not shown)\n');
    expect(r.stderr).toContain('  - $.sink.bogus: is not a known key here');
    expect(r.stderr).not.toContain(secret);
  });

  test('text that is not JSON is a problem at $, and a file path given instead of the JSON is named as such', async () => {
    const broken = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: '{"source": ' });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^\$CWL_SIEM_COLLECTOR_CONFIG: 1 problem in the config:\n {2}- \$: is not valid JSON: /);
    expect(broken.stderr).not.toContain('looks like a file path');

    const path = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: '/etc/cwl-siem/collector.json' });
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(/- \$: is not valid JSON: .*; it looks like a file path, not the config itself\n$/);
  });

  test('the config encoded twice (a JSON string holding the JSON) gets its own message', async () => {
    const r = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(JSON.stringify(GOOD)) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${LABEL}: 1 problem in the config:\n  - $: is a JSON string that holds the config (encoded twice?): give the JSON object itself\n`);
  });

  test('--config given as well wins: the file is checked and a note says the variable is ignored', async () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify(GOOD));
    const r = await checkConfig(['--config', file], { [COLLECTOR_CONFIG_ENV]: '{ not even JSON' });
    expect(r).toEqual({
      code: 0,
      stdout: `${file}: valid (source kinesis, sink stdout)\n`,
      stderr: 'cwl-siem-collector: --config given: the environment variable CWL_SIEM_COLLECTOR_CONFIG is ignored\n',
    });
  });

  test('neither --config nor the variable is a usage error naming both, exit 2; an empty variable counts as unset and is called out', async () => {
    const none = await checkConfig([], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      `cwl-siem-collector: check-config needs --config FILE or the environment variable CWL_SIEM_COLLECTOR_CONFIG (the config's JSON)\n\n${CHECK_CONFIG_USAGE}`,
    );
    const empty = await checkConfig([], { [COLLECTOR_CONFIG_ENV]: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr.split('\n')[0]).toBe(
      "cwl-siem-collector: check-config needs --config FILE or the environment variable CWL_SIEM_COLLECTOR_CONFIG (the config's JSON); CWL_SIEM_COLLECTOR_CONFIG is set, but empty",
    );
    const file = join(dir, 'good2.json');
    writeFileSync(file, JSON.stringify(GOOD));
    expect(await checkConfig(['--config', file], { [COLLECTOR_CONFIG_ENV]: '' })).toEqual({
      code: 0,
      stdout: `${file}: valid (source kinesis, sink stdout)\n`,
      stderr: '',
    });
  });

  test('the help of run and check-config and the top-level usage name the variable', () => {
    for (const usage of [RUN_USAGE, CHECK_CONFIG_USAGE, CLI_USAGE]) expect(usage).toContain('$CWL_SIEM_COLLECTOR_CONFIG');
    expect(RUN_USAGE).toMatch(/^Environment:\n {2}CWL_SIEM_COLLECTOR_CONFIG\n/m);
  });

  test('the bin reads the variable from its own environment', () => {
    const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
    const env = { ...process.env, [COLLECTOR_CONFIG_ENV]: JSON.stringify(GOOD) };
    const r = spawnSync(process.execPath, [bin, 'check-config'], { encoding: 'utf8', env });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: `${LABEL}: valid (source kinesis, sink stdout)\n`,
      stderr: '',
    });
  });
});

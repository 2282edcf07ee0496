/**
 * The ops server listens on loopback unless told otherwise: `ops.host` defaults to 127.0.0.1; the
 * environment variable CWL_SIEM_OPS_HOST replaces that default (the container image sets it to
 * 0.0.0.0 so its HEALTHCHECK and a Prometheus scraper reach it), and `ops.host` in the config wins
 * over both. It serves only reads: no method but GET and HEAD does anything, on any path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parseCollectorConfig } from '../../src/config/load';
import { createMetrics } from '../../src/ops/metrics';
import { OpsServer } from '../../src/ops/server';
import { removeDir } from '../sinks/helpers';
import { RunningCollector, startCollectorProcess } from '../support/ops';

let dir: string;
const running: RunningCollector[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-ops-bind-'));
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.child.kill('SIGTERM');
    await r.exited;
  }
  removeDir(dir);
});

const minimal = { source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'stdout' } };

/** Starts the real collector process (its Kinesis endpoint refuses connections, so it keeps retrying) and returns the address its ops server bound. */
async function boundAddress(ops: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  const config = join(dir, `collector-${running.length}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      source: { type: 'kinesis', streamName: 's', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' },
      sink: { type: 'stdout' },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      ops: { port: 0, ...ops },
    }),
  );
  const base = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
  const environment: Record<string, string> = { ...base, ...env };
  // The test runner's own environment must not decide the default.
  if (!('CWL_SIEM_OPS_HOST' in env)) environment.CWL_SIEM_OPS_HOST = '';
  const r = startCollectorProcess(config, environment);
  running.push(r);
  let exited = false;
  void r.exited.then(() => (exited = true));
  for (;;) {
    const m = /"msg":"collector started"/.test(r.logs()) ? /"ops":\{"address":"([^"]+)"/.exec(r.logs()) : null;
    if (m) return m[1];
    if (exited) throw new Error(`the collector exited before it started:\n${r.logs()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('ops server binding', () => {
  test('the config default is 127.0.0.1; CWL_SIEM_OPS_HOST replaces the default; ops.host in the config wins', () => {
    expect(parseCollectorConfig(minimal, 't', {}).ops).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseCollectorConfig(minimal, 't', { CWL_SIEM_OPS_HOST: '0.0.0.0' }).ops).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseCollectorConfig({ ...minimal, ops: { port: 9191 } }, 't', { CWL_SIEM_OPS_HOST: '::' }).ops).toEqual({ host: '::', port: 9191 });
    expect(parseCollectorConfig({ ...minimal, ops: { host: '127.0.0.1' } }, 't', { CWL_SIEM_OPS_HOST: '0.0.0.0' }).ops.host).toBe('127.0.0.1');
    expect(parseCollectorConfig(minimal, 't', { CWL_SIEM_OPS_HOST: '' }).ops.host).toBe('127.0.0.1');
  });

  test('the running collector binds 127.0.0.1 by default', async () => {
    expect(await boundAddress({})).toBe('127.0.0.1');
  });

  test('with CWL_SIEM_OPS_HOST=0.0.0.0 (as in the image) it binds every interface', async () => {
    expect(await boundAddress({}, { CWL_SIEM_OPS_HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });

  test('the image sets CWL_SIEM_OPS_HOST=0.0.0.0 and its HEALTHCHECK asks 127.0.0.1', () => {
    const dockerfile = readFileSync(resolve(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV .*\bCWL_SIEM_OPS_HOST=0\.0\.0\.0\b/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*http:\/\/127\.0\.0\.1:/);
  });
});

describe('ops server endpoints', () => {
  function call(port: number, method: string, path: string): Promise<number> {
    return new Promise((res, rej) => {
      request({ host: '127.0.0.1', port, path, method }, (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode ?? 0));
      })
        .on('error', rej)
        .end('{"action":"pause"}');
    });
  }

  test('no control action: every method but GET and HEAD is refused with 405 on every path', async () => {
    const server = new OpsServer({ host: '127.0.0.1', port: 0, metrics: createMetrics(), ready: () => true });
    const { port } = await server.start();
    try {
      for (const path of ['/healthz', '/readyz', '/metrics', '/export/pause', '/export/resume', '/control', '/']) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect([method, path, await call(port, method, path)]).toEqual([method, path, 405]);
      }
      expect(await call(port, 'GET', '/healthz')).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

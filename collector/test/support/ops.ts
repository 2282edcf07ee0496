import { ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';

/** The port of the ops server, from the collector's "collector started" log line (it listens on port 0 in tests). */
export function opsPortFromLogs(logs: string): number | undefined {
  const m = logs.match(/"ops":\{"address":"127\.0\.0\.1","family":"IPv4","port":(\d+)\}/);
  return m ? Number(m[1]) : undefined;
}

/** GET http://127.0.0.1:port/path, the body as text. */
export function getText(port: number, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    request({ host: '127.0.0.1', port, path }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end(),
  );
}

/** A collector process started by a test, with its combined stdout/stderr. */
export interface RunningCollector {
  readonly child: ChildProcess;
  readonly logs: () => string;
  readonly exited: Promise<number | null>;
}

/** The bin of the collector workspace. */
export const COLLECTOR_BIN = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');

/** Starts `cwl-siem-collector run --config FILE` with `env` added to this process's environment. */
export function startCollectorProcess(config: string, env: Record<string, string>): RunningCollector {
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'run', '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, logs: () => logs, exited };
}

/**
 * The complete lines of an NDJSON file that a running process may be appending to: a last line
 * without its newline is still being written and is left out (parsing it would fail).
 */
export function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l.trim() !== '');
}

import { request } from 'node:http';

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

import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { CollectorMetrics } from './metrics';

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: CollectorMetrics;
  /** Ready to do work: the source is reading and the sink accepts batches. */
  readonly ready: () => boolean;
}

/**
 * The environment variable that replaces the default of `ops.host` (127.0.0.1, in the config
 * schema) when the config leaves it out; the container image sets it to 0.0.0.0.
 */
export const OPS_HOST_ENV = 'CWL_SIEM_OPS_HOST';

/**
 * `/healthz` (the process answers), `/readyz` (200 while ready, 503 otherwise, e.g. starting or
 * draining), `/metrics` (Prometheus text). Read-only and unauthenticated, so it serves no control
 * action (export pause/resume go through the control file and the CLI): every method but GET and
 * HEAD is answered 405. It listens where `ops.host` says, loopback unless configured.
 */
export class OpsServer {
  private server?: Server;

  constructor(private readonly options: OpsServerOptions) {}

  async start(): Promise<AddressInfo> {
    const { metrics, ready } = this.options;
    this.server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        // The body is never read: closing the connection keeps it from being parsed as the next request.
        res.writeHead(405, { allow: 'GET, HEAD', connection: 'close' }).end();
      } else if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (url === '/readyz') {
        const ok = ready();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
      } else if (url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
        );
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

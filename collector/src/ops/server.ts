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
 * `/healthz` (the process answers), `/readyz` (200 while ready, 503 otherwise, e.g. starting or
 * draining), `/metrics` (Prometheus text).
 */
export class OpsServer {
  private server?: Server;

  constructor(private readonly options: OpsServerOptions) {}

  async start(): Promise<AddressInfo> {
    const { metrics, ready } = this.options;
    this.server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
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

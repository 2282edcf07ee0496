import { request } from 'http';
import { createMetrics } from '../../src/ops/metrics';
import { OpsServer } from '../../src/ops/server';

function get(port: number, path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    })
      .on('error', reject)
      .end();
  });
}

describe('ops server', () => {
  test('healthz always, readyz follows readiness, metrics in Prometheus text with the collector metrics', async () => {
    let ready = false;
    const metrics = createMetrics();
    metrics.eventsOut.inc({ sink: 'file' }, 7);
    metrics.shardLagMs.set({ stream: 's', shard: 'shardId-000000000001' }, 1500);
    const server = new OpsServer({ host: '127.0.0.1', port: 0, metrics, ready: () => ready });
    const { port } = await server.start();
    try {
      expect((await get(port, '/healthz')).status).toBe(200);
      expect((await get(port, '/readyz')).status).toBe(503);
      ready = true;
      expect((await get(port, '/readyz')).status).toBe(200);
      const m = await get(port, '/metrics');
      expect(m.type).toMatch(/^text\/plain/);
      expect(m.body).toContain('cwl_siem_collector_events_out_total{sink="file"} 7');
      expect(m.body).toContain('cwl_siem_collector_shard_lag_milliseconds{stream="s",shard="shardId-000000000001"} 1500');
      expect(m.body).toContain('# TYPE cwl_siem_collector_decode_errors_total counter');
      expect((await get(port, '/nope')).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

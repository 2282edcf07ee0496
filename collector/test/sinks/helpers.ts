import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer as createHttpServer, IncomingHttpHeaders, IncomingMessage, Server as HttpServer, ServerResponse } from 'http';
import { createServer as createHttpsServer } from 'https';
import { AddressInfo, Server as NetServer, Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import pino, { Logger } from 'pino';
import { Writable } from 'stream';
import { createMetrics, CollectorMetrics } from '../../src/ops/metrics';
import { SinkDeps } from '../../src/sinks';
import { NormalizedEvent } from '../../src/types';

/** A normalized event with overridable fields; `n` varies id, timestamp and message. */
export function event(n: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    id: `3782834932849328493284932849328493284932849328${String(n).padStart(4, '0')}`,
    timestamp: 1_700_000_000_123 + n,
    owner: '123456789012',
    logGroup: '/aws/lambda/orders',
    logStream: '2026/01/01/[$LATEST]abcdef',
    message: `START RequestId: ${String(n).padStart(4, '0')} Version: $LATEST`,
    source: { kind: 'kinesis', stream: 'cwl', shard: 'shardId-000000000000', sequenceNumber: String(49_000 + n) },
    ...over,
  };
}

export const events = (count: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent[] => Array.from({ length: count }, (_, i) => event(i, over));

/** Sink deps with a fresh metrics registry and a logger whose lines are kept in `logs` (to look for secrets). */
export function testDeps(over: Partial<SinkDeps> = {}): SinkDeps & { metrics: CollectorMetrics; logs: string[] } {
  const logs: string[] = [];
  const logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  return { logger, metrics: createMetrics(), env: {}, logs, ...over };
}

/** Fast retries for tests. */
export const fastRetry = (maxAttempts = 3) => ({ maxAttempts, initialDelayMs: 1, maxDelayMs: 5 });

export async function counterValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

export const port = (server: { address(): AddressInfo | string | null }): number => (server.address() as AddressInfo).port;

export function listen<T extends NetServer>(server: T): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Closes a server and every connection it still holds. */
export function closeServer(server: NetServer & { closeAllConnections?: () => void }, sockets: Set<Socket> = new Set()): Promise<void> {
  for (const s of sockets) s.destroy();
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Collects RFC 6587 octet-counted frames from a byte stream; throws on anything else. */
export class OctetFrameParser {
  private buf = Buffer.alloc(0);
  readonly frames: string[] = [];
  /** Bytes received in total. */
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const sp = this.buf.indexOf(0x20);
      if (sp < 0) return;
      const lenText = this.buf.subarray(0, sp).toString('ascii');
      if (!/^[1-9]\d*$/.test(lenText)) throw new Error(`not an octet-counted frame: ${JSON.stringify(this.buf.subarray(0, 40).toString())}`);
      const len = Number(lenText);
      if (this.buf.length < sp + 1 + len) return;
      this.frames.push(this.buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
      this.buf = this.buf.subarray(sp + 1 + len);
    }
  }
}

export interface ParsedSyslog {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  /** SD-ID → params, values unescaped. */
  sd: Record<string, Record<string, string>>;
  /** The SD part as sent. */
  rawSd: string;
  msg: string;
}

/** A strict RFC 5424 parser (header fields, structured data with escapes, message). */
export function parseRfc5424(line: string): ParsedSyslog {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!head) throw new Error(`not an RFC 5424 header: ${line.slice(0, 80)}`);
  let i = head[0].length;
  const sd: Record<string, Record<string, string>> = {};
  const sdStart = i;
  if (line[i] === '-') i++;
  else {
    while (line[i] === '[') {
      i++;
      const idEnd = line.slice(i).search(/[ \]]/);
      const id = line.slice(i, i + idEnd);
      i += idEnd;
      const params: Record<string, string> = {};
      while (line[i] === ' ') {
        i++;
        const eq = line.indexOf('="', i);
        const name = line.slice(i, eq);
        if (!/^[^= \]"]{1,32}$/.test(name)) throw new Error(`bad SD-PARAM name ${name}`);
        i = eq + 2;
        let value = '';
        for (;;) {
          const c = line[i];
          if (c === undefined) throw new Error('unterminated SD-PARAM');
          if (c === '\\' && ['"', '\\', ']'].includes(line[i + 1])) {
            value += line[i + 1];
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else if (c === ']') {
            throw new Error(`unescaped ] in SD-PARAM ${name}`);
          } else {
            value += c;
            i++;
          }
        }
        params[name] = value;
      }
      if (line[i] !== ']') throw new Error(`SD element not closed at ${i}: ${line.slice(i, i + 20)}`);
      i++;
      sd[id] = params;
    }
  }
  const rawSd = line.slice(sdStart, i);
  if (line[i] !== ' ') throw new Error('no space before MSG');
  return {
    pri: Number(head[1]),
    version: head[2],
    timestamp: head[3],
    hostname: head[4],
    appName: head[5],
    procId: head[6],
    msgId: head[7],
    sd,
    rawSd,
    msg: line.slice(i + 1),
  };
}

/** One recorded HTTP request. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a fake server answers to one request. */
export interface FakeAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait before answering. */
  delayMs?: number;
}

/**
 * An HTTP(S) server on 127.0.0.1 that records every request and answers from a queue (then the
 * fallback). `respond` may be replaced to decide from the request.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly queue: FakeAnswer[] = [];
  respond: (req: RecordedRequest) => FakeAnswer;
  readonly server: HttpServer;
  private readonly sockets = new Set<Socket>();
  private readonly secure: boolean;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(fallback: FakeAnswer, tls?: { key: Buffer; cert: Buffer }) {
    this.secure = tls !== undefined;
    this.respond = () => this.queue.shift() ?? fallback;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(rec);
        const a = this.respond(rec);
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
          res.end(a.body ?? '');
        };
        if (a.delayMs) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            answer();
          }, a.delayMs);
          this.timers.add(t);
        } else answer();
      });
    };
    this.server = tls ? (createHttpsServer({ key: tls.key, cert: tls.cert }, handler) as unknown as HttpServer) : createHttpServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await listen(this.server);
    return this;
  }

  url(path: string, host = '127.0.0.1'): string {
    return `${this.secure ? 'https' : 'http'}://${host}:${port(this.server)}${path}`;
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    return closeServer(this.server, this.sockets);
  }
}

/** PEM files of a test PKI: a CA, a server cert (localhost, 127.0.0.1), a client cert, and an unrelated CA. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  otherCaCert: string;
}

/**
 * Whether the openssl CLI can be used. Missing: the TLS tests are skipped locally, but in CI
 * (CI=true) this throws, so a broken runner cannot silently skip them.
 */
export function opensslAvailable(): boolean {
  const ok = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  if (!ok && process.env.CI === 'true') {
    throw new Error(
      'the openssl CLI is required for the TLS sink tests (it generates their certificates) but was not found on PATH; install openssl on the CI runner',
    );
  }
  return ok;
}

/** Generates the test PKI with the openssl CLI into a temp dir (EC P-256 keys, valid two days). */
export function generatePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cwl-sink-pki-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(name));
  const ca = (name: string, cn: string) => {
    key(`${name}.key`);
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      f(`${name}.key`),
      '-subj',
      `/CN=${cn}`,
      '-days',
      '2',
      '-out',
      f(`${name}.crt`),
      '-extensions',
      'v3_ca',
      '-config',
      writeReqConfig(dir, name),
    );
  };
  const leaf = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    ssl('req', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      f(`${name}.crt`),
      '-extfile',
      f(`${name}.ext`),
    );
  };
  ca('ca', 'cwl-siem test CA');
  ca('other-ca', 'unrelated test CA');
  leaf(
    'server',
    'localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  leaf('client', 'cwl-siem-collector', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: f('ca.crt'),
    serverKey: f('server.key'),
    serverCert: f('server.crt'),
    clientKey: f('client.key'),
    clientCert: f('client.crt'),
    otherCaCert: f('other-ca.crt'),
  };
}

function writeReqConfig(dir: string, name: string): string {
  const path = join(dir, `${name}.cnf`);
  writeFileSync(
    path,
    [
      '[req]',
      'distinguished_name=dn',
      '[dn]',
      '[v3_ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      '',
    ].join('\n'),
  );
  return path;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

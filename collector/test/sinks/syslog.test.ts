import { createSocket, Socket as UdpSocket } from 'dgram';
import { readFileSync } from 'fs';
import { createServer, Server, Socket } from 'net';
import { createServer as createTlsServer, TLSSocket } from 'tls';
import { createSink, SinkConfig } from '../../src/sinks';
import { escapeCefExtension, escapeCefHeader, escapeSdParam, formatCef, formatRfc5424, truncateUtf8, UDP_MAX_BYTES } from '../../src/sinks/syslog';
import { NormalizedEvent, SinkError } from '../../src/types';
import {
  closeServer,
  counterValue,
  event,
  events,
  fastRetry,
  generatePki,
  listen,
  OctetFrameParser,
  opensslAvailable,
  parseRfc5424,
  port,
  removeDir,
  TestPki,
  testDeps,
} from './helpers';

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TCP or TLS syslog receiver that parses octet-counted frames. */
class SyslogReceiver {
  readonly frames: string[] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  bytes = 0;
  readonly peerNames: string[] = [];
  tlsErrors = 0;
  /** Close each connection after this many frames (to test reconnecting). */
  closeAfterFrames?: number;

  constructor(
    readonly server: Server,
    secure = false,
  ) {
    const onSocket = (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      if (socket instanceof TLSSocket) {
        const cn = socket.getPeerCertificate()?.subject?.CN;
        if (cn) this.peerNames.push(String(cn));
      }
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const parser = new OctetFrameParser();
      let seen = 0;
      socket.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length;
        parser.push(chunk);
        this.frames.push(...parser.frames.slice(seen));
        seen = parser.frames.length;
        if (this.closeAfterFrames !== undefined && seen >= this.closeAfterFrames) socket.end();
      });
    };
    server.on(secure ? 'secureConnection' : 'connection', onSocket);
    server.on('tlsClientError', () => this.tlsErrors++);
  }

  async start(): Promise<this> {
    await listen(this.server);
    return this;
  }

  get port(): number {
    return port(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server, this.sockets);
  }
}

const fmt = { facility: 16, severity: 6, hostname: 'collector-1', appName: 'cwl-siem', format: 'json' as const, serialize: JSON.stringify };

describe('RFC 5424 and CEF formatting', () => {
  test('the header carries PRI, version 1, the event time with milliseconds, hostname, app, no PROCID and MSGID cwl', () => {
    const m = parseRfc5424(formatRfc5424(event(0), { ...fmt, facility: 4, severity: 5 }));
    expect(m).toMatchObject({
      pri: 37,
      version: '1',
      timestamp: '2023-11-14T22:13:20.123Z',
      hostname: 'collector-1',
      appName: 'cwl-siem',
      procId: '-',
      msgId: 'cwl',
    });
    expect(JSON.parse(m.msg)).toEqual(event(0));
  });

  test('SD-PARAM values escape ", \\ and ]', () => {
    expect(escapeSdParam('a"b\\c]d[e')).toBe('a\\"b\\\\c\\]d[e');
    const e = event(0, { logGroup: 'grp"with\\odd]chars', type: 'cloudtrail' });
    const m = parseRfc5424(formatRfc5424(e, fmt));
    expect(m.rawSd).toBe(
      `[cwl@32473 logGroup="grp\\"with\\\\odd\\]chars" logStream="2026/01/01/[$LATEST\\]abcdef" owner="123456789012" id="${e.id}" type="cloudtrail"]`,
    );
    expect(m.sd['cwl@32473']).toEqual({ logGroup: e.logGroup, logStream: e.logStream, owner: e.owner, id: e.id, type: 'cloudtrail' });
  });

  test('header fields keep to printable ASCII and an invalid time becomes the NILVALUE', () => {
    const m = parseRfc5424(formatRfc5424(event(0, { timestamp: Number.NaN }), { ...fmt, hostname: 'my host', appName: '' }));
    expect(m).toMatchObject({ timestamp: '-', hostname: 'my_host', appName: '-' });
  });

  test('CEF escapes | and \\ in the header and =, \\ and line breaks in extension values', () => {
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefExtension('k=v\\x\ny\r\nz|ok')).toBe('k\\=v\\\\x\\ny\\r\\nz|ok');
  });

  test('a CEF record of a plain log event', () => {
    const e = event(0, { logGroup: 'app|prod\\eu', message: 'user=alice\nlogged in' });
    expect(formatCef(e, 6)).toBe(
      `CEF:0|AWS|CloudWatch Logs|1.0|log|app\\|prod\\\\eu|3|rt=1700000000123 cs1Label=logGroup cs1=app|prod\\\\eu cs2Label=logStream cs2=2026/01/01/[$LATEST]abcdef cs3Label=owner cs3=123456789012 externalId=${e.id} msg=user\\=alice\\nlogged in`,
    );
    expect(formatCef(e, 0)).toContain('|10|');
    expect(formatCef(e, 7)).toContain('|1|');
  });

  test('a CEF record of a VPC flow log carries src, dst, spt, dpt, proto and act', () => {
    const e = event(1, {
      type: 'vpcflow',
      logGroup: 'vpc-flow',
      message: '2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1 2 REJECT OK',
      fields: { srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', srcport: 443, dstport: 49152, protocol: 6, action: 'REJECT', bytes: 40 },
    });
    expect(formatCef(e, 4)).toMatch(
      /^CEF:0\|AWS\|CloudWatch Logs\|1\.0\|vpcflow\|vpc-flow\|5\|rt=1700000000124 .* externalId=\S+ src=10\.0\.0\.1 dst=10\.0\.0\.2 spt=443 dpt=49152 proto=TCP act=REJECT msg=2 123456789012 eni-1 /,
    );
    expect(formatCef(event(1, { type: 'vpcflow', fields: { srcaddr: null, protocol: null } }), 6)).not.toMatch(/ (src|proto)=/);
  });

  test('UDP truncation never cuts a UTF-8 character', () => {
    expect(truncateUtf8(Buffer.from('aé'), 2).toString()).toBe('a');
    expect(truncateUtf8(Buffer.from('a🌍b'), 4).toString()).toBe('a');
    expect(truncateUtf8(Buffer.from('a🌍b'), 5).toString()).toBe('a🌍');
  });
});

describe('syslog over TCP', () => {
  let rx: SyslogReceiver;
  beforeEach(async () => {
    rx = await new SyslogReceiver(createServer()).start();
  });
  afterEach(() => rx.close());

  const tcp = (over: Partial<SinkConfig> = {}): SinkConfig =>
    ({ type: 'syslog', protocol: 'tcp', host: '127.0.0.1', port: rx.port, hostname: 'collector-1', retry: fastRetry(), ...over }) as SinkConfig;

  test('delivers octet-counted RFC 5424 messages, LEN counted in bytes, one connection', async () => {
    const deps = testDeps();
    const sink = createSink(tcp({ facility: 1, severity: 3, batchSize: 2 } as Partial<SinkConfig>), deps);
    const batch = [event(0, { message: 'héllo 🌍 wörld' }), event(1, { logGroup: 'odd"]\\group' }), event(2)];
    await sink.send(batch);
    await waitFor(() => rx.frames.length === 3, 'three frames');
    const msgs = rx.frames.map(parseRfc5424);
    expect(msgs.map((m) => m.pri)).toEqual([11, 11, 11]);
    expect(msgs.map((m) => JSON.parse(m.msg))).toEqual(batch);
    expect(msgs[1].sd['cwl@32473'].logGroup).toBe('odd"]\\group');
    expect(msgs[0].timestamp).toBe(new Date(batch[0].timestamp).toISOString());
    expect(rx.connections).toBe(1);
    expect(await counterValue(deps.metrics.batches, { sink: 'syslog', result: 'delivered' })).toBe(2);
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'syslog' })).toBe(3);
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'syslog' })).toBe(rx.bytes);
    await sink.close();
  });

  test('CEF format puts the CEF record in MSG', async () => {
    const sink = createSink(tcp({ format: 'cef' } as Partial<SinkConfig>), testDeps());
    await sink.send([event(0)]);
    await waitFor(() => rx.frames.length === 1, 'one frame');
    expect(parseRfc5424(rx.frames[0]).msg).toBe(formatCef(event(0), 6));
    await sink.close();
  });

  test('reconnects lazily after the receiver closed the connection', async () => {
    rx.closeAfterFrames = 2;
    const sink = createSink(tcp(), testDeps());
    await sink.send(events(2));
    await waitFor(() => rx.frames.length === 2 && rx.sockets.size === 0, 'the receiver to close the connection');
    await new Promise((r) => setTimeout(r, 50));
    rx.closeAfterFrames = undefined;
    await sink.send([event(2)]);
    await waitFor(() => rx.frames.length === 3, 'the third frame');
    expect(rx.connections).toBe(2);
    expect(rx.frames.map((f) => JSON.parse(parseRfc5424(f).msg).id)).toEqual(events(3).map((e) => e.id));
    await sink.close();
  });

  test('connection refused is retried, then a retryable SinkError', async () => {
    const config = tcp({ retry: fastRetry(3) } as Partial<SinkConfig>);
    await rx.close();
    const deps = testDeps();
    const sink = createSink(config, deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^syslog: tcp:\/\/127\.0\.0\.1:(\d+): connect ECONNREFUSED 127\.0\.0\.1:\1; gave up after 3 attempts$/);
    expect(await counterValue(deps.metrics.retries, { component: 'syslog' })).toBe(2);
    expect(await counterValue(deps.metrics.batches, { sink: 'syslog', result: 'failed' })).toBe(1);
    await sink.close();
    rx = await new SyslogReceiver(createServer()).start();
  });

  test('concurrent batches arrive whole, each frame intact', async () => {
    const sink = createSink(tcp({ batchSize: 3 } as Partial<SinkConfig>), testDeps());
    const a = events(20, { logGroup: 'a' });
    const b = events(20, { logGroup: 'b' });
    await Promise.all([sink.send(a), sink.send(b)]);
    await waitFor(() => rx.frames.length === 40, 'forty frames');
    const got = rx.frames.map((f) => JSON.parse(parseRfc5424(f).msg) as NormalizedEvent);
    expect(got.filter((e) => e.logGroup === 'a')).toEqual(a);
    expect(got.filter((e) => e.logGroup === 'b')).toEqual(b);
    await sink.close();
  });
});

const describeTls = opensslAvailable() ? describe : describe.skip;

describeTls('syslog over TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = generatePki();
  });
  afterAll(() => removeDir(pki.dir));

  const server = (mutual: boolean) =>
    new SyslogReceiver(
      createTlsServer({
        key: readFileSync(pki.serverKey),
        cert: readFileSync(pki.serverCert),
        ...(mutual ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(pki.caCert) } : {}),
      }),
      true,
    ).start();

  test('verifies the receiver against the configured CA, by name and by IP address', async () => {
    const rx = await server(false);
    try {
      for (const host of ['localhost', '127.0.0.1']) {
        const sink = createSink({ type: 'syslog', protocol: 'tls', host, port: rx.port, tls: { caFile: pki.caCert }, retry: fastRetry() }, testDeps());
        await sink.send([event(0)]);
        await sink.close();
      }
      await waitFor(() => rx.frames.length === 2, 'two frames');
      expect(JSON.parse(parseRfc5424(rx.frames[0]).msg)).toEqual(event(0));
    } finally {
      await rx.close();
    }
  });

  test('presents a client certificate to a receiver that requires one', async () => {
    const rx = await server(true);
    try {
      const sink = createSink(
        {
          type: 'syslog',
          protocol: 'tls',
          host: 'localhost',
          port: rx.port,
          tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey },
          retry: fastRetry(),
        },
        testDeps(),
      );
      await sink.send(events(3));
      await waitFor(() => rx.frames.length === 3, 'three frames');
      expect(rx.peerNames).toEqual(['cwl-siem-collector']);
      await sink.close();
    } finally {
      await rx.close();
    }
  });

  test('a receiver certificate from another CA fails at once with a non-retryable SinkError', async () => {
    const rx = await server(false);
    try {
      const deps = testDeps();
      const sink = createSink(
        { type: 'syslog', protocol: 'tls', host: 'localhost', port: rx.port, tls: { caFile: pki.otherCaCert }, retry: fastRetry(5) },
        deps,
      );
      const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
      expect(err).toBeInstanceOf(SinkError);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(
        /^syslog: tls:\/\/localhost:\d+: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\) \(not retryable\)$/,
      );
      expect(await counterValue(deps.metrics.retries, { component: 'syslog' })).toBe(0);
      expect(rx.frames).toEqual([]);
      await sink.close();
    } finally {
      await rx.close();
    }
  });

  test("a name the receiver's certificate does not hold is refused", async () => {
    const rx = await server(false);
    try {
      const sink = createSink(
        { type: 'syslog', protocol: 'tls', host: '127.0.0.1', port: rx.port, tls: { caFile: pki.caCert, servername: 'siem.example.com' }, retry: fastRetry() },
        testDeps(),
      );
      const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match/);
      await sink.close();
    } finally {
      await rx.close();
    }
  });
});

describe('syslog over UDP', () => {
  let rx: UdpSocket;
  let datagrams: Buffer[];
  beforeEach(async () => {
    datagrams = [];
    rx = createSocket('udp4');
    rx.on('message', (m) => datagrams.push(m));
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise<void>((resolve) => rx.close(() => resolve())));

  const udp = (): SinkConfig => ({ type: 'syslog', protocol: 'udp', host: '127.0.0.1', port: rx.address().port, hostname: 'collector-1', retry: fastRetry() });

  test('sends each message as one datagram, without octet counting', async () => {
    const deps = testDeps();
    const sink = createSink(udp(), deps);
    await sink.send(events(3));
    await waitFor(() => datagrams.length === 3, 'three datagrams');
    expect(datagrams.map((d) => JSON.parse(parseRfc5424(d.toString('utf8')).msg))).toEqual(events(3));
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'syslog' })).toBe(3);
    await sink.close();
  });

  test(`truncates a message longer than ${UDP_MAX_BYTES} bytes at a character boundary, with a warning`, async () => {
    const deps = testDeps();
    const sink = createSink(udp(), deps);
    const big = event(0, { message: '€'.repeat(30_000) });
    await sink.send([big]);
    await waitFor(() => datagrams.length === 1, 'one datagram');
    const d = datagrams[0];
    expect(d.length).toBeLessThanOrEqual(UDP_MAX_BYTES);
    expect(d.length).toBeGreaterThan(UDP_MAX_BYTES - 4);
    expect(Buffer.from(d.toString('utf8'), 'utf8').equals(d)).toBe(true);
    expect(parseRfc5424(d.toString('utf8')).sd['cwl@32473'].id).toBe(big.id);
    expect(deps.logs.join('')).toContain('truncated');
    await sink.close();
  });
});

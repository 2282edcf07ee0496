import { createSocket, Socket as UdpSocket } from 'dgram';
import { promises as dns } from 'dns';
import { hostname as osHostname } from 'os';
import { connect as netConnect, isIP, Socket } from 'net';
import { connect as tlsConnect } from 'tls';
import { NormalizedEvent } from '../types';
import { BatchSink, LoadedTls, Mutex, SinkDeps, SinkRequest, loadTls, retryPolicy } from './common';
import { SD_ID_PATTERN, SINK_DEFAULTS, SinkConfigError, SyslogSinkConfig } from './config';
import { describeError } from './retry';

/** MSGID of every message. */
export const MSG_ID = 'cwl';
/**
 * Largest UDP datagram the sink sends. Longer messages are cut at a UTF-8 character boundary (and a
 * warning is logged): a datagram cannot be split, the IPv4 limit is 65,507 bytes, and a truncated
 * message is more useful to a SIEM than a dropped one or a batch that can never be delivered.
 */
export const UDP_MAX_BYTES = 65_000;

/** What the RFC 5424 header and the CEF header need besides the event. */
export interface SyslogFormatOptions {
  readonly facility: number;
  readonly severity: number;
  readonly hostname: string;
  readonly appName: string;
  readonly format: 'json' | 'cef';
  readonly serialize: (e: NormalizedEvent) => string;
  /** SD-ID of the structured-data element. @default SINK_DEFAULTS.syslog.structuredDataId */
  readonly structuredDataId?: string;
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - cwl [SD-ID logGroup=".." logStream=".."
 * owner=".." id=".." type=".."] MSG`, where SD-ID is `structuredDataId` (`cwl@32473` unless
 * configured) and MSG the event as JSON or a CEF record (no BOM, which many receivers would keep as
 * part of the text). TIMESTAMP is the event's, in UTC with milliseconds. No value from the event puts
 * a raw control character (a line break) in the message: see the escapers below.
 */
export function formatRfc5424(event: NormalizedEvent, o: SyslogFormatOptions): string {
  const pri = o.facility * 8 + o.severity;
  const params: [string, string | undefined][] = [
    ['logGroup', event.logGroup],
    ['logStream', event.logStream],
    ['owner', event.owner],
    ['id', event.id],
    ['type', event.type],
  ];
  const sd = `[${o.structuredDataId ?? SINK_DEFAULTS.syslog.structuredDataId}${params
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeSdParam(String(v))}"`)
    .join('')}]`;
  const msg = o.format === 'cef' ? formatCef(event, o.severity) : escapeJsonLineBreaks(o.serialize(event));
  return `<${pri}>1 ${syslogTimestamp(event.timestamp)} ${headerField(o.hostname, 255)} ${headerField(o.appName, 48)} - ${MSG_ID} ${sd} ${msg}`;
}

/**
 * Control characters: C0 (LF, CR, NUL, tab…), DEL, C1 (NEL…) and the Unicode line and paragraph
 * separators; any of them may end a line for some receiver, file or viewer.
 */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * JSON text with the control characters JSON.stringify leaves raw (DEL, C1 such as NEL, U+2028,
 * U+2029) written as `\uXXXX` escapes: the same JSON value, on one line for every reader. (They can
 * only occur inside JSON strings, where the escape means the same character.)
 */
export function escapeJsonLineBreaks(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * SD-PARAM value escaping (RFC 5424 §6.3.3): `"`, `\` and `]` get a backslash. The RFC has no escape
 * for control characters, so each is replaced by a space: a value can never start a new line.
 */
export function escapeSdParam(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`).replace(CONTROL_CHARS, ' ');
}

function syslogTimestamp(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  return Number.isFinite(ms) && year >= 0 && year <= 9999 ? d.toISOString() : '-';
}

/** A header field: printable US-ASCII only (others become `_`), bounded, `-` when empty. */
function headerField(value: string, max: number): string {
  const v = value.replace(/[^!-~]/g, '_').slice(0, max);
  return v === '' ? '-' : v;
}

/** CEF severity (0-10) of each syslog severity (0 emergency … 7 debug). */
const CEF_SEVERITY = [10, 9, 8, 7, 5, 4, 3, 1] as const;

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'IPv6-ICMP' };

/**
 * A CEF record: `CEF:0|AWS|CloudWatch Logs|1.0|<type or "log">|<logGroup>|<severity>|<extension>`;
 * extension `rt cs1Label cs1 (log group) cs2Label cs2 (log stream) cs3Label cs3 (owner) externalId
 * (event id)`, for VPC flow logs `src dst spt dpt proto act` when present, and `msg` last.
 */
export function formatCef(event: NormalizedEvent, syslogSeverity: number): string {
  const header = ['CEF:0', 'AWS', 'CloudWatch Logs', '1.0', event.type ?? 'log', event.logGroup, String(CEF_SEVERITY[syslogSeverity] ?? 3)];
  const ext: [string, unknown][] = [
    ['rt', Number.isFinite(event.timestamp) ? Math.trunc(event.timestamp) : undefined],
    ['cs1Label', 'logGroup'],
    ['cs1', event.logGroup],
    ['cs2Label', 'logStream'],
    ['cs2', event.logStream],
    ['cs3Label', 'owner'],
    ['cs3', event.owner],
    ['externalId', event.id],
  ];
  if (event.type === 'vpcflow' && event.fields) {
    const f = event.fields;
    const proto = typeof f.protocol === 'number' ? (PROTOCOL_NAMES[f.protocol] ?? String(f.protocol)) : f.protocol;
    ext.push(['src', f.srcaddr], ['dst', f.dstaddr], ['spt', f.srcport], ['dpt', f.dstport], ['proto', proto], ['act', f.action]);
  }
  ext.push(['msg', event.message]);
  const extension = ext
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${escapeCefExtension(String(v))}`)
    .join(' ');
  return `${header.map((h, i) => (i === 0 ? h : escapeCefHeader(h))).join('|')}|${extension}`;
}

/** CEF header escaping: `\` and `|` get a backslash; each control character (line breaks are not allowed in the header) becomes a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(CONTROL_CHARS, ' ');
}

/** CEF extension value escaping: `\` and `=` get a backslash; CR and LF become `\r` and `\n` (the CEF spec's escapes); other control characters a space. */
export function escapeCefExtension(value: string): string {
  return value.replace(/[\\=\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`)).replace(CONTROL_CHARS, ' ');
}

/** RFC 6587 octet counting: `LEN SP MSG`, LEN in bytes. */
export function octetCountingFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** The first `max` bytes of `buf`, cut before a UTF-8 character that would not fit whole. */
export function truncateUtf8(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/**
 * RFC 5424 syslog over TCP, TLS or UDP (see `SyslogSinkConfig`). TCP/TLS: one connection, opened on
 * first use and again lazily after it broke; each request is one write of its octet-counted frames,
 * delivered when the write callback fired. Syslog has no acknowledgement above TCP, so bytes the
 * kernel accepted just before the receiver went away can still be lost. UDP: each message one
 * datagram, delivered when handed to the kernel; there is no acknowledgement at all.
 */
export class SyslogSink extends BatchSink {
  private readonly protocol: 'tcp' | 'tls' | 'udp';
  private readonly host: string;
  private readonly port: number;
  private readonly tls?: LoadedTls;
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly fmt: SyslogFormatOptions;
  private readonly lock = new Mutex();
  private socket?: Socket;
  private udp?: UdpSocket;

  constructor(config: SyslogSinkConfig, deps: SinkDeps) {
    super('syslog', deps, retryPolicy(config.retry, '$.sink'), { batchSize: config.batchSize ?? SINK_DEFAULTS.syslog.batchSize });
    const d = SINK_DEFAULTS.syslog;
    this.protocol = config.protocol ?? d.protocol;
    if (!config.host) throw new SinkConfigError('must be a host name or address', '$.sink.host');
    this.host = config.host;
    this.port = config.port ?? d.port[this.protocol];
    if (config.tls !== undefined && this.protocol !== 'tls') {
      throw new SinkConfigError(`is only used with protocol "tls", but protocol is "${this.protocol}": remove tls, or set protocol to "tls"`, '$.sink.tls');
    }
    if (this.protocol === 'tls') this.tls = loadTls(config.tls, '$.sink');
    this.connectTimeoutMs = config.connectTimeoutMs ?? d.connectTimeoutMs;
    this.timeoutMs = config.timeoutMs ?? d.timeoutMs;
    const facility = config.facility ?? d.facility;
    const severity = config.severity ?? d.severity;
    if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new SinkConfigError(`must be an integer 0-23, got ${facility}`, '$.sink.facility');
    if (!Number.isInteger(severity) || severity < 0 || severity > 7) throw new SinkConfigError(`must be an integer 0-7, got ${severity}`, '$.sink.severity');
    const structuredDataId = config.structuredDataId ?? d.structuredDataId;
    this.fmt = {
      facility,
      severity,
      hostname: config.hostname ?? osHostname(),
      appName: config.appName ?? d.appName,
      format: config.format ?? d.format,
      serialize: this.serialize,
      structuredDataId,
    };
    if (!SD_ID_PATTERN.test(structuredDataId)) {
      throw new SinkConfigError(
        `must be an RFC 5424 SD-ID name@<enterprise number> of at most 32 characters, got ${JSON.stringify(structuredDataId)}`,
        '$.sink.structuredDataId',
      );
    }
  }

  private get target(): string {
    return `${this.protocol}://${isIP(this.host) === 6 ? `[${this.host}]` : this.host}:${this.port}`;
  }

  protected encode(event: NormalizedEvent): Buffer {
    const message = formatRfc5424(event, this.fmt);
    if (this.protocol !== 'udp') return octetCountingFrame(message);
    const buf = Buffer.from(message, 'utf8');
    if (buf.length <= UDP_MAX_BYTES) return buf;
    this.logger.warn({ id: event.id, bytes: buf.length, maxBytes: UDP_MAX_BYTES }, 'syslog message longer than a UDP datagram may be: truncated');
    return truncateUtf8(buf, UDP_MAX_BYTES);
  }

  protected deliver(request: SinkRequest): Promise<void> {
    return this.lock.run(() => (this.protocol === 'udp' ? this.sendDatagrams(request) : this.write(Buffer.concat(request.pieces as Buffer[], request.bytes))));
  }

  protected release(): Promise<void> {
    return this.lock.run(async () => {
      const socket = this.socket;
      this.socket = undefined;
      if (socket && !socket.destroyed) {
        // Every write was already flushed; end() adds the FIN (and TLS close_notify). Waiting for the
        // receiver to close its side too could take forever, so the socket is destroyed once that is out.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            socket.destroy();
            resolve();
          };
          const timer = setTimeout(done, Math.min(this.timeoutMs, 5000));
          socket.once('close', done);
          socket.end(done);
        });
      }
      const udp = this.udp;
      this.udp = undefined;
      if (udp) await new Promise<void>((resolve) => closeQuietly(udp, resolve));
    });
  }

  private async write(data: Buffer): Promise<void> {
    const socket = this.socket && !this.socket.destroyed && this.socket.writable ? this.socket : await this.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const finish = (err?: Error | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.off('close', onClose);
          if (err) reject(err);
          else resolve();
        };
        const onClose = () => finish(errorWithCode(`connection to ${this.target} closed before the write completed`, 'ECONNRESET'));
        const timer = setTimeout(() => finish(errorWithCode(`write to ${this.target} not flushed within ${this.timeoutMs} ms`, 'ETIMEDOUT')), this.timeoutMs);
        socket.once('close', onClose);
        socket.write(data, (err) => finish(err));
      });
    } catch (e) {
      this.drop(socket);
      throw e;
    }
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }

  private connect(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket =
        this.protocol === 'tls'
          ? tlsConnect({
              host: this.host,
              port: this.port,
              ca: this.tls?.ca,
              cert: this.tls?.cert,
              key: this.tls?.key,
              // Node derives SNI from a host name itself and must not be given an IP address.
              servername: this.tls?.servername ?? (isIP(this.host) ? undefined : this.host),
              rejectUnauthorized: this.tls?.rejectUnauthorized ?? true,
            })
          : netConnect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        const err = errorWithCode(`connecting to ${this.target} took longer than ${this.connectTimeoutMs} ms`, 'ETIMEDOUT');
        socket.destroy();
        reject(err);
      }, this.connectTimeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(withTarget(err, this.target));
      };
      socket.once('error', onError);
      socket.once(this.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setKeepAlive(true, 30_000);
        socket.setNoDelay(true);
        // A receiver that closes or fails the connection makes the next request reconnect.
        socket.on('error', (err) => this.logger.warn({ target: this.target, error: describeError(err) }, 'syslog connection failed'));
        socket.once('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private async sendDatagrams(request: SinkRequest): Promise<void> {
    const udp = this.udp ?? (await this.openUdp());
    try {
      for (const piece of request.pieces) {
        await new Promise<void>((resolve, reject) => udp.send(piece, (err) => (err ? reject(withTarget(err, this.target)) : resolve())));
      }
    } catch (e) {
      if (this.udp === udp) this.udp = undefined;
      closeQuietly(udp);
      throw e;
    }
  }

  private async openUdp(): Promise<UdpSocket> {
    const family = isIP(this.host) || (await dns.lookup(this.host)).family;
    const udp = createSocket(family === 6 ? 'udp6' : 'udp4');
    // A connected UDP socket resolves the host once and reports ICMP port-unreachable as ECONNREFUSED.
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.connect(this.port, this.host, () => {
        udp.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      closeQuietly(udp);
      throw withTarget(e, this.target);
    });
    udp.on('error', (err) => {
      this.logger.warn({ target: this.target, error: describeError(err) }, 'syslog UDP socket failed');
      if (this.udp === udp) this.udp = undefined;
    });
    this.udp = udp;
    return udp;
  }
}

function closeQuietly(udp: UdpSocket, done?: () => void): void {
  try {
    udp.close(done);
  } catch {
    // Already closed.
    done?.();
  }
}

function errorWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The error with the target in its message (a TLS error alone does not say which server), code kept. */
function withTarget(err: Error, target: string): Error {
  if (err.message.includes(target)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return Object.assign(new Error(`${target}: ${err.message}`), code === undefined ? {} : { code });
}

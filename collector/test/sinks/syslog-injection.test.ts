/**
 * What an event carries cannot forge syslog lines or fields: RFC 5424 SD-PARAM values escape `"`,
 * `\` and `]` and carry no control character (each is replaced by a space: the RFC has no escape for
 * them, and a raw LF starts a new line for any receiver or file that splits on lines); CEF headers
 * escape `|` and `\` and replace each control character by a space; extension values escape `\`
 * and `=`, CR and LF become `\r` and `\n`, other control characters a space. The SD-ID is configurable (`structuredDataId`, an RFC 5424 `name@<digits>`).
 */
import Ajv from 'ajv';
import { createServer, Socket } from 'net';
import { parseCollectorConfig } from '../../src/config/load';
import { createSink, SINK_DEFAULTS, sinkConfigSchema, SinkConfigError } from '../../src/sinks';
import { escapeCefExtension, escapeCefHeader, escapeSdParam, formatCef, formatRfc5424 } from '../../src/sinks/syslog';
import { NormalizedEvent } from '../../src/types';
import { closeServer, event, fastRetry, listen, OctetFrameParser, parseRfc5424, port, testDeps } from './helpers';

/** Every character that ends or breaks a line somewhere: C0 controls, DEL, C1 controls (NEL), U+2028/U+2029. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const FORGED = '<13>1 2026-01-01T00:00:00Z evil app - - [x@1 a="b"] forged';
const INJECTIONS = [`a\n${FORGED}`, `a\r\n${FORGED}`, `a\r${FORGED}`, `a\u0085${FORGED}`, `a\u2028b\u2029c`, 'tab\there\u000bvt\u000cff\u0000nul\u007fdel'];

const fmt = { facility: 16, severity: 6, hostname: 'collector-1', appName: 'cwl-siem', format: 'json' as const, serialize: JSON.stringify };

describe('RFC 5424 structured data', () => {
  test.each(INJECTIONS)('an SD-PARAM value with control characters stays on one line: %j', (text) => {
    const escaped = escapeSdParam(text);
    expect(escaped).not.toMatch(CONTROL);
    const line = formatRfc5424(event(0, { logGroup: text, logStream: `x"]\\${text}`, owner: text, type: 'json' }), fmt);
    expect(line.slice(0, line.indexOf(' {'))).not.toMatch(CONTROL);
    const m = parseRfc5424(line);
    expect(Object.keys(m.sd)).toEqual(['cwl@32473']);
    expect(m.sd['cwl@32473'].logGroup).toBe(text.replace(new RegExp(CONTROL.source, 'g'), ' '));
    expect(m.sd['cwl@32473'].logStream).toBe(`x"]\\${text}`.replace(new RegExp(CONTROL.source, 'g'), ' '));
    expect(JSON.parse(m.msg).logGroup).toBe(text);
  });

  test('the SD-ID is the configured one', () => {
    const m = parseRfc5424(formatRfc5424(event(0), { ...fmt, structuredDataId: 'acme@53864' }));
    expect(Object.keys(m.sd)).toEqual(['acme@53864']);
    expect(m.rawSd).toMatch(/^\[acme@53864 logGroup=/);
  });
});

/** The seven header fields (unescaped) and the extension of a CEF record, split as a CEF parser does: at the first seven unescaped pipes. */
function parseCef(record: string): { header: string[]; extension: string } {
  const header: string[] = [];
  let field = '';
  let i = 0;
  for (; i < record.length && header.length < 7; i++) {
    const c = record[i];
    if (c === '\\' && (record[i + 1] === '\\' || record[i + 1] === '|')) field += record[++i];
    else if (c === '|') {
      header.push(field);
      field = '';
    } else field += c;
  }
  return { header, extension: record.slice(i) };
}

describe('CEF', () => {
  test.each(INJECTIONS)('header and extension values carry no raw control character: %j', (text) => {
    expect(escapeCefHeader(text)).not.toMatch(CONTROL);
    expect(escapeCefExtension(text)).not.toMatch(CONTROL);
    const record = formatCef(event(0, { logGroup: `g|${text}`, type: `t\\${text}` as NormalizedEvent['type'], message: `m=1 ${text} act=forged` }), 6);
    expect(record).not.toMatch(CONTROL);
    // The seven header fields hold what they should: no pipe injected a field.
    const { header, extension } = parseCef(record);
    const sanitized = (v: string) => v.replace(new RegExp(CONTROL.source, 'g'), ' ');
    expect(header).toEqual(['CEF:0', 'AWS', 'CloudWatch Logs', '1.0', sanitized(`t\\${text}`), sanitized(`g|${text}`), '3']);
    // The extension keys are only those the collector writes: no `=` injected a key.
    const keys = [...extension.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)].map((k) => k[1]);
    expect(keys).toEqual(['rt', 'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'externalId', 'msg']);
  });

  test('CR and LF in extension values are \\r and \\n as the CEF spec says; other controls become spaces', () => {
    expect(escapeCefExtension('a\r\nb\u000bc\u0085d')).toBe('a\\r\\nb c d');
    expect(escapeCefHeader('a\r\nb\u000bc|d\\')).toBe('a  b c\\|d\\\\');
  });
});

describe('syslog sink against a TCP receiver', () => {
  test('events full of injection strings arrive as exactly one frame each, every frame one line', async () => {
    const frames: string[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      const parser = new OctetFrameParser();
      socket.on('data', (c: Buffer) => {
        parser.push(c);
        frames.splice(0, frames.length, ...parser.frames);
      });
    });
    await listen(server);
    try {
      for (const format of ['json', 'cef'] as const) {
        frames.length = 0;
        const sink = createSink(
          { type: 'syslog', protocol: 'tcp', host: '127.0.0.1', port: port(server), format, structuredDataId: 'acme@53864', retry: fastRetry() },
          testDeps(),
        );
        const batch = INJECTIONS.map((text, i) => event(i, { logGroup: text, logStream: text, message: text }));
        await sink.send(batch);
        await sink.close();
        while (frames.length < batch.length) await new Promise((r) => setTimeout(r, 5));
        expect(frames).toHaveLength(batch.length);
        for (const f of frames) {
          expect(f).not.toMatch(CONTROL);
          const m = parseRfc5424(f);
          expect(Object.keys(m.sd)).toEqual(['acme@53864']);
        }
      }
    } finally {
      await closeServer(server, sockets);
    }
  });
});

describe('structuredDataId', () => {
  const validate = new Ajv({ strict: true, strictRequired: false, allErrors: true, useDefaults: true, allowUnionTypes: true }).compile({
    type: 'object',
    properties: { sink: sinkConfigSchema },
  });
  const check = (sink: Record<string, unknown>) => {
    const doc = { sink: { type: 'syslog', host: 'siem.example.com', ...sink } };
    return { ok: validate(doc) as boolean, sink: doc.sink as Record<string, unknown> };
  };

  test('defaults to cwl@32473 (the documentation enterprise number: set your own)', () => {
    expect(check({}).sink.structuredDataId).toBe('cwl@32473');
    expect(SINK_DEFAULTS.syslog.structuredDataId).toBe('cwl@32473');
  });

  test('a bad SD-ID is a config error at its path, at load and at start', () => {
    expect(() =>
      parseCollectorConfig(
        { source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'syslog', host: 'h', structuredDataId: 'cwl' } },
        't',
        {},
      ),
    ).toThrow(/\$\.sink\.structuredDataId: must be an RFC 5424 SD-ID name@<enterprise number>/);
    expect(() => createSink({ type: 'syslog', host: 'h', structuredDataId: 'no id' }, testDeps())).toThrow(
      new SinkConfigError('must be an RFC 5424 SD-ID name@<enterprise number> of at most 32 characters, got "no id"', '$.sink.structuredDataId'),
    );
  });

  test.each(['acme@53864', 'cwl-siem@1', 'x.y_z@123456789'])('accepts the RFC 5424 SD-ID %s', (id) => {
    expect(check({ structuredDataId: id }).ok).toBe(true);
  });

  test.each(['cwl', 'origin', 'acme@', '@123', 'a b@1', 'a=b@1', 'a]b@1', 'a"b@1', 'a@b@1', 'acme@12a', `${'x'.repeat(30)}@123`, 'ümlaut@1'])(
    'refuses %j (not name@<enterprise number>, or longer than 32 characters)',
    (id) => {
      expect(check({ structuredDataId: id }).ok).toBe(false);
    },
  );
});

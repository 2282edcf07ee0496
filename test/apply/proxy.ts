import { createServer, IncomingMessage, request, Server } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A proxy in front of moto for the collector, where moto answers differently from AWS in a way the
 * collector must not be changed for. It forwards every request as is; for the JSON-protocol
 * operations it names (`X-Amz-Target` ending in `.<Operation>`) it may act before answering, or
 * rewrite the answer.
 */
export type Hook = (answer: Buffer) => Promise<Buffer>;

export class MotoProxy {
  private server?: Server;
  constructor(
    private readonly motoPort: number,
    private readonly hooks: Readonly<Record<string, Hook>>,
    /** For plain GETs (S3 GetObject): rewrites the body of the objects whose request path it accepts. */
    private readonly objectHook?: { readonly accepts: (path: string) => boolean; readonly hook: Hook },
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const forward = request({ host: '127.0.0.1', port: this.motoPort, method: req.method, path: req.url, headers: req.headers }, (up: IncomingMessage) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const answer = Buffer.concat(parts);
            const operation =
              String(req.headers['x-amz-target'] ?? '')
                .split('.')
                .pop() ?? '';
            const objectHook = req.method === 'GET' && this.objectHook?.accepts(req.url ?? '') ? this.objectHook.hook : undefined;
            const hook = up.statusCode === 200 ? (this.hooks[operation] ?? objectHook) : undefined;
            const headers = { ...up.headers };
            delete headers['content-length'];
            // A rewritten body no longer matches the checksums moto computed for the original.
            if (objectHook) for (const h of Object.keys(headers)) if (/^(etag|content-md5|x-amz-checksum-)/.test(h)) delete headers[h];
            (hook ? hook(answer) : Promise.resolve(answer)).then(
              (body) => {
                res.writeHead(up.statusCode ?? 500, { ...headers, 'content-length': body.length });
                res.end(body);
              },
              (e: Error) => {
                const body = Buffer.from(JSON.stringify({ __type: 'ServiceUnavailableException', message: `apply harness proxy: ${e.message}` }));
                res.writeHead(503, { 'content-type': 'application/x-amz-json-1.1', 'content-length': body.length });
                res.end(body);
              },
            );
          });
        });
        forward.on('error', (e) => {
          res.writeHead(502);
          res.end(e.message);
        });
        forward.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  stop(): void {
    this.server?.close();
  }
}

/**
 * Kinesis GetRecords: moto's CloudWatch Logs subscription payloads carry integer `logEvents[].id`;
 * AWS sends each id as a string of 56 digits. The answer's records get string ids of that shape
 * (the integer, zero-padded), so the collector reads what AWS would send.
 */
export const awsEventIds: Hook = async (answer) => {
  const body = JSON.parse(answer.toString('utf8')) as { Records?: { Data: string }[] };
  for (const record of body.Records ?? []) {
    const payload = JSON.parse(gunzipSync(Buffer.from(record.Data, 'base64')).toString('utf8')) as { logEvents?: { id: unknown }[] };
    for (const e of payload.logEvents ?? []) if (typeof e.id === 'number') e.id = String(e.id).padStart(56, '0');
    record.Data = gzipSync(JSON.stringify(payload)).toString('base64');
  }
  return Buffer.from(JSON.stringify(body));
};

/** The JSON objects of a text holding them back to back with no delimiter (Firehose's object layout), as strings. */
export function jsonObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(text.slice(start, i + 1));
  }
  return out;
}

/** Gzip members back to back, each a CloudWatch Logs payload with integer ids, as moto's Firehose writes them: ids made AWS's strings. */
export const awsEventIdsInObject: Hook = async (answer) =>
  Buffer.concat(
    jsonObjects(gunzipSync(answer).toString('utf8')).map((text) => {
      const payload = JSON.parse(text) as { logEvents?: { id: unknown }[] };
      for (const e of payload.logEvents ?? []) if (typeof e.id === 'number') e.id = String(e.id).padStart(56, '0');
      return gzipSync(JSON.stringify(payload));
    }),
  );

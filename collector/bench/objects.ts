/**
 * Object decode throughput of the SQS and export modes: the same 200,000 VPC Flow Log events as
 * bench/decode.ts, packed as S3 objects the way each writer does it, through `decodeObjectChunks`
 * (the modes' decoder: sniffing, decoding, VPC parsing, event building) consumed as the pipeline
 * does (delivering every 5,000 events) and `serializeBatch` in slices of 500 (a sink's batch size):
 *
 * - firehose-gzip:  Firehose without processors: 50 subscription records (gzip members) per object;
 * - firehose-plain: Firehose with Decompression and S3 GZIP: one gzip of 50 JSON payloads, newline-separated;
 * - export:         export-task objects: one gzip of `<ISO time> <message>` lines per stream, 25,000 lines each.
 *
 * Rates are the median over rounds of CPU time (user + system); MB/s counts the object bytes read.
 * Run: npm run bench:objects -w collector   (ITERATIONS=n to change the number of timed rounds)
 */
import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { decodeObjectChunks, ObjectDecodeOptions } from '../src/decoders/object';
import { createParser } from '../src/parsers';
import { serializeBatch } from '../src/serialize';
import { NormalizedEvent } from '../src/types';
import { buildRecords } from './decode';

const ITERATIONS = Number(process.env.ITERATIONS ?? 5);
const PER_OBJECT = 50;

function main(): void {
  const records = buildRecords();
  const envelopes = records.map((r) => decodeKinesisRecord(r.data));
  const objects: Record<string, Buffer[]> = { 'firehose-gzip': [], 'firehose-plain': [], export: [] };
  for (let i = 0; i < records.length; i += PER_OBJECT) {
    objects['firehose-gzip'].push(Buffer.concat(records.slice(i, i + PER_OBJECT).map((r) => r.data)));
    const json = envelopes
      .slice(i, i + PER_OBJECT)
      .map((e) => JSON.stringify(e))
      .join('\n');
    objects['firehose-plain'].push(zlib.gzipSync(json));
  }
  // Export objects hold one stream each, sorted by time.
  const byStream = new Map<string, string[]>();
  for (const e of envelopes) {
    const lines = byStream.get(e.logStream) ?? [];
    for (const ev of e.logEvents) lines.push(`${new Date(ev.timestamp).toISOString()} ${ev.message}`);
    byStream.set(e.logStream, lines);
  }
  const all = [...byStream.values()].flat();
  for (let i = 0; i < all.length; i += 25_000) objects.export.push(zlib.gzipSync(`${all.slice(i, i + 25_000).join('\n')}\n`));

  const parser = createParser();
  const options: ObjectDecodeOptions = { format: 'auto', parser, context: { logGroup: '/aws/vpc/flow-logs', owner: '123456789012' }, timestamp: 0 };
  let chars = 0;
  const run = (kind: string) => {
    let events = 0;
    for (const [i, data] of objects[kind].entries()) {
      // As the pipeline consumes an object: chunk by chunk, delivered every 5,000 events, and the
      // sink serializing slices of its batchSize (500 by default).
      let pending: NormalizedEvent[] = [];
      const flush = () => {
        for (let j = 0; j < pending.length; j += 500) chars += serializeBatch(pending.slice(j, j + 500)).length;
        events += pending.length;
        pending = [];
      };
      for (const chunk of decodeObjectChunks(
        data,
        { kind: kind === 'export' ? 'export-object' : 'firehose-object', bucket: 'b', key: `k/${i}/000000.gz` },
        options,
      )) {
        for (const e of chunk) pending.push(e);
        if (pending.length >= 5000) flush();
      }
      flush();
    }
    return events;
  };
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`object decode bench: ${fmt(all.length)} VPC flow log events per kind; ${ITERATIONS} rounds after 1 warm-up (cpu time)`);
  for (const kind of Object.keys(objects)) {
    const bytes = objects[kind].reduce((n, b) => n + b.length, 0);
    run(kind);
    const rates: number[] = [];
    let events = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const cpu = process.cpuUsage();
      events = run(kind);
      const c = process.cpuUsage(cpu);
      rates.push((c.user + c.system) / 1e6);
    }
    const secs = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)];
    console.log(
      `${kind.padEnd(15)} ${String(objects[kind].length).padStart(4)} objects ${(bytes / 1e6).toFixed(1).padStart(5)} MB   ${fmt(events / secs).padStart(10)} events/s   ${(bytes / 1e6 / secs).toFixed(1).padStart(6)} MB/s`,
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (${fmt(chars)} NDJSON chars produced)`);
}

main();

/**
 * Decode throughput: 400 CloudWatch Logs subscription records of 500 VPC Flow Log events each
 * (default format, varied values), gzipped as CloudWatch writes them to Kinesis.
 *
 * - floor: gunzip + JSON.parse, the least any decoder must do;
 * - full:  decodeKinesisRecord → envelopeToEvents (VPC parse) → serializeBatch → a null sink.
 *
 * Floor and full runs alternate after a warm-up, so both see the same machine load. Rates are
 * medians; `ratio` = full / floor events per second, the median of the rounds' ratios (goal:
 * >= 0.5). Wall-clock and CPU-time (user + system of this process) figures are both printed: on a
 * shared machine CPU time is the steadier. `full+utf8` also encodes each batch to a UTF-8 Buffer,
 * as a socket or file sink must; it is printed for information.
 *
 * Run: npm run bench -w collector   (ITERATIONS=n to change the number of timed rounds)
 */
import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch } from '../src/serialize';
import { EventOrigin } from '../src/types';

const RECORDS = 400;
const EVENTS_PER_RECORD = 500;
const ITERATIONS = Number(process.env.ITERATIONS ?? 7);

// Deterministic pseudo-random numbers, so every run measures the same data.
let seed = 0x2545f491;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];

function ipv4Private(): string {
  return `10.${rand(4)}.${rand(256)}.${1 + rand(254)}`;
}
function ipv4Public(): string {
  return `${pick([3, 13, 18, 34, 52, 54, 104, 142, 151, 172, 185, 203])}.${rand(256)}.${rand(256)}.${1 + rand(254)}`;
}
function ipv6(): string {
  return `2600:1f18:${rand(0xffff).toString(16)}:${rand(0xffff).toString(16)}::${rand(0xffff).toString(16)}`;
}

function flowLine(account: string, eni: string, self: string, t: number): { message: string; start: number } {
  const start = t - rand(600);
  const end = start + 1 + rand(60);
  const r = rand(1000);
  if (r < 8) return { message: `2 ${account} ${eni} - - - - - - - ${start} ${end} - ${r < 6 ? 'NODATA' : 'SKIPDATA'}`, start };
  const v6 = r > 980;
  const local = v6 ? ipv6() : self;
  const peer = v6 ? ipv6() : rand(3) === 0 ? ipv4Private() : ipv4Public();
  const proto = pick([6, 6, 6, 6, 6, 17, 17, 1]);
  const service = pick([443, 443, 443, 80, 22, 53, 3306, 5432, 6379, 8080, 123]);
  const ephemeral = 32768 + rand(28232);
  const inbound = rand(2) === 0;
  const [src, dst] = inbound ? [peer, local] : [local, peer];
  const [sport, dport] = proto === 1 ? [0, 0] : inbound ? [ephemeral, service] : [ephemeral, service];
  const packets = 1 + rand(rand(10) === 0 ? 100000 : 200);
  const bytes = packets * (40 + rand(1460));
  const action = rand(20) === 0 ? 'REJECT' : 'ACCEPT';
  return { message: `2 ${account} ${eni} ${src} ${dst} ${sport} ${dport} ${proto} ${packets} ${bytes} ${start} ${end} ${action} OK`, start };
}

export function buildRecords(): { data: Buffer; origin: EventOrigin }[] {
  const account = '123456789012';
  const records: { data: Buffer; origin: EventOrigin }[] = [];
  let idBase = 37000000000000000000000000000000000000000000000000000000n;
  let seq = 49590338271490256608559692538361571095921575989136588898n;
  for (let r = 0; r < RECORDS; r++) {
    // CloudWatch Logs names a flow log's streams after the network interface.
    const eni = `eni-0${(0x1000000000000000n + BigInt(rand(0x7fffffff)) * 0x10001n).toString(16).slice(0, 16)}`;
    const self = ipv4Private();
    const t = 1718000000 + r * 5;
    const logEvents = [];
    for (let i = 0; i < EVENTS_PER_RECORD; i++) {
      const { message, start } = flowLine(account, eni, self, t);
      logEvents.push({ id: (idBase += 1n + BigInt(rand(1 << 20))).toString(), timestamp: start * 1000, message });
    }
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: account,
      logGroup: '/aws/vpc/flow-logs',
      logStream: `${eni}-all`,
      subscriptionFilters: ['to-kinesis'],
      logEvents,
    };
    records.push({
      data: zlib.gzipSync(JSON.stringify(payload), { level: 6 }),
      origin: { kind: 'kinesis', stream: 'cwl-siem', shard: `shardId-00000000000${r % 4}`, sequenceNumber: (seq += 1n).toString() },
    });
  }
  return records;
}

interface Run {
  events: number;
  wallNs: number;
  cpuUs: number;
}

function timed(fn: () => number): Run {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const events = fn();
  const wallNs = Number(process.hrtime.bigint() - t);
  const c = process.cpuUsage(cpu);
  return { events, wallNs, cpuUs: c.user + c.system };
}

function main(): void {
  const records = buildRecords();
  const compressed = records.reduce((n, r) => n + r.data.length, 0);
  const parser = createParser();
  let sinkChars = 0;
  let sinkBytes = 0;
  // The null sink: takes the batch and drops it, as a sink writing to /dev/null would.
  const nullSink = { write: (chunk: string) => void (sinkChars += chunk.length) };
  const encodingSink = { write: (chunk: string) => void (sinkBytes += Buffer.from(chunk, 'utf8').length) };

  const floor = (): number => {
    let n = 0;
    for (const r of records) n += (JSON.parse(zlib.gunzipSync(r.data).toString('utf8')) as { logEvents: unknown[] }).logEvents.length;
    return n;
  };
  const full = (sink: { write(s: string): void }) => (): number => {
    let n = 0;
    for (const r of records) {
      const events = envelopeToEvents(decodeKinesisRecord(r.data), r.origin, parser);
      sink.write(serializeBatch(events));
      n += events.length;
    }
    return n;
  };

  for (let i = 0; i < 2; i++) {
    floor();
    full(nullSink)();
    full(encodingSink)();
  }
  const runs: { floor: Run[]; full: Run[]; utf8: Run[] } = { floor: [], full: [], utf8: [] };
  for (let i = 0; i < ITERATIONS; i++) {
    runs.floor.push(timed(floor));
    runs.full.push(timed(full(nullSink)));
    runs.utf8.push(timed(full(encodingSink)));
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rateOf = (r: Run, by: 'wallNs' | 'cpuUs') => r.events / (by === 'wallNs' ? r.wallNs / 1e9 : r.cpuUs / 1e6);
  // Ratios are taken round by round (adjacent runs), so a machine that slows down or speeds up
  // between rounds does not skew them; the figure is their median.
  const pairedRatio = (rs: Run[], by: 'wallNs' | 'cpuUs') => median(rs.map((r, i) => rateOf(r, by) / rateOf(runs.floor[i], by)));
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const events = RECORDS * EVENTS_PER_RECORD;
  const rssMiB = process.resourceUsage().maxRSS / 1024;

  console.log(
    `decode bench: ${RECORDS} records x ${EVENTS_PER_RECORD} VPC flow log events = ${fmt(events)} events, ${(compressed / 1e6).toFixed(1)} MB gzip; ${ITERATIONS} rounds after 2 warm-up`,
  );
  console.log(
    `output: ${(sinkChars / (ITERATIONS + 2) / events).toFixed(0)} chars (${(sinkBytes / (ITERATIONS + 2) / events).toFixed(0)} UTF-8 bytes) of NDJSON per event`,
  );
  for (const by of ['wallNs', 'cpuUs'] as const) {
    const rate = (rs: Run[]) => fmt(median(rs.map((r) => rateOf(r, by)))).padStart(10);
    console.log(
      `${by === 'wallNs' ? 'wall' : 'cpu '}  floor ${rate(runs.floor)} events/s   full ${rate(runs.full)} events/s   ratio=${pairedRatio(runs.full, by).toFixed(2)}   full+utf8 ${rate(runs.utf8)} events/s (ratio ${pairedRatio(runs.utf8, by).toFixed(2)})`,
    );
  }
  const best = (rs: Run[]) => Math.max(...rs.map((r) => rateOf(r, 'cpuUs')));
  console.log(
    `best  floor ${fmt(best(runs.floor)).padStart(10)} events/s   full ${fmt(best(runs.full)).padStart(10)} events/s   ratio=${(best(runs.full) / best(runs.floor)).toFixed(2)}   (cpu time, fastest round of each)`,
  );
  console.log(`peak RSS ${rssMiB.toFixed(0)} MiB`);
}

if (require.main === module) main();

import { buildRecords } from './decode';
import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch } from '../src/serialize';
const recs = buildRecords().slice(0, 100);
const parser = createParser();
const envs = recs.map((r) => decodeKinesisRecord(r.data));
const batches = recs.map((r, i) => envelopeToEvents(envs[i], r.origin, parser));
const N = recs.length * 500; let sink = 0;
const t: Record<string, () => void> = {
  floor: () => { for (const r of recs) sink += JSON.parse(zlib.gunzipSync(r.data).toString('utf8')).logEvents.length; },
  decode: () => { for (const r of recs) sink += decodeKinesisRecord(r.data).logEvents.length; },
  toEvents: () => { for (let i = 0; i < recs.length; i++) sink += envelopeToEvents(envs[i], recs[i].origin, parser).length; },
  serialize: () => { for (const b of batches) sink += serializeBatch(b).length; },
  parseOnly: () => { for (const e of envs) for (const l of e.logEvents) sink += parser.parse(l.message, e.logGroup) ? 1 : 0; },
};
const best: Record<string, number> = {};
for (let it = 0; it < 10; it++) for (const [k, f] of Object.entries(t)) { const s = process.hrtime.bigint(); f(); const dt = Number(process.hrtime.bigint() - s) / N; best[k] = Math.min(best[k] ?? 1e9, dt); }
console.log(Object.entries(best).map(([k, v]) => k + '=' + v.toFixed(0)).join(' '), ' extra/floor=', ((best.decode + best.toEvents + best.serialize - best.floor) / best.floor).toFixed(2), 'ratio~', (best.floor / (best.decode + best.toEvents + best.serialize)).toFixed(2));

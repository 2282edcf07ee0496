import { buildRecords } from './decode';
import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { decodeEnvelope, gunzipRecord, parseJsonAt } from '../src/decoders/cloudwatch';
const recs = buildRecords().slice(0, 100);
const N = recs.length * 500; let sink = 0;
const t: Record<string, () => void> = {
  floor: () => { for (const r of recs) sink += JSON.parse(zlib.gunzipSync(r.data).toString('utf8')).logEvents.length; },
  decode: () => { for (const r of recs) sink += decodeKinesisRecord(r.data).logEvents.length; },
  gunzipRecord: () => { for (const r of recs) sink += gunzipRecord(r.data).length; },
  gunzipSync: () => { for (const r of recs) sink += zlib.gunzipSync(r.data).length; },
  gunzipMax: () => { for (const r of recs) sink += zlib.gunzipSync(r.data, { maxOutputLength: 1 << 26 }).length; },
  parseAt: () => { for (const r of recs) { const b = zlib.gunzipSync(r.data); sink += (parseJsonAt(b, 0, b.length, 0) as any).logEvents.length; } },
  validate: () => { for (const r of recs) { const j = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); sink += decodeEnvelope(j).logEvents.length; } },
};
const best: Record<string, number> = {};
for (let it = 0; it < 12; it++) for (const [k, f] of Object.entries(t)) { const s = process.hrtime.bigint(); f(); const dt = Number(process.hrtime.bigint() - s) / N; best[k] = Math.min(best[k] ?? 1e9, dt); }
console.log(Object.entries(best).map(([k, v]) => k + '=' + v.toFixed(0)).join(' '));

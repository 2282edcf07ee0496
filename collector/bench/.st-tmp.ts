import { buildRecords } from './decode';
import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch } from '../src/serialize';
const recs = buildRecords();
const parser = createParser();
const T = new Float64Array(4); const now = () => Number(process.hrtime.bigint()); let sink = 0;
function full() { for (const r of recs) { const t0 = now(); const env = decodeKinesisRecord(r.data); const t1 = now(); const ev = envelopeToEvents(env, r.origin, parser); const t2 = now(); sink += serializeBatch(ev).length; const t3 = now(); T[0] += t1 - t0; T[1] += t2 - t1; T[2] += t3 - t2; } }
function floor() { const t0 = now(); for (const r of recs) sink += JSON.parse(zlib.gunzipSync(r.data).toString('utf8')).logEvents.length; T[3] += now() - t0; }
for (let i = 0; i < 2; i++) { full(); floor(); }
T.fill(0); const K = 5; for (let i = 0; i < K; i++) { full(); floor(); }
const E = K * recs.length * 500;
console.log(['decode', 'toEvents', 'serialize', 'floor'].map((n, i) => n + '=' + (T[i] / E).toFixed(0)).join(' '), 'ratio~', ((T[3]) / (T[0] + T[1] + T[2])).toFixed(2));

import { buildRecords } from './decode';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { vpcFormat } from '../src/parsers/vpcflow';
const msgs: string[] = [];
for (const r of buildRecords().slice(0, 200)) for (const e of decodeKinesisRecord(r.data).logEvents) msgs.push(e.message);
const N = msgs.length;
const fmt = vpcFormat();
class R { constructor(public version: any, public account_id: any, public interface_id: any, public srcaddr: any, public dstaddr: any, public srcport: any, public dstport: any, public protocol: any, public packets: any, public bytes: any, public start: any, public end: any, public action: any, public log_status: any) {} }
function intAt(m: string, s: number, e: number): number | null { if (e - s === 1 && m.charCodeAt(s) === 45) return null; let x = 0; for (let j = s; j < e; j++) x = x * 10 + m.charCodeAt(j) - 48; return x; }
function hand(m: string) {
  const p0 = m.indexOf(' '); const p1 = m.indexOf(' ', p0 + 1); const p2 = m.indexOf(' ', p1 + 1); const p3 = m.indexOf(' ', p2 + 1); const p4 = m.indexOf(' ', p3 + 1);
  const p5 = m.indexOf(' ', p4 + 1); const p6 = m.indexOf(' ', p5 + 1); const p7 = m.indexOf(' ', p6 + 1); const p8 = m.indexOf(' ', p7 + 1); const p9 = m.indexOf(' ', p8 + 1);
  const p10 = m.indexOf(' ', p9 + 1); const p11 = m.indexOf(' ', p10 + 1); const p12 = m.indexOf(' ', p11 + 1);
  return new R(intAt(m, 0, p0), m.substring(p0 + 1, p1), m.substring(p1 + 1, p2), m.substring(p2 + 1, p3), m.substring(p3 + 1, p4), intAt(m, p4 + 1, p5), intAt(m, p5 + 1, p6), intAt(m, p6 + 1, p7), intAt(m, p7 + 1, p8), intAt(m, p8 + 1, p9), intAt(m, p9 + 1, p10), intAt(m, p10 + 1, p11), m.substring(p11 + 1, p12), m.substring(p12 + 1));
}
function handNoInts(m: string) {
  const p0 = m.indexOf(' '); const p1 = m.indexOf(' ', p0 + 1); const p2 = m.indexOf(' ', p1 + 1); const p3 = m.indexOf(' ', p2 + 1); const p4 = m.indexOf(' ', p3 + 1);
  const p5 = m.indexOf(' ', p4 + 1); const p6 = m.indexOf(' ', p5 + 1); const p7 = m.indexOf(' ', p6 + 1); const p8 = m.indexOf(' ', p7 + 1); const p9 = m.indexOf(' ', p8 + 1);
  const p10 = m.indexOf(' ', p9 + 1); const p11 = m.indexOf(' ', p10 + 1); const p12 = m.indexOf(' ', p11 + 1);
  return new R(1, m.substring(p0 + 1, p1), m.substring(p1 + 1, p2), m.substring(p2 + 1, p3), m.substring(p3 + 1, p4), 1,1,1,1,1,1,1, m.substring(p11 + 1, p12), m.substring(p12 + 1));
}
const keep: unknown[] = new Array(500);
const t: Record<string, (m: string) => unknown> = { gen: (m) => fmt.parse(m), hand, handNoInts, split: (m) => m.split(' ') };
const best: Record<string, number> = {};
for (let it = 0; it < 10; it++) for (const [k, f] of Object.entries(t)) { const s = process.hrtime.bigint(); for (let i = 0; i < N; i++) keep[i % 500] = f(msgs[i]); const dt = Number(process.hrtime.bigint() - s) / N; best[k] = Math.min(best[k] ?? 1e9, dt); }
console.log(Object.entries(best).map(([k, v]) => k + '=' + v.toFixed(0)).join(' '));

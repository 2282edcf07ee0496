import { buildRecords } from './decode';
import * as zlib from 'node:zlib';
const recs = buildRecords();
class R { constructor(public version: any, public account_id: any, public interface_id: any, public srcaddr: any, public dstaddr: any, public srcport: any, public dstport: any, public protocol: any, public packets: any, public bytes: any, public start: any, public end: any, public action: any, public log_status: any) {} }
function intAt(m: string, s: number, e: number): number | null { if (e - s === 1 && m.charCodeAt(s) === 45) return null; let x = 0; for (let j = s; j < e; j++) x = x * 10 + m.charCodeAt(j) - 48; return x; }
const S = (m: string, s: number, e: number) => (e - s === 1 && m.charCodeAt(s) === 45 ? null : m.substring(s, e));
function hand(m: string) {
  const p0 = m.indexOf(' '); const p1 = m.indexOf(' ', p0 + 1); const p2 = m.indexOf(' ', p1 + 1); const p3 = m.indexOf(' ', p2 + 1); const p4 = m.indexOf(' ', p3 + 1);
  const p5 = m.indexOf(' ', p4 + 1); const p6 = m.indexOf(' ', p5 + 1); const p7 = m.indexOf(' ', p6 + 1); const p8 = m.indexOf(' ', p7 + 1); const p9 = m.indexOf(' ', p8 + 1);
  const p10 = m.indexOf(' ', p9 + 1); const p11 = m.indexOf(' ', p10 + 1); const p12 = m.indexOf(' ', p11 + 1);
  return new R(intAt(m, 0, p0), S(m, p0 + 1, p1), S(m, p1 + 1, p2), S(m, p2 + 1, p3), S(m, p3 + 1, p4), intAt(m, p4 + 1, p5), intAt(m, p5 + 1, p6), intAt(m, p6 + 1, p7), intAt(m, p7 + 1, p8), intAt(m, p8 + 1, p9), intAt(m, p9 + 1, p10), intAt(m, p10 + 1, p11), S(m, p11 + 1, p12), S(m, p12 + 1, m.length));
}
class Ev { constructor(public id: string, public timestamp: number, public owner: string, public logGroup: string, public logStream: string, public message: string, public source: any, public type: any, public fields: any) {} }
const q = (x: any) => (x === null ? 'null' : '"' + x + '"');
let sink = 0;
function ideal() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    out += `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{"version":${f.version},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${f.srcport},"dstport":${f.dstport},"protocol":${f.protocol},"packets":${f.packets},"bytes":${f.bytes},"start":${f.start},"end":${f.end},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
function noSer() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  n += evs.length; } return n; }
function noFieldsSer() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; out += `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{}}\n`; }
  sink += out.length; n += evs.length; } return n; }
function discardLines() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    const line = `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{"version":${f.version},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${f.srcport},"dstport":${f.dstport},"protocol":${f.protocol},"packets":${f.packets},"bytes":${f.bytes},"start":${f.start},"end":${f.end},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; sink += line.length; }
  n += evs.length; } return n; }
function fieldsNoInts() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    out += `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{"version":1,"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":1,"dstport":1,"protocol":1,"packets":1,"bytes":1,"start":1,"end":1,"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
class R2 extends R { constructor(a: any, b: any, c: any, d: any, e: any, f: any, g: any, h: any, i: any, j: any, k: any, l: any, m: any, n: any, public t: string[]) { super(a, b, c, d, e, f, g, h, i, j, k, l, m, n); } }
function hand2(m: string) {
  const p0 = m.indexOf(' '); const p1 = m.indexOf(' ', p0 + 1); const p2 = m.indexOf(' ', p1 + 1); const p3 = m.indexOf(' ', p2 + 1); const p4 = m.indexOf(' ', p3 + 1);
  const p5 = m.indexOf(' ', p4 + 1); const p6 = m.indexOf(' ', p5 + 1); const p7 = m.indexOf(' ', p6 + 1); const p8 = m.indexOf(' ', p7 + 1); const p9 = m.indexOf(' ', p8 + 1);
  const p10 = m.indexOf(' ', p9 + 1); const p11 = m.indexOf(' ', p10 + 1); const p12 = m.indexOf(' ', p11 + 1);
  const t = [m.substring(0, p0), m.substring(p4 + 1, p5), m.substring(p5 + 1, p6), m.substring(p6 + 1, p7), m.substring(p7 + 1, p8), m.substring(p8 + 1, p9), m.substring(p9 + 1, p10), m.substring(p10 + 1, p11)];
  return new R2(intAt(m, 0, p0), S(m, p0 + 1, p1), S(m, p1 + 1, p2), S(m, p2 + 1, p3), S(m, p3 + 1, p4), intAt(m, p4 + 1, p5), intAt(m, p5 + 1, p6), intAt(m, p6 + 1, p7), intAt(m, p7 + 1, p8), intAt(m, p8 + 1, p9), intAt(m, p9 + 1, p10), intAt(m, p10 + 1, p11), S(m, p11 + 1, p12), S(m, p12 + 1, m.length), t);
}
function idealSub() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand2(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields; const t = f.t;
    out += `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{"version":${t[0]},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${t[1]},"dstport":${t[2]},"protocol":${t[3]},"packets":${t[4]},"bytes":${t[5]},"start":${t[6]},"end":${t[7]},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
const K1 = 'abcdefghijklmnop';
function constSubs() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    out += `{"id":"${e.id}","timestamp":${e.timestamp / 1000}000${c1}${e.message}${c2}{"version":${K1},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${K1},"dstport":${K1},"protocol":${K1},"packets":${K1},"bytes":${K1},"start":${K1},"end":${K1},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
const T4: string[] = []; const P4: string[] = []; for (let i = 0; i < 10000; i++) { T4.push(String(i)); P4.push(String(i).padStart(4, '0')); }
function its(x: number | null): string { if (x === null) return 'null'; if (x < 10000) return T4[x]; if (x < 100000000) return T4[(x / 10000) | 0] + P4[x % 10000]; return T4[Math.floor(x / 100000000)] + P4[((x / 10000) | 0) % 10000] + P4[x % 10000]; }
function idealTable() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', hand(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    out += `{"id":"${e.id}","timestamp":${its(e.timestamp / 1000)}000${c1}${e.message}${c2}{"version":${its(f.version)},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${its(f.srcport)},"dstport":${its(f.dstport)},"protocol":${its(f.protocol)},"packets":${its(f.packets)},"bytes":${its(f.bytes)},"start":${its(f.start)},"end":${its(f.end)},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
const prev: string[] = ['', '', '', '', '', '', '', '', '', '', '', '', '', ''];
function SI(m: string, s: number, e: number, k: number) { if (e - s === 1 && m.charCodeAt(s) === 45) return null; const p = prev[k]; if (p.length === e - s && m.startsWith(p, s)) return p; return (prev[k] = m.substring(s, e)); }
function handI(m: string) {
  const p0 = m.indexOf(' '); const p1 = m.indexOf(' ', p0 + 1); const p2 = m.indexOf(' ', p1 + 1); const p3 = m.indexOf(' ', p2 + 1); const p4 = m.indexOf(' ', p3 + 1);
  const p5 = m.indexOf(' ', p4 + 1); const p6 = m.indexOf(' ', p5 + 1); const p7 = m.indexOf(' ', p6 + 1); const p8 = m.indexOf(' ', p7 + 1); const p9 = m.indexOf(' ', p8 + 1);
  const p10 = m.indexOf(' ', p9 + 1); const p11 = m.indexOf(' ', p10 + 1); const p12 = m.indexOf(' ', p11 + 1);
  return new R(intAt(m, 0, p0), SI(m, p0 + 1, p1, 1), SI(m, p1 + 1, p2, 2), SI(m, p2 + 1, p3, 3), SI(m, p3 + 1, p4, 4), intAt(m, p4 + 1, p5), intAt(m, p5 + 1, p6), intAt(m, p6 + 1, p7), intAt(m, p7 + 1, p8), intAt(m, p8 + 1, p9), intAt(m, p9 + 1, p10), intAt(m, p10 + 1, p11), SI(m, p11 + 1, p12, 12), SI(m, p12 + 1, m.length, 13));
}
function idealTableIntern() { let n = 0; for (const r of recs) { const env = JSON.parse(zlib.gunzipSync(r.data).toString('utf8')); const le = env.logEvents; const evs = new Array(le.length);
  for (let i = 0; i < le.length; i++) { const e = le[i]; evs[i] = new Ev(e.id, e.timestamp, env.owner, env.logGroup, env.logStream, e.message, r.origin, 'vpcflow', handI(e.message)); }
  const c1 = `,"owner":"${env.owner}","logGroup":"${env.logGroup}","logStream":"${env.logStream}","message":"`; const c2 = `","source":${JSON.stringify(r.origin)},"type":"vpcflow","fields":`;
  let out = ''; for (let i = 0; i < evs.length; i++) { const e = evs[i]; const f = e.fields;
    out += `{"id":"${e.id}","timestamp":${its(e.timestamp / 1000)}000${c1}${e.message}${c2}{"version":${its(f.version)},"account_id":${q(f.account_id)},"interface_id":${q(f.interface_id)},"srcaddr":${q(f.srcaddr)},"dstaddr":${q(f.dstaddr)},"srcport":${its(f.srcport)},"dstport":${its(f.dstport)},"protocol":${its(f.protocol)},"packets":${its(f.packets)},"bytes":${its(f.bytes)},"start":${its(f.start)},"end":${its(f.end)},"action":${q(f.action)},"log_status":${q(f.log_status)}}}\n`; }
  sink += out.length; n += evs.length; } return n; }
function floor() { let n = 0; for (const r of recs) n += JSON.parse(zlib.gunzipSync(r.data).toString('utf8')).logEvents.length; return n; }
import { PerformanceObserver } from 'node:perf_hooks';
let gcMs = 0, gcN = 0; new PerformanceObserver((l) => { for (const e of l.getEntries()) { gcMs += e.duration; gcN++; } }).observe({ entryTypes: ['gc'] });
const gcs: Record<string, string> = {};
const best: Record<string, number> = {};
(async () => { for (let it = 0; it < 7; it++) for (const [k, f] of Object.entries({ floor, idealTable, idealTableIntern })) { gcMs = 0; gcN = 0; const s = process.hrtime.bigint(); const n = f(); const dt = Number(process.hrtime.bigint() - s) / n; best[k] = Math.min(best[k] ?? 1e9, dt); await new Promise((r) => setImmediate(r)); gcs[k] = `${gcN} gcs ${(gcMs * 1e6 / n).toFixed(0)}ns/ev`; }
console.log(best, gcs, 'ratio', (best.floor / best.ideal).toFixed(2)); })();

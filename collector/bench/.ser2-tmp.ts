import { vpcFormat } from '../src/parsers/vpcflow';
import { serializeVpcRecord } from '../src/parsers/vpcflow';
import { quoteJson } from '../src/serialize';
let seed = 7; const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const N = 50000; const lines: string[] = [];
for (let i = 0; i < N; i++) { const st = 1718000000 + rnd(600); lines.push(`2 123456789012 eni-0000000005f5e100 10.0.${rnd(255)}.${rnd(255)} 52.31.${rnd(255)}.${rnd(255)} ${32768 + rnd(20000)} ${[443, 80, 22, 53][rnd(4)]} 6 ${rnd(100)} ${rnd(100000)} ${st} ${st + 60} ${rnd(5) ? 'ACCEPT' : 'REJECT'} OK`); }
const fmt = vpcFormat() as any;
const parsed = lines.map((l) => fmt.parse(l));
const plain = parsed.map((f: any) => ({ ...f }));
let sink = 0;
const tests: Record<string, (i: number) => string> = {
  genTrusted: (i) => fmt.serializeTrusted(parsed[i], quoteJson),
  genUntrusted: (i) => fmt.serialize(parsed[i], quoteJson),
  genOnPlain: (i) => fmt.serializeTrusted(plain[i], quoteJson),
  viaSerializeVpcRecord: (i) => serializeVpcRecord(parsed[i], quoteJson, lines[i])!,
  template: (i) => { const f = parsed[i]; return `{"version":${f.version},"account_id":"${f.account_id}","interface_id":"${f.interface_id}","srcaddr":"${f.srcaddr}","dstaddr":"${f.dstaddr}","srcport":${f.srcport},"dstport":${f.dstport},"protocol":${f.protocol},"packets":${f.packets},"bytes":${f.bytes},"start":${f.start},"end":${f.end},"action":"${f.action}","log_status":"${f.log_status}"}`; },
  parse: (i) => fmt.parse(lines[i]) ? 'x' : '',
};
console.log(fmt.serialize.toString().slice(0, 400));
for (let it = 0; it < 4; it++) for (const [k, fn] of Object.entries(tests)) { let out = ''; const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) { out += fn(i); if ((i & 511) === 511) { sink += out.length; out = ''; } } const dt = Number(process.hrtime.bigint() - t); if (it === 3) console.log(k.padEnd(22), (dt / N).toFixed(0), 'ns'); }

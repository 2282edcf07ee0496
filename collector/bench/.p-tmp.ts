import { vpcFormat } from '../src/parsers/vpcflow';
let seed = 7; const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const N = 100000; const lines: string[] = [];
for (let i = 0; i < N; i++) { const st = 1718000000 + rnd(600); lines.push(`2 123456789012 eni-0000000005f5e100 10.0.${rnd(255)}.${rnd(255)} 52.31.${rnd(255)}.${rnd(255)} ${32768 + rnd(20000)} ${[443, 80, 22, 53][rnd(4)]} 6 ${rnd(100)} ${rnd(100000)} ${st} ${st + 60} ${rnd(5) ? 'ACCEPT' : 'REJECT'} OK`); }
const fmt = vpcFormat();
const keep: unknown[] = new Array(500);
for (let it = 0; it < 6; it++) {
  let t = process.hrtime.bigint(); for (let i = 0; i < N; i++) keep[i % 500] = fmt.parse(lines[i]); let dt = Number(process.hrtime.bigint() - t);
  let t2 = process.hrtime.bigint(); for (let i = 0; i < N; i++) keep[i % 500] = lines[i].split(' '); let dt2 = Number(process.hrtime.bigint() - t2);
  if (it >= 3) console.log('parse', (dt / N).toFixed(0), 'split', (dt2 / N).toFixed(0));
}

import * as zlib from 'node:zlib';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch, quoteJson } from '../src/serialize';
import { serializeVpcRecord } from '../src/parsers/vpcflow';
const recs: Buffer[] = [];
let seed = 7; const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
for (let r = 0; r < 100; r++) { const ev = []; const eni = 'eni-0' + (100000000 + r).toString(16).padStart(16, '0'); for (let i = 0; i < 500; i++) { const st = 1718000000 + rnd(600); ev.push({ id: String(37000000000000000000000000000000000000000000000000000000n + BigInt(r * 500 + i)), timestamp: st * 1000, message: `2 123456789012 ${eni} 10.0.${rnd(255)}.${rnd(255)} 52.31.${rnd(255)}.${rnd(255)} ${32768 + rnd(20000)} ${[443, 80, 22, 53][rnd(4)]} 6 ${rnd(100)} ${rnd(100000)} ${st} ${st + 60} ${rnd(5) ? 'ACCEPT' : 'REJECT'} OK` }); }
  recs.push(zlib.gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/vpc/flow-logs', logStream: eni + '-all', subscriptionFilters: ['f'], logEvents: ev }))); }
const parser = createParser();
const origin = { kind: 'kinesis' as const, stream: 's', shard: 'shardId-000000000000', sequenceNumber: '49590338271490256608559692538361571095921575989136588898' };
const batches = recs.map(r => envelopeToEvents(decodeKinesisRecord(r), origin, parser));
const E = 100 * 500; let sink = 0;
const tests: Record<string, () => void> = {
  serializeBatch: () => { for (const b of batches) sink += serializeBatch(b).length; },
  fieldsOnly: () => { for (const b of batches) for (const e of b) sink += serializeVpcRecord(e.fields!, quoteJson, e.message)!.length; },
  fieldsStringify: () => { for (const b of batches) for (const e of b) sink += JSON.stringify(e.fields).length; },
  reparse: () => { for (const b of batches) for (const e of b) sink += parser.parse(e.message, '/aws/vpc/flow-logs') ? 1 : 0; },
  events: () => { for (const r of recs) sink += envelopeToEvents(decodeKinesisRecord(r), origin, parser).length; },
  decodeOnly: () => { for (const r of recs) sink += decodeKinesisRecord(r).logEvents.length; },
};
for (let it = 0; it < 4; it++) for (const [k, f] of Object.entries(tests)) { const t = process.hrtime.bigint(); f(); const dt = Number(process.hrtime.bigint() - t); if (it === 3) console.log(k.padEnd(16), (dt / E).toFixed(0), 'ns/event'); }

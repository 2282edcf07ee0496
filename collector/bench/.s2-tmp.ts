import { buildRecords } from './decode';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch, quoteJson } from '../src/serialize';
import { serializeVpcRecord } from '../src/parsers/vpcflow';
const recs = buildRecords().slice(0, 100);
const parser = createParser();
const batches = recs.map((r) => envelopeToEvents(decodeKinesisRecord(r.data), r.origin, parser));
const N = recs.length * 500; let sink = 0;
const t: Record<string, () => void> = {
  batch: () => { for (const b of batches) sink += serializeBatch(b).length; },
  fieldsOnly: () => { for (const b of batches) { let out = ''; for (const e of b) out += serializeVpcRecord(e.fields!, quoteJson, e.message); sink += out.length; } },
  noFields: () => { for (const b of batches) { let out = ''; const c1 = ',"owner":"' + b[0].owner + '","logGroup":"' + b[0].logGroup + '","logStream":"' + b[0].logStream + '","message":"'; const c2 = '","source":' + JSON.stringify(b[0].source) + ',"type":"vpcflow"}\n'; for (const e of b) out += `{"id":"${e.id}","timestamp":${e.timestamp}${c1}${e.message}${c2}`; sink += out.length; } },
  fieldsDirect: () => { const fmt = (batches[0][0].fields as any)[Object.getOwnPropertySymbols(Object.getPrototypeOf(batches[0][0].fields))[0]]; for (const b of batches) { let out = ''; for (const e of b) out += fmt.serializeTrusted(e.fields, quoteJson); sink += out.length; } },
  fieldsHand: () => { for (const b of batches) { let out = ''; for (const e of b) { const f = e.fields as any; out += `{"version":${f.version},"account_id":"${f.account_id}","interface_id":"${f.interface_id}","srcaddr":"${f.srcaddr}","dstaddr":"${f.dstaddr}","srcport":${f.srcport},"dstport":${f.dstport},"protocol":${f.protocol},"packets":${f.packets},"bytes":${f.bytes},"start":${f.start},"end":${f.end},"action":"${f.action}","log_status":"${f.log_status}"}`; } sink += out.length; } },
  fieldsNoInts: () => { for (const b of batches) { let out = ''; for (const e of b) { const f = e.fields as any; out += `{"version":1,"account_id":"${f.account_id}","interface_id":"${f.interface_id}","srcaddr":"${f.srcaddr}","dstaddr":"${f.dstaddr}","srcport":1,"dstport":1,"protocol":1,"packets":1,"bytes":1,"start":1,"end":1,"action":"${f.action}","log_status":"${f.log_status}"}`; } sink += out.length; } },
  fieldsStringify: () => { for (const b of batches) { let out = ''; for (const e of b) out += JSON.stringify(e.fields); sink += out.length; } },
  tsOnly: () => { for (const b of batches) { let out = ''; for (const e of b) out += '' + e.timestamp; sink += out.length; } },
  tsSec: () => { for (const b of batches) { let out = ''; for (const e of b) out += (e.timestamp / 1000) + '000'; sink += out.length; } },
  idMsg: () => { for (const b of batches) { let out = ''; for (const e of b) out += `{"id":"${e.id}","m":"${e.message}"`; sink += out.length; } },
};
const best: Record<string, number> = {};
for (let it = 0; it < 10; it++) for (const [k, f] of Object.entries(t)) { const s = process.hrtime.bigint(); f(); const dt = Number(process.hrtime.bigint() - s) / N; best[k] = Math.min(best[k] ?? 1e9, dt); }
console.log(Object.entries(best).map(([k, v]) => k + '=' + v.toFixed(0)).join(' '));

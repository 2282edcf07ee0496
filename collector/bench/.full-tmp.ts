import { buildRecords } from './decode';
import { decodeKinesisRecord } from '../src/decoders/kinesis';
import { envelopeToEvents } from '../src/events';
import { createParser } from '../src/parsers';
import { serializeBatch } from '../src/serialize';
const records = buildRecords();
const parser = createParser();
let sink = 0;
for (let i = 0; i < 12; i++) for (const r of records) { const ev = envelopeToEvents(decodeKinesisRecord(r.data), r.origin, parser); sink += serializeBatch(ev).length; }
console.log(sink);

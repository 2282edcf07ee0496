/**
 * `decode`: prints the NDJSON events the collector would deliver for local inputs (a Kinesis record,
 * `aws kinesis get-records` output, a Firehose S3 object, an export-task object). An input that
 * cannot be decoded, or holds nothing at all, fails with what was expected (exit 1).
 */
import { promises as fs } from 'node:fs';
import { decodeExportObject } from '../decoders/export-object';
import { decodeFirehoseObject } from '../decoders/firehose-object';
import { decodeGetRecords } from '../decoders/get-records';
import { decodeKinesisRecord } from '../decoders/kinesis';
import { InputFormat, sniffFormat } from '../decoders/sniff';
import { envelopeToEvents, lineToEvent } from '../events';
import { MessageParser, createParser } from '../parsers';
import { VpcFormatError } from '../parsers/vpcflow';
import { serializeBatch } from '../serialize';
import { DecodeError, NormalizedEvent } from '../types';
import { parseCommandArgs, UsageError } from './args';
import { CommandIo, EXIT, readStream, usageError } from './conventions';

export const DECODE_USAGE = `Usage: cwl-siem-collector decode [options] [FILE ...]

Decodes CloudWatch Logs payloads from files (standard input for "-" or no FILE) and
prints the events as the collector delivers them: one JSON object per line (NDJSON).

Options:
  --input-format FORMAT  kinesis-record | get-records | firehose-object | export-object
                         | auto (default: auto, told from each input's content)
  --vpc-format "FIELDS"  parse every message as a VPC flow log record in this format,
                         "\${version} \${account-id} ..." or "version account-id ...";
                         by default only log groups matching *flow* are, in the default
                         (version 2) format
  --log-group NAME       log group of export-task objects and of message lines
  --log-stream NAME      log stream of export-task objects and of message lines
  --stream NAME          Kinesis stream of get-records output (source.stream): the
                         get-records output names neither the stream nor the shard
  --shard ID             its shard, e.g. shardId-000000000000 (source.shard)
  --keep-going           report each bad input and go on with the next
  -h, --help             print this help

Input formats:
  kinesis-record   one Kinesis record: gzip (or plain) JSON of a subscription payload
  get-records      the JSON \`aws kinesis get-records\` prints (base64 Data)
  firehose-object  an S3 object written by Firehose: gzip members or JSON payloads
                   back to back, or extracted message lines (timestamped with the
                   file's modification time)
  export-object    an export-task object (.../000000.gz): "<ISO-8601> <message>" lines

An input that cannot be decoded prints no event and an error "FILE: byte N: what is wrong";
an input that holds nothing (empty, or only blank lines) is an error too.
Exit status: 0 every input decoded, 1 an input could not be decoded, 2 usage error.
`;

const FORMATS: readonly (InputFormat | 'auto')[] = ['kinesis-record', 'get-records', 'firehose-object', 'export-object', 'auto'];

interface Options {
  readonly inputFormat: InputFormat | 'auto';
  readonly vpcFormat?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly stream?: string;
  readonly shard?: string;
  readonly keepGoing: boolean;
  readonly files: readonly string[];
}

/** Runs `decode ARGS`; resolves with the exit status. Never throws. */
export async function runDecode(args: string[], io: CommandIo): Promise<number> {
  let options: Options | 'help';
  let parser: MessageParser;
  try {
    options = decodeOptions(args);
    if (options === 'help') {
      io.stdout.write(DECODE_USAGE);
      return EXIT.ok;
    }
    parser = options.vpcFormat !== undefined ? createParser({ vpcLogGroups: ['*'], defaultVpcFormat: options.vpcFormat }) : createParser();
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof VpcFormatError)) throw e;
    return usageError(io.stderr, 'decode', e.message, DECODE_USAGE);
  }

  const out = new Output(io.stdout);
  let failed = false;
  for (const file of options.files.length ? options.files : ['-']) {
    const name = file === '-' ? '<stdin>' : file;
    let events: NormalizedEvent[];
    try {
      const { data, mtimeMs } = file === '-' ? { data: await readStream(io.stdin), mtimeMs: Date.now() } : await readFile(file);
      events = decodeInput(data, options, parser, file === '-' ? '-' : file, mtimeMs);
    } catch (e) {
      if (!(e instanceof DecodeError) && !(e instanceof InputError)) throw e;
      io.stderr.write(`${name}: ${e instanceof DecodeError && e.offset !== undefined ? `byte ${e.offset}: ` : ''}${e.message}\n`);
      failed = true;
      if (!options.keepGoing) break;
      continue;
    }
    try {
      for (let i = 0; i < events.length; i += 1000) await out.write(serializeBatch(events.slice(i, i + 1000)));
    } catch (e) {
      io.stderr.write(`decode: cannot write the output: ${(e as Error).message}\n`);
      return EXIT.failed;
    }
  }
  return failed ? EXIT.failed : EXIT.ok;
}

/** A file that cannot be read, or holds nothing to decode. */
class InputError extends Error {}

/** Repeated options: the last one counts. */
const DECODE_OPTIONS = {
  'input-format': { type: 'string', repeat: 'last' },
  'vpc-format': { type: 'string', repeat: 'last' },
  'log-group': { type: 'string', repeat: 'last' },
  'log-stream': { type: 'string', repeat: 'last' },
  stream: { type: 'string', repeat: 'last' },
  shard: { type: 'string', repeat: 'last' },
  'keep-going': { type: 'boolean' },
} as const;

function decodeOptions(args: readonly string[]): Options | 'help' {
  const parsed = parseCommandArgs(args, { options: DECODE_OPTIONS });
  if (parsed === 'help') return 'help';
  const { values: v, positionals: files } = parsed;
  const inputFormat = v['input-format'] ?? 'auto';
  if (!FORMATS.includes(inputFormat as InputFormat))
    throw new UsageError(`--input-format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(inputFormat)}`);
  return {
    inputFormat: inputFormat as InputFormat | 'auto',
    vpcFormat: v['vpc-format'],
    logGroup: v['log-group'],
    logStream: v['log-stream'],
    stream: v.stream,
    shard: v.shard,
    keepGoing: v['keep-going'] === true,
    files,
  };
}

function decodeInput(data: Buffer, o: Options, parser: MessageParser, file: string, mtimeMs: number): NormalizedEvent[] {
  const format = o.inputFormat === 'auto' ? sniffFormat(data, file) : o.inputFormat;
  const lineContext = { logGroup: o.logGroup, logStream: o.logStream };
  const events: NormalizedEvent[] = [];
  switch (format) {
    case 'kinesis-record':
      return envelopeToEvents(decodeKinesisRecord(data), { kind: 'file', file, offset: 0 }, parser);
    case 'get-records': {
      const output = decodeGetRecords(data);
      for (const r of output.records) {
        let envelope;
        try {
          envelope = decodeKinesisRecord(r.data);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          const at = e.offset !== undefined ? `byte ${e.offset} of its data: ` : '';
          throw new DecodeError(e.reason, `Records[${r.index}] (sequence number ${r.sequenceNumber}): ${at}${e.message}`);
        }
        // get-records output names neither the stream nor the shard: they come from --stream and --shard.
        const origin = { kind: 'kinesis' as const, stream: o.stream ?? '', shard: o.shard ?? '', sequenceNumber: r.sequenceNumber };
        for (const ev of envelopeToEvents(envelope, origin, parser)) events.push(ev);
      }
      return events;
    }
    case 'firehose-object': {
      let items = 0;
      for (const item of decodeFirehoseObject(data)) {
        items++;
        const origin = { kind: 'firehose-object' as const, file, offset: item.offset };
        if ('envelope' in item) for (const ev of envelopeToEvents(item.envelope, origin, parser)) events.push(ev);
        else events.push(lineToEvent({ message: item.line, timestamp: mtimeMs }, lineContext, origin, parser));
      }
      // Told by content, an input with nothing in it is a Firehose object: say what could have been.
      if (items === 0) throw new InputError(nothingToDecode(o.inputFormat === 'auto' ? 'auto' : format));
      return events;
    }
    case 'export-object':
      for (const line of decodeExportObject(data)) {
        events.push(lineToEvent(line, lineContext, { kind: 'export-object', file, offset: line.offset }, parser));
      }
      if (events.length === 0) throw new InputError(nothingToDecode(format));
      return events;
  }
}

/** What an input that holds nothing (no byte, or only blank lines, gzipped or not) was expected to hold. */
function nothingToDecode(format: 'auto' | 'firehose-object' | 'export-object'): string {
  const expected = {
    auto: 'a Kinesis record, `aws kinesis get-records` output, a Firehose object or an export-task object',
    'firehose-object': 'a Firehose object (gzip members, JSON payloads or message lines)',
    'export-object': 'an export-task object ("<ISO-8601 timestamp> <message>" lines)',
  }[format];
  return `nothing to decode (empty, or only blank lines): expected ${expected}`;
}

async function readFile(file: string): Promise<{ data: Buffer; mtimeMs: number }> {
  try {
    const [data, stat] = await Promise.all([fs.readFile(file), fs.stat(file)]);
    return { data, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch (e) {
    throw new InputError(`cannot read: ${(e as Error).message}`);
  }
}

/** Writes one chunk at a time, each after the previous one was flushed; rejects once the stream failed (e.g. a closed pipe). */
class Output {
  private error: Error | undefined;
  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (e: Error) => {
      this.error = e;
    });
  }
  write(chunk: string): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (chunk === '') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.stream.write(chunk, (e?: Error | null) => (e ? reject(e) : resolve()));
    });
  }
}

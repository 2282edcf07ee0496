/**
 * `cwl-siem-collector config from-terraform`: reads the outputs of a deployed toolkit stack (and
 * the sink block, the Firehose source stacks) from files or standard input, writes the collector
 * config that outputs/to-config.ts maps them to on stdout or atomically to `--out`, notes on stderr.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../ops/atomic-file';
import { STACK_OUTPUTS as O } from '../outputs/names';
import { ConfigFromTerraformError } from '../outputs/read';
import { schemaReference } from '../outputs/schema-file';
import { SinkFlags } from '../outputs/sink';
import { configFromTerraform, ConfigFromTerraformResult, EXTERNAL_ID_ENV } from '../outputs/to-config';
import { SINK_TYPES, SinkType } from '../sinks/config';
import { parseCommandArgs, UsageError } from './args';
import { CommandIo, EXIT, readStream, usageError } from './conventions';

export const CONFIG_USAGE = `Usage: cwl-siem-collector config from-terraform --outputs FILE|- --mode MODE [options]

Writes a collector config from the outputs of a deployed cwl-siem toolkit stack, validated
as check-config would. The outputs are any of:
  terraform output -json          {"${O.queueUrl}": {"value": "...", "type": "string"}, ...}
  cdktf deploy --outputs-file F   {"<stack>": {"${O.queueUrl}": "...", ...}, ...}
  a flat map                      {"${O.queueUrl}": "...", ...}

Options:
  --outputs FILE|-       the outputs (- reads standard input)                  (required)
  --mode MODE            kinesis | export | sqs                                (required)
  --stack NAME           the stack of a cdktf outputs file holding several
  --sink TYPE            stdout | file | syslog | splunk-hec | http (default: stdout)
    --path FILE            file: the file events are appended to
    --host HOST            syslog: the receiver
    --port N               syslog: default 6514 for tls, 514 for tcp and udp
    --protocol P           syslog: tls (default) | tcp | udp
    --url URL              splunk-hec (the .../services/collector/event endpoint), http
    --token-env NAME       splunk-hec: variable holding the token (default: SPLUNK_HEC_TOKEN)
  --sink-config FILE     a JSON sink block, instead of --sink and its flags
  --objects-from FILE    sqs: outputs of a Firehose source stack whose messages are extracted
                         (${O.firehoseLogGroup}); repeatable. The other stacks of a cdktf
                         outputs file given as --outputs are read too
  --external-id VALUE    sqs with ${O.siemRoleArn}: the external id (default: the reference
                         \${${EXTERNAL_ID_ENV}}, resolved when the collector starts)
  --set PATH=VALUE       set a config key, after everything else; repeatable. VALUE is
                         JSON when it parses (8, true, "8", [...]), else a string; null
                         removes the key. E.g. --set source.endpoint=http://127.0.0.1:4566
                         --set state.dir=/state
  --out FILE             write FILE (atomically) instead of standard output
  --force                let --out replace an existing file
  -h, --help             print this help

Modes and the outputs they read:
  kinesis  ${O.kinesisStreamName}, ${O.region}; assumes ${O.kinesisReaderRoleArn} when present
  export   ${O.exportBucket}, ${O.exportPrefix}, ${O.region}; assumes ${O.exportCollectorArn} when it is a
           role (an IAM user's access keys are the collector's own credentials)
  sqs      ${O.queueUrl}, ${O.region}; assumes ${O.siemRoleArn} with the external id when present;
           names extracted messages by ${O.firehoseLogGroup}, ${O.firehoseLogStream},
           ${O.firehosePrefix} and ${O.accountId} of source stacks

The config's "$schema" names the package's config.schema.json for editors, relative to the
folder of the --out file, or to the current directory when the config goes to standard
output (redirect it into the current directory, or fix the path).

Notes on running the config go to standard error.
Exit status: 0 written, 1 the file could not be written, 2 usage error or bad outputs.
`;

interface CommandOptions {
  readonly outputs: string;
  readonly mode?: string;
  readonly stack?: string;
  readonly sink?: SinkFlags;
  readonly sinkConfigFile?: string;
  readonly externalId?: string;
  readonly set: readonly string[];
  readonly objectsFrom: readonly string[];
  readonly out?: string;
  readonly force: boolean;
}

/** Runs `config SUBCOMMAND ARGS` (only `from-terraform` for now); resolves with the exit status. */
export async function runConfigCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'from-terraform':
      return runConfigFromTerraform(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.stdout.write(CONFIG_USAGE);
      return EXIT.ok;
    default:
      return usageError(io.stderr, 'config', sub === undefined ? 'needs a subcommand' : `unknown subcommand "${sub}"`, CONFIG_USAGE);
  }
}

/** Runs `config from-terraform ARGS`; resolves with the exit status. Never throws. */
export async function runConfigFromTerraform(args: string[], io: CommandIo): Promise<number> {
  let options: CommandOptions | 'help';
  try {
    options = commandOptions(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(io.stderr, 'config from-terraform', e.message, CONFIG_USAGE);
  }
  if (options === 'help') {
    io.stdout.write(CONFIG_USAGE);
    return EXIT.ok;
  }

  let result: ConfigFromTerraformResult;
  try {
    const outputs = await readJson(options.outputs, io.stdin, 'outputs');
    const sinkConfig = options.sinkConfigFile !== undefined ? await readJson(options.sinkConfigFile, io.stdin, 'sink config') : undefined;
    const objectsFrom: unknown[] = [];
    for (const file of options.objectsFrom) objectsFrom.push(await readJson(file, io.stdin, 'outputs'));
    result = configFromTerraform(outputs, {
      objectsFrom,
      mode: options.mode,
      stack: options.stack,
      sink: options.sink,
      sinkConfig,
      externalId: options.externalId,
      set: options.set,
      schema: schemaReference(options.out !== undefined ? dirname(options.out) : process.cwd()),
    });
  } catch (e) {
    if (!(e instanceof ConfigFromTerraformError)) throw e;
    io.stderr.write(`config from-terraform: ${e.message}\n`);
    return EXIT.usage;
  }

  const text = `${JSON.stringify(result.config, null, 2)}\n`;
  if (options.out === undefined) {
    io.stdout.write(text);
  } else {
    try {
      await writeAtomically(options.out, text, options.force);
    } catch (e) {
      if (e instanceof ConfigFromTerraformError) {
        io.stderr.write(`config from-terraform: ${e.message}\n`);
        return EXIT.usage;
      }
      io.stderr.write(`config from-terraform: cannot write ${options.out}: ${(e as Error).message}\n`);
      return EXIT.failed;
    }
  }
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  if (options.out !== undefined)
    io.stderr.write(
      `wrote ${options.out} (source ${(result.config.source as { type: string }).type}); check it with: cwl-siem-collector check-config --config ${options.out}\n`,
    );
  return EXIT.ok;
}

const CONFIG_OPTIONS = {
  outputs: { type: 'string' },
  mode: { type: 'string' },
  stack: { type: 'string' },
  sink: { type: 'string' },
  path: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  protocol: { type: 'string' },
  url: { type: 'string' },
  'token-env': { type: 'string' },
  'sink-config': { type: 'string' },
  'external-id': { type: 'string' },
  set: { type: 'string', repeat: 'list' },
  'objects-from': { type: 'string', repeat: 'list' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

function commandOptions(args: readonly string[]): CommandOptions | 'help' {
  const parsed = parseCommandArgs(args, { options: CONFIG_OPTIONS, positionals: false, terminator: false });
  if (parsed === 'help') return 'help';
  const v = parsed.values;
  const { outputs, 'sink-config': sinkConfigFile, 'objects-from': objectsFrom = [], out } = v;
  const force = v.force === true;
  if (v.port !== undefined && (!/^\d+$/.test(v.port) || Number(v.port) < 1 || Number(v.port) > 65535))
    throw new UsageError(`--port must be a port number 1-65535, got ${JSON.stringify(v.port)}`);
  if (v.protocol !== undefined && !['tls', 'tcp', 'udp'].includes(v.protocol))
    throw new UsageError(`--protocol must be one of tls, tcp, udp, got ${JSON.stringify(v.protocol)}`);
  if (outputs === undefined) throw new UsageError('--outputs FILE|- is required (e.g. terraform output -json > outputs.json)');
  if (force && out === undefined) throw new UsageError('--force is only for --out');
  if (sinkConfigFile !== undefined && outputs === '-' && sinkConfigFile === '-')
    throw new UsageError('--outputs and --sink-config cannot both read standard input');
  if ([outputs, sinkConfigFile, ...objectsFrom].filter((f) => f === '-').length > 1)
    throw new UsageError('only one of --outputs, --sink-config and --objects-from may read standard input');
  const sinkFlags: Omit<SinkFlags, 'type'> = Object.fromEntries(
    Object.entries({
      path: v.path,
      host: v.host,
      port: v.port === undefined ? undefined : Number(v.port),
      protocol: v.protocol,
      url: v.url,
      tokenEnv: v['token-env'],
    }).filter(([, x]) => x !== undefined),
  );
  const anySinkFlag = Object.keys(sinkFlags).length > 0;
  if (sinkConfigFile !== undefined && (v.sink !== undefined || anySinkFlag)) throw new UsageError('--sink-config and --sink (or its flags) exclude each other');
  let sink: SinkFlags | undefined;
  if (v.sink !== undefined || anySinkFlag) {
    const type = v.sink ?? 'stdout';
    if (!SINK_TYPES.includes(type as SinkType)) throw new UsageError(`--sink must be one of ${SINK_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    sink = { type: type as SinkType, ...sinkFlags };
  }
  return { outputs, mode: v.mode, stack: v.stack, sink, sinkConfigFile, externalId: v['external-id'], set: v.set ?? [], objectsFrom, out, force };
}

async function readJson(file: string, stdin: NodeJS.ReadableStream, what: string): Promise<unknown> {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = file === '-' ? (await readStream(stdin)).toString('utf8') : await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigFromTerraformError(`${name}: cannot read the ${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = what === 'outputs' ? '; write them with terraform output -json' : '';
    throw new ConfigFromTerraformError(`${name}: not JSON (${(e as Error).message.replace(/\s+/g, ' ')})${hint}`);
  }
}

/** Writes the config atomically (ops/atomic-file.ts); without `force`, an existing file is never replaced, even one that appears meanwhile. */
async function writeAtomically(path: string, text: string, force: boolean): Promise<void> {
  const exists = await fs.lstat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  if (exists && !force) throw new ConfigFromTerraformError(`${path} exists: pass --force to replace it`);
  try {
    await writeFileAtomic(path, text, { replace: force });
  } catch (e) {
    if (!force && (e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigFromTerraformError(`${path} exists: pass --force to replace it`);
    throw e;
  }
}

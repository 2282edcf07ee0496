/**
 * What every `cwl-siem-collector` command shares: the exit statuses (README and tests pin them),
 * the streams a command runs with, the top-level usage, and how a usage error is reported
 * (`PREFIX: problem`, a blank line, the usage, on stderr; exit 2). Imports only the argument
 * parser, so the dispatcher (cli.ts) loads no command's dependencies before it knows the command.
 */
import { parseCommandArgs, UsageError } from './args';

/** The exit statuses of every command. */
export const EXIT = {
  /** Done: every input decoded, the config valid or written, the export operation done. */
  ok: 0,
  /**
   * The work failed: an input could not be decoded, a file could not be written, an export
   * operation failed or was interrupted, the service stopped on a failure.
   */
  failed: 1,
  /** A usage or config problem: nothing was done. */
  usage: 2,
} as const;

/** The streams a command reads and writes (the process's own in the bin, captures in tests). */
export interface CommandIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The environment: `${NAME}` references and {@link COLLECTOR_CONFIG_ENV}. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The environment variable that holds the whole collector config as JSON: `run` and `check-config`
 * read it when `--config` is not given. The toolkit's ECS task definition sets it; the secrets arrive
 * as other variables and the config refers to them as `${NAME}`, resolved as in a config file.
 */
export const COLLECTOR_CONFIG_ENV = 'CWL_SIEM_COLLECTOR_CONFIG';

export const CLI_USAGE = `Usage: cwl-siem-collector <command> [options]

Commands:
  run [--config FILE]          run the collector service; without --config the config is
                               the JSON in $${COLLECTOR_CONFIG_ENV}
  check-config [--config FILE] validate a config (the file, or $${COLLECTOR_CONFIG_ENV})
                               and exit
  decode [options] [FILE ...]  decode CloudWatch Logs payloads offline into NDJSON events
                               (cwl-siem-collector decode --help for its options)
  config from-terraform --outputs FILE --mode MODE [options]
                               write a config from a deployed toolkit stack's outputs
                               (cwl-siem-collector config --help for its options)
  export status|pause|resume|backfill --config FILE
                               operate the export mode: per-group state and lag, pause and
                               resume a log group, export a past range
                               (cwl-siem-collector export --help for its options)
  help COMMAND                 print the help of a command (as COMMAND --help does)
  --version                    print the version
`;

/** Reports a usage problem as every command does; returns EXIT.usage. */
export function usageError(stderr: NodeJS.WritableStream, prefix: string, problem: string, usage: string): number {
  stderr.write(`${prefix}: ${problem}\n\n${usage}`);
  return EXIT.usage;
}

/**
 * Where the config of `run` or `check-config` comes from: the `--config` file, or the JSON text of
 * {@link COLLECTOR_CONFIG_ENV}. `label` names it in messages: the path, or `$CWL_SIEM_COLLECTOR_CONFIG`.
 */
export type ConfigSource =
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly label: string;
      /** The environment variable was set as well and is ignored: the command says so. */
      readonly envIgnored: boolean;
    }
  | { readonly kind: 'env'; readonly text: string; readonly label: string };

/**
 * The config source of `run` or `check-config` (`--config FILE` is their only option); 'help' once
 * `usage` is printed on stdout; or the exit status of a usage error already reported with `usage`.
 * An explicit `--config` wins over the environment variable (as a command-line option does over the
 * environment in most tools: a user checking a file inside a task that has the variable set); an
 * empty variable counts as unset.
 */
export function configSourceArg(command: string, usage: string, args: readonly string[], io: CommandIo): ConfigSource | 'help' | number {
  const text = (io.env ?? process.env)[COLLECTOR_CONFIG_ENV];
  try {
    const parsed = parseCommandArgs(args, { options: { config: { type: 'string' } }, positionals: false, terminator: false });
    if (parsed === 'help') {
      io.stdout.write(usage);
      return 'help';
    }
    const path = parsed.values.config;
    if (path !== undefined) return { kind: 'file', path, label: path, envIgnored: !!text };
    if (text) return { kind: 'env', text, label: `$${COLLECTOR_CONFIG_ENV}` };
    throw new UsageError(
      `${command} needs --config FILE or the environment variable ${COLLECTOR_CONFIG_ENV} (the config's JSON)${text === '' ? `; ${COLLECTOR_CONFIG_ENV} is set, but empty` : ''}`,
    );
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(io.stderr, 'cwl-siem-collector', e.message, usage);
  }
}

/** What a command says when `--config` made it ignore {@link COLLECTOR_CONFIG_ENV}. */
export const ENV_IGNORED_NOTE = `--config given: the environment variable ${COLLECTOR_CONFIG_ENV} is ignored`;

/** All of a stream (standard input), as one buffer. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

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
}

export const CLI_USAGE = `Usage: cwl-siem-collector <command> [options]

Commands:
  run --config FILE            run the collector service
  check-config --config FILE   validate a config file and exit
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
 * The `--config FILE` of `run` or `check-config` (their only option); 'help' once `usage` is
 * printed on stdout; or the exit status of a usage error already reported with `usage`.
 */
export function configFileArg(command: string, usage: string, args: readonly string[], io: CommandIo): string | 'help' | number {
  try {
    const parsed = parseCommandArgs(args, { options: { config: { type: 'string' } }, positionals: false, terminator: false });
    if (parsed === 'help') {
      io.stdout.write(usage);
      return 'help';
    }
    if (!parsed.values.config) throw new UsageError(`${command} needs --config FILE`);
    return parsed.values.config;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(io.stderr, 'cwl-siem-collector', e.message, usage);
  }
}

/** All of a stream (standard input), as one buffer. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

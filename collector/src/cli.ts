/**
 * The `cwl-siem-collector` command line: dispatches `argv[0]` to its module in commands/, loaded
 * only when that command runs (decode does not load the AWS SDK, `--help` loads no command), and
 * sets the process's exit status from it (commands/conventions.ts says which status means what).
 * Every command prints its own usage for `--help`, `-h`, the word `help` alone and `help COMMAND`.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CLI_USAGE, CommandIo, usageError } from './commands/conventions';

type Command = (args: string[], io: CommandIo) => Promise<number>;

/* eslint-disable @typescript-eslint/no-require-imports -- each command is loaded when it runs */
const COMMANDS: Readonly<Record<string, () => Command>> = {
  run: () => (require('./commands/run') as typeof import('./commands/run')).runService,
  'check-config': () => (require('./commands/check-config') as typeof import('./commands/check-config')).runCheckConfig,
  decode: () => (require('./commands/decode') as typeof import('./commands/decode')).runDecode,
  config: () => (require('./commands/config-from-terraform') as typeof import('./commands/config-from-terraform')).runConfigCommand,
  export: () => (require('./commands/export') as typeof import('./commands/export')).runExportCommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Entry point of the `cwl-siem-collector` bin. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  const io: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case '--version':
    case 'version':
      process.stdout.write(`${(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version}\n`);
      return;
    case 'help':
      // `help COMMAND [SUBCOMMAND]` is `COMMAND [SUBCOMMAND] --help`.
      if (args.length > 0 && !args[0].startsWith('-')) return main([...args, '--help']);
      process.stdout.write(CLI_USAGE);
      return;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(CLI_USAGE);
      return;
  }
  const load = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  process.exitCode = load ? await load()(args, io) : usageError(io.stderr, 'cwl-siem-collector', `unknown command "${command}"`, CLI_USAGE);
}

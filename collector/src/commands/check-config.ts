/**
 * `cwl-siem-collector check-config --config FILE`: loads the config as `run` would (environment
 * references resolved) and reports "FILE: valid (source S, sink K)" on stdout, exit 0, or every
 * problem on stderr, exit 2. Starts nothing.
 */
import { loadCollectorConfig } from '../config/load';
import { CommandIo, configFileArg, EXIT } from './conventions';

export const CHECK_CONFIG_USAGE = `Usage: cwl-siem-collector check-config --config FILE

Loads a collector config as run does (\${ENV} references resolved from the environment), checks
it and starts nothing: "FILE: valid (source S, sink K)" on standard output, or every problem
with its JSON path on standard error.

Options:
  --config FILE   the collector config
  -h, --help      print this help

Exit status: 0 valid, 2 usage error or config problem.
`;

export async function runCheckConfig(args: string[], io: CommandIo): Promise<number> {
  const path = configFileArg('check-config', CHECK_CONFIG_USAGE, args, io);
  if (typeof path === 'number') return path;
  if (path === 'help') return EXIT.ok;
  try {
    const config = loadCollectorConfig(path);
    io.stdout.write(`${path}: valid (source ${config.source.type}, sink ${config.sink.type})\n`);
    return EXIT.ok;
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return EXIT.usage;
  }
}

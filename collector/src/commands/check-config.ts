/**
 * `cwl-siem-collector check-config --config FILE`: loads the config as `run` would (environment
 * references resolved) and reports "FILE: valid (source S, sink K)" on stdout, exit 0, or every
 * problem on stderr, exit 2. Starts nothing.
 */
import { loadCollectorConfig } from '../config/load';
import { CLI_USAGE, CommandIo, configFileArg, EXIT } from './conventions';

export async function runCheckConfig(args: string[], io: CommandIo): Promise<number> {
  const path = configFileArg('check-config', args, io);
  if (typeof path === 'number') return path;
  if (path === 'help') {
    io.stdout.write(CLI_USAGE);
    return EXIT.ok;
  }
  try {
    const config = loadCollectorConfig(path);
    io.stdout.write(`${path}: valid (source ${config.source.type}, sink ${config.sink.type})\n`);
    return EXIT.ok;
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return EXIT.usage;
  }
}

/**
 * `cwl-siem-collector check-config [--config FILE]`: loads the config as `run` would (from the file,
 * or else from the environment variable CWL_SIEM_COLLECTOR_CONFIG; environment references resolved)
 * and reports "SOURCE: valid (source S, sink K)" on stdout, exit 0, or every problem on stderr, exit
 * 2. Starts nothing.
 */
import { loadCollectorConfigFrom } from '../config/load';
import { COLLECTOR_CONFIG_ENV, CommandIo, configSourceArg, ENV_IGNORED_NOTE, EXIT } from './conventions';

export const CHECK_CONFIG_USAGE = `Usage: cwl-siem-collector check-config --config FILE
       cwl-siem-collector check-config   (the config's JSON in $${COLLECTOR_CONFIG_ENV})

Loads a collector config as run does (\${ENV} references resolved from the environment), checks
it and starts nothing: "FILE: valid (source S, sink K)" on standard output, or every problem
with its JSON path on standard error. Without --config it checks the environment variable
${COLLECTOR_CONFIG_ENV}, as run would read it (reported as $${COLLECTOR_CONFIG_ENV}):
check a task's environment before deploying it.

Options:
  --config FILE   the collector config (it wins over ${COLLECTOR_CONFIG_ENV}, with a note)
  -h, --help      print this help

Exit status: 0 valid, 2 usage error or config problem.
`;

export async function runCheckConfig(args: string[], io: CommandIo): Promise<number> {
  const source = configSourceArg('check-config', CHECK_CONFIG_USAGE, args, io);
  if (typeof source === 'number') return source;
  if (source === 'help') return EXIT.ok;
  if (source.kind === 'file' && source.envIgnored) io.stderr.write(`cwl-siem-collector: ${ENV_IGNORED_NOTE}\n`);
  try {
    const config = loadCollectorConfigFrom(source, io.env ?? process.env);
    io.stdout.write(`${source.label}: valid (source ${config.source.type}, sink ${config.sink.type})\n`);
    return EXIT.ok;
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return EXIT.usage;
  }
}

/**
 * The sink block of a config written by `config from-terraform`: from the command's sink flags
 * (`--sink TYPE` and the flags of that type), or a JSON sink block used as is. Secrets are never
 * written: a Splunk HEC token is named by its environment variable.
 */
import { SINK_DEFAULTS, SINK_TYPES, SinkType } from '../sinks/config';
import { ConfigFromTerraformError, describeType, isObject } from './read';

/** The sink, as the command-line flags describe it. */
export interface SinkFlags {
  readonly type: SinkType;
  /** `file`. */
  readonly path?: string;
  /** `syslog`. */
  readonly host?: string;
  /** `syslog`. */
  readonly port?: number;
  /** `syslog`. */
  readonly protocol?: string;
  /** `splunk-hec`, `http`. */
  readonly url?: string;
  /** `splunk-hec`: the environment variable holding the HEC token. @default "SPLUNK_HEC_TOKEN" */
  readonly tokenEnv?: string;
}

/** Each sink flag: its spelling on the command line and the sink types it is for. */
const SINK_FLAGS: Readonly<Record<Exclude<keyof SinkFlags, 'type'>, { readonly flag: string; readonly sinks: readonly SinkType[] }>> = {
  path: { flag: '--path', sinks: ['file'] },
  host: { flag: '--host', sinks: ['syslog'] },
  port: { flag: '--port', sinks: ['syslog'] },
  protocol: { flag: '--protocol', sinks: ['syslog'] },
  url: { flag: '--url', sinks: ['splunk-hec', 'http'] },
  tokenEnv: { flag: '--token-env', sinks: ['splunk-hec'] },
};

/**
 * The sink block: `sinkConfig` (a copy) when given, else one built from `sink` (default stdout).
 * Pushes what the user must know to `notes`; throws ConfigFromTerraformError.
 */
export function buildSink(sink: SinkFlags | undefined, sinkConfig: unknown, notes: string[]): unknown {
  if (sinkConfig !== undefined) {
    if (sink !== undefined) throw new ConfigFromTerraformError('--sink-config and --sink (or its flags) exclude each other');
    if (!isObject(sinkConfig))
      throw new ConfigFromTerraformError(`--sink-config must hold a JSON object (a sink block such as {"type": "stdout"}), got ${describeType(sinkConfig)}`);
    return structuredClone(sinkConfig);
  }
  const flags: SinkFlags = sink ?? { type: 'stdout' };
  if (!SINK_TYPES.includes(flags.type)) throw new ConfigFromTerraformError(`--sink must be one of ${SINK_TYPES.join(', ')}, got ${JSON.stringify(flags.type)}`);
  for (const [key, { flag, sinks }] of Object.entries(SINK_FLAGS)) {
    if (flags[key as keyof SinkFlags] !== undefined && !sinks.includes(flags.type)) {
      throw new ConfigFromTerraformError(`${flag} is only for --sink ${sinks.join(' or ')}, not --sink ${flags.type}`);
    }
  }
  const need = (key: 'path' | 'host' | 'url'): string => {
    const v = flags[key];
    if (v === undefined || v === '') throw new ConfigFromTerraformError(`--sink ${flags.type} needs ${SINK_FLAGS[key].flag}`);
    return v;
  };
  switch (flags.type) {
    case 'stdout':
      return { type: 'stdout' };
    case 'file':
      return { type: 'file', path: need('path') };
    case 'syslog':
      return {
        type: 'syslog',
        host: need('host'),
        ...(flags.protocol !== undefined ? { protocol: flags.protocol } : {}),
        ...(flags.port !== undefined ? { port: flags.port } : {}),
      };
    case 'splunk-hec': {
      const tokenEnv = flags.tokenEnv ?? SINK_DEFAULTS['splunk-hec'].tokenEnv;
      notes.push(`the Splunk HEC token is read from the environment variable ${tokenEnv} when the collector starts; it is not written into the config`);
      return { type: 'splunk-hec', url: need('url'), tokenEnv };
    }
    case 'http':
      return { type: 'http', url: need('url') };
  }
}

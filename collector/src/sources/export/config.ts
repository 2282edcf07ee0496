/**
 * The export source's settings: as the validated collector config holds them (`source` of type
 * "export"; defaults in config/schema.ts), and as the source takes them (milliseconds, a parsed
 * start time). Its state, pause entries included, is the state store's (config `state`).
 */
import type { AssumeRoleConfig, S3ClientConfig } from '../../aws/clients';
import { sourceDefaults } from '../defaults';

export interface ExportSourceConfig {
  readonly type: 'export';
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly bucket: string;
  readonly prefix: string;
  readonly s3: S3ClientConfig;
  readonly logGroups: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  /** "now" or an ISO 8601 time. */
  readonly startTime: string;
  readonly windowSeconds: number;
  readonly settleSeconds: number;
  readonly discoveryIntervalSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxTaskSeconds: number;
  readonly maxWindowsPerTask: number;
  readonly deleteObjects: boolean;
}

const schema = sourceDefaults<ExportSourceConfig, 'maxWindowsPerTask' | 'deleteObjects'>('export', ['maxWindowsPerTask', 'deleteObjects']);
const groups = sourceDefaults<ExportSourceConfig['logGroups'], 'include' | 'exclude'>('export', ['include', 'exclude'], 'logGroups');

/** What a source given no such option uses: the config's defaults, and two limits of the source itself. */
export const EXPORT_DEFAULTS = {
  ...groups,
  ...schema,
  /** DescribeExportTasks polls double from pollIntervalMs up to this (the README's "doubling to 60 s"). */
  maxPollIntervalMs: 60000,
  /** Halving a too-long task's window stops here (the README's "down to 1 s"). */
  minWindowMs: 1000,
} as const;

/** What the source takes from a validated config. */
export function exportSettings(s: ExportSourceConfig) {
  return {
    prefix: s.prefix,
    include: s.logGroups.include,
    exclude: s.logGroups.exclude,
    startTime: s.startTime === 'now' ? ('now' as const) : Date.parse(s.startTime),
    windowMs: s.windowSeconds * 1000,
    settleMs: s.settleSeconds * 1000,
    discoveryIntervalMs: s.discoveryIntervalSeconds * 1000,
    pollIntervalMs: s.pollIntervalSeconds * 1000,
    maxTaskMs: s.maxTaskSeconds * 1000,
    maxWindowsPerTask: s.maxWindowsPerTask,
    deleteObjects: s.deleteObjects,
  };
}

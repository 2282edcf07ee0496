import { COLLECTOR_CONFIG_ENV } from '../../collector/src/commands/conventions';
import { collectorConfigSchema } from '../../collector/src/config/schema';
import { COLLECTOR_STATE_DIR } from './collector-config';

/**
 * Defaults and fixed facts of the collector's ECS Fargate service (CollectorService) that the
 * toolkit config does not declare, in one place; the ones it declares (task size and counts, log
 * retention, alarm thresholds and scaling targets) are read from its schema (config/defaults.ts
 * TOOLKIT_DEFAULTS.collectorDeploy), and the collector's own (its ops port, its drain time, the
 * variable of its config) from the collector.
 */
export const COLLECTOR_SERVICE_DEFAULTS = {
  containerName: 'collector',
  /** The image's ENTRYPOINT is the CLI; `run` without `--config` reads the config from {@link COLLECTOR_CONFIG_ENV}. */
  command: ['run'],
  configEnv: COLLECTOR_CONFIG_ENV,
  /** The `node` user of the node:20 base image (collector/Dockerfile `USER node`): never root. */
  user: '1000',
  /**
   * The image's working directory, the only writable path of the task (its root file system is read-only):
   * the file state (`state.dir`) and the dead-letter file (`./state/dead-letter.ndjson`) live there.
   */
  dataDir: COLLECTOR_STATE_DIR,
  dataVolumeName: 'collector-data',
  /** The ops server's port when the config sets none (collector config schema `ops.port`). */
  opsPort: collectorConfigSchema.properties.ops.properties.port.default,
  /** How long the collector drains on SIGTERM when the config sets nothing (collector config schema `shutdownTimeoutMs`). */
  shutdownTimeoutMs: collectorConfigSchema.properties.shutdownTimeoutMs.default,
  /** Time kept after the drain for the last checkpoint and the lease release before ECS sends SIGKILL. */
  stopMarginSeconds: 30,
  /** Fargate's ceiling on a container's stopTimeout. */
  maxStopTimeoutSeconds: 120,
  healthCheck: {
    intervalSeconds: 30,
    timeoutSeconds: 5,
    retries: 3,
    /** Failures while the collector starts (first shard sync, first lease cycle) do not count. */
    startPeriodSeconds: 60,
  },
  logStreamPrefix: 'collector',
  /**
   * The awslogs driver buffers instead of blocking stdout when CloudWatch Logs is slow, so the
   * collector's own logging never stalls delivery; past the buffer its log lines (not events) are dropped.
   */
  logMode: 'non-blocking',
  logMaxBufferSize: '25m',
  cpuArchitecture: 'X86_64',
  deployment: {
    /** A singleton never runs two tasks: the old task stops before the new one starts. */
    singleton: { minimumHealthyPercent: 0, maximumPercent: 100 },
    rolling: { minimumHealthyPercent: 100, maximumPercent: 200 },
  },
  scaling: { scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 },
  alarms: {
    periodSeconds: 60,
    /** Minutes a condition lasts before it alarms: a deploy's task swap or a short burst does not. */
    evaluationPeriods: 5,
    /** SQS publishes its queue metrics every five minutes. */
    sqsPeriodSeconds: 300,
    /** Twice Firehose's longest buffering interval (900 s): older undelivered data means delivery is stuck. */
    firehoseFreshnessSeconds: 1800,
  },
} as const;

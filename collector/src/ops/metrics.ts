import { Counter, Gauge, Registry } from 'prom-client';
import type { DecodeReason } from '../types';

/**
 * The collector's Prometheus metrics, served as text on /metrics. One object is created per process
 * (app.ts) and handed to sources, the pipeline and sinks; tests create their own.
 */
export interface CollectorMetrics {
  readonly registry: Registry;
  /** Events decoded from the source, by source kind. */
  readonly eventsIn: Counter<'source'>;
  /** Events a sink acknowledged, by sink. */
  readonly eventsOut: Counter<'sink'>;
  /** Raw bytes read from the source (compressed record/object bytes). */
  readonly bytesIn: Counter<'source'>;
  /** Bytes a sink sent. */
  readonly bytesOut: Counter<'sink'>;
  /** Sink batches by result: delivered | failed. */
  readonly batches: Counter<'sink' | 'result'>;
  /** Retries by component (a sink name, "kinesis", "pipeline"). */
  readonly retries: Counter<'component'>;
  /** Records that failed to decode, by reason (a DecodeErrorLabel). */
  readonly decodeErrors: Counter<'reason'>;
  /** CONTROL_MESSAGE records dropped. */
  readonly controlMessages: Counter;
  /** Messages a configured parser did not recognize (e.g. a line not in the VPC format), left raw. */
  readonly unparsed: Counter<'parser'>;
  /** Milliseconds the shard's reader is behind the stream's latest record (MillisBehindLatest). */
  readonly shardLagMs: Gauge<'stream' | 'shard'>;
  /** Export tasks by result: completed | failed | cancelled | split | adopted. */
  readonly exportTasks: Counter<'result'>;
  /** CreateExportTask calls refused because another task was active in the account. */
  readonly exportLimitWaits: Counter;
  /** Log groups the export mode handles, by state: active | paused. */
  readonly exportGroups: Gauge<'state'>;
  /** Seconds between now and the oldest exported-until of the active groups. */
  readonly exportLagSeconds: Gauge;
  /** 1 per sink setting that weakens transport security, by reason: plain-http (allowInsecure) | tls-unverified (rejectUnauthorized false). */
  readonly insecureSink: Gauge<'sink' | 'reason'>;
  /** Leases this replica holds, by lease kind: shard (Kinesis) | leader (export). */
  readonly leasesHeld: Gauge<'kind'>;
  /** Leases this replica took, by how: unowned (free or released) | expired (owner stopped renewing) | stolen (balancing). */
  readonly leaseTakes: Counter<'how'>;
  /** Leases this replica lost, by why: condition (another replica took it) | expired (renewals failed for a whole lease duration) | released (given up on shutdown). */
  readonly leasesLost: Counter<'why'>;
  /** Renewals that failed, by why: condition | error (the table could not be reached; the lease is kept until it would expire). */
  readonly leaseRenewFailures: Counter<'why'>;
  /** Calls to the lease table, by operation (GetItem, PutItem, UpdateItem, DeleteItem, Scan, DescribeTable) and result: ok | condition | error. */
  readonly leaseTableCalls: Counter<'operation' | 'result'>;
}

/**
 * The `reason` label values of decode_errors_total (documented in the README): `gzip`, `json`,
 * `shape` for records the pipeline could not decode, `too-large` for those beyond
 * limits.maxDecompressedBytes (decompression bombs, oversized lines), `notification` for SQS
 * messages that are not S3 notifications, `missing-object` for exported objects gone before they
 * were read.
 */
export type DecodeErrorLabel = 'gzip' | 'json' | 'shape' | 'too-large' | 'notification' | 'missing-object';

/** The label each DecodeError reason is counted under: coarser than the reason, and stable. */
export const DECODE_ERROR_LABELS: Readonly<Record<DecodeReason, DecodeErrorLabel>> = {
  'not-gzip': 'gzip',
  'gzip-truncated': 'gzip',
  'gzip-corrupt': 'gzip',
  'too-large': 'too-large',
  'unknown-format': 'gzip',
  'not-json': 'json',
  'bad-envelope': 'shape',
  'bad-get-records': 'shape',
  'bad-export-line': 'shape',
  'unexpected-format': 'shape',
  'unexpected-origin': 'shape',
  'not-notification': 'notification',
  unserializable: 'shape',
};

export function createMetrics(registry: Registry = new Registry()): CollectorMetrics {
  const p = 'cwl_siem_collector_';
  return {
    registry,
    eventsIn: new Counter({ name: `${p}events_in_total`, help: 'Events decoded from the source', labelNames: ['source'], registers: [registry] }),
    eventsOut: new Counter({ name: `${p}events_out_total`, help: 'Events acknowledged by a sink', labelNames: ['sink'], registers: [registry] }),
    bytesIn: new Counter({ name: `${p}bytes_in_total`, help: 'Raw bytes read from the source', labelNames: ['source'], registers: [registry] }),
    bytesOut: new Counter({ name: `${p}bytes_out_total`, help: 'Bytes sent by a sink', labelNames: ['sink'], registers: [registry] }),
    batches: new Counter({ name: `${p}batches_total`, help: 'Sink batches by result', labelNames: ['sink', 'result'], registers: [registry] }),
    retries: new Counter({ name: `${p}retries_total`, help: 'Retries by component', labelNames: ['component'], registers: [registry] }),
    decodeErrors: new Counter({
      name: `${p}decode_errors_total`,
      help: 'Records that failed to decode, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    controlMessages: new Counter({ name: `${p}control_messages_total`, help: 'CloudWatch Logs CONTROL_MESSAGE records dropped', registers: [registry] }),
    unparsed: new Counter({
      name: `${p}unparsed_messages_total`,
      help: 'Messages a configured parser did not recognize (left raw)',
      labelNames: ['parser'],
      registers: [registry],
    }),
    shardLagMs: new Gauge({
      name: `${p}shard_lag_milliseconds`,
      help: 'Milliseconds behind the latest record of the shard',
      labelNames: ['stream', 'shard'],
      registers: [registry],
    }),
    exportTasks: new Counter({ name: `${p}export_tasks_total`, help: 'Export tasks by result', labelNames: ['result'], registers: [registry] }),
    exportLimitWaits: new Counter({
      name: `${p}export_limit_waits_total`,
      help: 'CreateExportTask calls refused because another export task was active in the account',
      registers: [registry],
    }),
    exportGroups: new Gauge({ name: `${p}export_log_groups`, help: 'Log groups of the export mode by state', labelNames: ['state'], registers: [registry] }),
    exportLagSeconds: new Gauge({
      name: `${p}export_lag_seconds`,
      help: 'Seconds between now and the oldest exported-until of the active log groups',
      registers: [registry],
    }),
    insecureSink: new Gauge({
      name: `${p}insecure_sink`,
      help: 'Sink settings that weaken transport security (1 while in use), by reason: plain-http, tls-unverified',
      labelNames: ['sink', 'reason'],
      registers: [registry],
    }),
    leasesHeld: new Gauge({ name: `${p}leases_held`, help: 'Leases this replica holds, by kind: shard, leader', labelNames: ['kind'], registers: [registry] }),
    leaseTakes: new Counter({
      name: `${p}lease_takes_total`,
      help: 'Leases taken, by how: unowned, expired, stolen',
      labelNames: ['how'],
      registers: [registry],
    }),
    leasesLost: new Counter({
      name: `${p}leases_lost_total`,
      help: 'Leases lost, by why: condition, expired, released',
      labelNames: ['why'],
      registers: [registry],
    }),
    leaseRenewFailures: new Counter({
      name: `${p}lease_renew_failures_total`,
      help: 'Lease renewals that failed, by why: condition, error',
      labelNames: ['why'],
      registers: [registry],
    }),
    leaseTableCalls: new Counter({
      name: `${p}lease_table_calls_total`,
      help: 'Calls to the lease table, by operation and result (ok, condition, error)',
      labelNames: ['operation', 'result'],
      registers: [registry],
    }),
  };
}

/**
 * The DynamoDB state store (state/store.ts): one table shared by every replica, keyed by `leaseKey`
 * (S) as the Kinesis Client Library's lease tables are. Kinesis mode keeps one KCL lease item per
 * shard (leases.ts); export mode keeps its leader lease and one item per log group (export.ts),
 * under keys starting with `export/`, in a table of its own pipeline.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'crypto';
import { hostname } from 'os';
import { awsErrorName, classifyAwsError } from '../../aws/errors';
import { requestHandler, sourceCredentials } from '../../aws/clients';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import type { DynamoDbStateConfig } from '../config';
import type { ExportStateOptions, ShardLeaseOptions, ShardLeases, StateStore } from '../store';
import { StateStoreError } from '../store';
import type { ExportStore } from '../export';
import { DynamoDbExportStore } from './export';
import { DynamoDbShardLeases } from './leases';
import { LEASE_KEY, LEASE_TABLE_ACTIONS, LeaseTable } from './table';

export interface DynamoDbStateDeps {
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** A client to use instead of one built from the config (tests). */
  readonly client?: DynamoDBClient;
  /** Milliseconds of a monotonic clock, for tests. @default performance.now */
  readonly clock?: () => number;
}

/** A replica's id in the lease table: host name, process id and a random suffix (a restarted process is a new worker). */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export class DynamoDbStateStore implements StateStore {
  readonly type = 'dynamodb' as const;
  readonly describe: Readonly<Record<string, unknown>>;
  readonly workerId: string;
  private readonly table: LeaseTable;
  private readonly ownClient: boolean;

  constructor(
    private readonly config: DynamoDbStateConfig,
    private readonly deps: DynamoDbStateDeps,
  ) {
    this.ownClient = !deps.client;
    const client =
      deps.client ??
      // maxAttempts 1: the lease code retries on its own timers; a stale retry of a conditional write would only fail its condition.
      new DynamoDBClient({
        region: config.region,
        endpoint: config.endpoint,
        credentials: sourceCredentials(config.assumeRole, config.region),
        maxAttempts: 1,
        requestHandler: requestHandler(),
      });
    this.table = new LeaseTable(client, config.table, deps.metrics);
    this.workerId = config.workerId ?? defaultWorkerId();
    this.describe = { type: 'dynamodb', table: config.table, region: config.region, workerId: this.workerId };
  }

  async open(): Promise<void> {
    let keySchema: { AttributeName?: string; KeyType?: string }[] | undefined;
    try {
      keySchema = (await this.table.describe()).Table?.KeySchema;
    } catch (e) {
      const cls = classifyAwsError(e);
      const where = `DynamoDB table ${this.config.table} in ${this.config.region}`;
      if (cls === 'not-found')
        throw new StateStoreError(`${where} does not exist: create it with the toolkit (a "dynamodb" collector state), or name an existing lease table`, {
          cause: e,
        });
      if (cls === 'fatal')
        throw new StateStoreError(`${where} cannot be used (${awsErrorName(e) || 'error'}): the collector needs ${LEASE_TABLE_ACTIONS.join(', ')} on it`, {
          cause: e,
        });
      throw new StateStoreError(`${where} could not be reached (${awsErrorName(e) || (e as Error).message}); the collector will not start without its state`, {
        cause: e,
      });
    }
    const hash = keySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (hash !== LEASE_KEY || keySchema!.length !== 1)
      throw new StateStoreError(
        `DynamoDB table ${this.config.table} is keyed by ${JSON.stringify(keySchema?.map((k) => `${k.AttributeName} (${k.KeyType})`))}; a lease table has only the hash key ${LEASE_KEY} (S)`,
      );
  }

  async close(): Promise<void> {
    if (this.ownClient) this.table.client.destroy();
  }

  shardLeases(o: ShardLeaseOptions): ShardLeases {
    return new DynamoDbShardLeases({
      table: this.table,
      workerId: this.workerId,
      leaseDurationMs: this.config.leaseDurationMs,
      stream: o.stream,
      logger: o.logger,
      metrics: o.metrics,
      clock: this.deps.clock,
    });
  }

  exportState(o: ExportStateOptions): ExportStore {
    return new DynamoDbExportStore({
      table: this.table,
      scope: o.scope,
      workerId: this.workerId,
      leaseDurationMs: this.config.leaseDurationMs,
      logger: o.logger,
      metrics: o.metrics,
      clock: this.deps.clock,
    });
  }
}

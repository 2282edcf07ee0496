import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { Writable } from 'stream';
import type { Logger } from '../../src/ops/log';
import { CollectorMetrics, createMetrics } from '../../src/ops/metrics';
import { DynamoDbExportStore, DynamoDbExportStoreOptions } from '../../src/state/dynamodb/export';
import { LeaseTable } from '../../src/state/dynamodb/table';

/** Test helpers of the DynamoDB export store: a client that can be cut off, a logger that keeps its lines, metric values. */

/** A logger whose lines are kept, parsed. */
export function capturingLogger(): { logger: Logger; lines: () => { msg: string; [k: string]: unknown }[] } {
  const raw: string[] = [];
  const logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        raw.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

/** The sum of a counter's or gauge's values with these labels. */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string> = {},
): Promise<number> {
  return (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

export type LinkMode = 'ok' | 'frozen' | 'failing' | 'answer-lost';

/**
 * A DynamoDB client whose link to the table can be cut: `frozen` (calls never return, as in a
 * process that was killed), `failing` (a network error, nothing sent), `answer-lost` (sent and
 * written, then a network error).
 */
export function cuttable(client: DynamoDBClient): { client: DynamoDBClient; mode: LinkMode } {
  const link = {
    mode: 'ok' as LinkMode,
    client: {
      send: async (command: unknown, options?: unknown) => {
        const mode = link.mode;
        if (mode === 'frozen') return new Promise(() => undefined);
        const networkError = Object.assign(new Error('connect ECONNRESET'), { name: 'Error', code: 'ECONNRESET' });
        if (mode === 'failing') throw networkError;
        const out = await client.send(command as never, options as never);
        if (mode === 'answer-lost') throw networkError;
        return out;
      },
      destroy: () => undefined,
    } as unknown as DynamoDBClient,
  };
  return link;
}

export interface Replica {
  readonly store: DynamoDbExportStore;
  readonly metrics: CollectorMetrics;
  readonly link: { mode: LinkMode };
  readonly logger: Logger;
  readonly lines: () => { msg: string; [k: string]: unknown }[];
}

/** One replica's export store on `table`, through a cuttable client. */
export function replica(
  client: DynamoDBClient,
  table: string,
  workerId: string,
  options: Partial<Omit<DynamoDbExportStoreOptions, 'table' | 'workerId' | 'logger' | 'metrics'>> = {},
): Replica {
  const link = cuttable(client);
  const metrics = createMetrics();
  const { logger, lines } = capturingLogger();
  const store = new DynamoDbExportStore({
    table: new LeaseTable(link.client, table, metrics),
    workerId,
    leaseDurationMs: 10_000,
    logger,
    metrics,
    ...options,
  });
  return { store, metrics, link, logger, lines };
}

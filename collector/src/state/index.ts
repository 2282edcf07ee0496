/**
 * Builds the configured state store (state/store.ts). The DynamoDB store, and with it the DynamoDB
 * client, is loaded only when configured.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import type { StateConfig } from './config';
import { FileStateStore } from './file/store';
import type { StateStore } from './store';

export interface StateStoreDeps {
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** A DynamoDB client to use instead of one built from the config (tests, emulators). */
  readonly dynamodb?: DynamoDBClient;
  /** Milliseconds of a monotonic clock for lease expiry, for tests. @default performance.now */
  readonly clock?: () => number;
}

/** The store of `config`; nothing is opened or called until `open()`. */
export function createStateStore(config: StateConfig, deps: StateStoreDeps): StateStore {
  if (config.type === 'file') return new FileStateStore(config, { logger: deps.logger });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DynamoDbStateStore } = require('./dynamodb/store') as typeof import('./dynamodb/store');
  return new DynamoDbStateStore(config, { logger: deps.logger, metrics: deps.metrics, client: deps.dynamodb, clock: deps.clock });
}

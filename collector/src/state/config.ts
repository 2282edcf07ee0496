/**
 * The `state` block of the collector config, as the validated config holds it (defaults in
 * config/schema.ts): which store keeps the collector's checkpoints, leases and export progress.
 */
import type { AssumeRoleConfig } from '../aws/clients';

export interface FileStateConfig {
  readonly type: 'file';
  /** Folder of checkpoints.json and export-control.json. */
  readonly dir: string;
}

export interface DynamoDbStateConfig {
  readonly type: 'dynamodb';
  readonly table: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  /** A lease whose counter did not change for this long is taken over; renewed every third of it. */
  readonly leaseDurationMs: number;
  /** This replica's id in the table. @default host name, process id and a random suffix */
  readonly workerId?: string;
}

export type StateConfig = FileStateConfig | DynamoDbStateConfig;

/** The files of the file store, in its folder. */
export const STATE_FILES = {
  checkpoints: 'checkpoints.json',
  exportControl: 'export-control.json',
} as const;

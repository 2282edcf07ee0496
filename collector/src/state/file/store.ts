/**
 * The file state store (state/store.ts): a folder on the collector's disk for one process. It keeps
 * the checkpoint file (`checkpoints.json`: Kinesis checkpoints and export progress) and the export
 * pause entries (`export-control.json`), and holds the folder's exclusive lock while open, so a
 * second collector on the same folder stops at start instead of delivering everything twice.
 */
import { join, resolve } from 'path';
import { FileCheckpointStore } from './checkpoint-file';
import type { Logger } from '../../ops/log';
import { mkdirPrivate } from '../../ops/private-files';
import { FileStateConfig, STATE_FILES } from '../config';
import type { ExportStore } from '../export';
import type { ExportStateOptions, ShardLeaseOptions, ShardLeases, StateStore } from '../store';
import { FileExportStore } from './export';
import { FileShardLeases } from './kinesis';

export interface FileStateDeps {
  readonly logger: Logger;
}

export class FileStateStore implements StateStore {
  readonly type = 'file' as const;
  readonly dir: string;
  readonly describe: Readonly<Record<string, unknown>>;
  /** The checkpoint file. Readers that must not take the lock (`export status`) use it without `open`. */
  readonly checkpoints: FileCheckpointStore;

  constructor(
    config: FileStateConfig,
    private readonly deps: FileStateDeps,
  ) {
    this.dir = resolve(config.dir);
    this.checkpoints = new FileCheckpointStore(join(this.dir, STATE_FILES.checkpoints));
    this.describe = { type: 'file', dir: this.dir };
  }

  async open(): Promise<void> {
    await mkdirPrivate(this.dir);
    const log = this.deps.logger.child({ component: 'state' });
    const file = this.checkpoints.file;
    await this.checkpoints.open({
      tookOver: (previous, why) => log.warn({ file, previous, why }, 'took over the stale lock of the state folder'),
      refreshFailed: (err) => log.error({ file, err }, 'cannot refresh the lock of the state folder'),
    });
  }

  close(): Promise<void> {
    return this.checkpoints.close();
  }

  shardLeases(o: ShardLeaseOptions): ShardLeases {
    return new FileShardLeases(this.checkpoints, o.stream);
  }

  exportState(o: ExportStateOptions): ExportStore {
    return new FileExportStore({
      checkpoints: this.checkpoints,
      controlFile: join(this.dir, STATE_FILES.exportControl),
      scope: o.scope,
      logger: o.logger,
      metrics: o.metrics,
    });
  }
}

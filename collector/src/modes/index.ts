import type { SourceConfig } from '../config/load';
import { ERROR_CODES } from '../types';
import type { ExportOverrides } from './export';
import { kinesisMode } from './kinesis';
import type { Mode, ModeContext } from './types';

/** Builds the source of the configured mode. Modes other than Kinesis are loaded on demand. */
export function buildMode(source: SourceConfig, ctx: ModeContext, options: { readonly export?: ExportOverrides } = {}): Mode {
  switch (source.type) {
    case 'kinesis':
      return kinesisMode(source, ctx);
    case 'sqs':
      throw Object.assign(new Error(`source type "${source.type}" is not wired into the collector yet`), { code: ERROR_CODES.config });
    case 'export': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { exportMode } = require('./export') as typeof import('./export');
      return exportMode(source, ctx, options.export);
    }
  }
}

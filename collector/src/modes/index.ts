import type { SourceConfig } from '../config/load';
import type { ExportOverrides } from './export';
import { kinesisMode } from './kinesis';
import type { Mode, ModeContext } from './types';

/** Builds the source of the configured mode. Modes other than Kinesis are loaded on demand. */
export function buildMode(source: SourceConfig, ctx: ModeContext, options: { readonly export?: ExportOverrides } = {}): Mode {
  switch (source.type) {
    case 'kinesis':
      return kinesisMode(source, ctx);
    case 'sqs': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { sqsMode } = require('./sqs') as typeof import('./sqs');
      return sqsMode(source, ctx);
    }
    case 'export': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { exportMode } = require('./export') as typeof import('./export');
      return exportMode(source, ctx, options.export);
    }
  }
}

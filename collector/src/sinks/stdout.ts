import type { Writable } from 'stream';
import { NormalizedEvent, SinkError } from '../types';
import { BatchSink, Mutex, SinkDeps, SinkRequest, retryPolicy } from './common';
import { SINK_DEFAULTS, StdoutSinkConfig } from './config';
import { describeError } from './retry';

/**
 * NDJSON on stdout, one event per line. A request is delivered when the stream's write callback
 * fired (the bytes were handed to the pipe, file or terminal behind stdout). A failed write (EPIPE:
 * the reader went away) leaves stdout destroyed, so it is not retried.
 */
export class StdoutSink extends BatchSink {
  private readonly out: Writable;
  private readonly lock = new Mutex();
  private readonly onError = (e: Error) => this.logger.error({ error: e.message }, 'stdout failed');

  constructor(config: StdoutSinkConfig, deps: SinkDeps) {
    super('stdout', deps, retryPolicy(config.retry, '$.sink'), { batchSize: config.batchSize ?? SINK_DEFAULTS.stdout.batchSize });
    this.out = deps.stdout ?? process.stdout;
    // Without a listener an EPIPE on stdout would crash the process; the write callback reports it.
    this.out.on('error', this.onError);
  }

  protected encode(event: NormalizedEvent): Buffer {
    return Buffer.from(`${this.serialize(event)}\n`, 'utf8');
  }

  protected deliver(request: SinkRequest): Promise<void> {
    const payload = Buffer.concat(request.pieces as Buffer[], request.bytes);
    return this.lock.run(
      () =>
        new Promise<void>((resolve, reject) => {
          // A stream that failed once is destroyed for good: retrying cannot help.
          if (this.out.destroyed || !this.out.writable) return reject(new SinkError('stdout is closed', false));
          this.out.write(payload, (err) => (err ? reject(new SinkError(`writing to stdout failed: ${describeError(err)}`, false)) : resolve()));
        }),
    );
  }

  protected async release(): Promise<void> {
    await this.lock.run(async () => undefined);
    this.out.off('error', this.onError);
  }
}

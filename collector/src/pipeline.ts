import { Logger } from './ops/log';
import { abortableSleep, backoffDelayMs } from './ops/backoff';
import { CollectorMetrics, DECODE_ERROR_LABELS } from './ops/metrics';
import { DeadLetter, DeadLetterFile } from './ops/dead-letter';
import { serializationProblem } from './serialize';
import { DecodeError, ERROR_CODES, NormalizedEvent, Sink, SourceBatch } from './types';

export interface PipelineOptions {
  readonly sink: Sink;
  /**
   * Turns one raw record into events: an array, or (for large records such as S3 objects) an
   * iterable of event chunks, consumed lazily so that at most about `maxPendingEvents` events are
   * held at once. Throws DecodeError (also while iterating) for bytes that cannot be decoded.
   */
  readonly decode: (record: SourceBatch['records'][number]) => NormalizedEvent[] | Iterable<readonly NormalizedEvent[]>;
  /** Events decoded but not yet delivered after which the pipeline delivers before decoding further. @default 5000 */
  readonly maxPendingEvents?: number;
  readonly deadLetters: DeadLetterFile;
  readonly metrics: CollectorMetrics;
  readonly logger: Logger;
  /** Source kind for metric labels. */
  readonly sourceKind: string;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** For tests. @default real timers */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Owns the ack rule: decode every record of a batch (undecodable ones are dead-lettered, durably,
 * and skipped, as is any event that cannot be serialized, on its own), deliver the events (in slices of at most about `maxPendingEvents` when records are
 * large, so memory stays bounded), and only then acknowledge the batch so the source checkpoints
 * it (a batch marked `retainOnDecodeError` that had an undecodable record is delivered but not
 * acknowledged). A failing sink never loses events: the batch is held and retried with back-off
 * until it is delivered, or until the pipeline is stopped, in which case it is left unacknowledged
 * (and re-read).
 */
export class Pipeline {
  private readonly stopping = new AbortController();
  private inFlight = 0;

  constructor(private readonly o: PipelineOptions) {}

  /** The source's batch handler. Rejects only when stopped before delivery (the batch stays unacknowledged). */
  readonly handle = async (batch: SourceBatch): Promise<void> => {
    this.inFlight++;
    try {
      const max = this.o.maxPendingEvents ?? 5000;
      let pending: NormalizedEvent[] = [];
      let count = 0;
      const flush = async () => {
        if (!pending.length) return;
        const events = pending;
        pending = [];
        this.o.metrics.eventsIn.inc({ source: this.o.sourceKind }, events.length);
        count += events.length;
        await this.deliver(events, batch.labels);
      };
      const dead: DeadLetter[] = [];
      for (const record of batch.records) {
        let index = 0;
        // An event that cannot be serialized is dead-lettered alone: a sink could never take it, and retrying would stall the source.
        const take = (events: readonly NormalizedEvent[]) => {
          for (const e of events) {
            const problem = serializationProblem(e);
            if (problem === undefined) pending.push(e);
            else dead.push(this.unserializable(record, index, problem, e));
            index++;
          }
        };
        try {
          const out = this.o.decode(record);
          if (Array.isArray(out)) {
            take(out);
          } else {
            // Chunks of a large record: delivered as they come, so the record is never held whole.
            for (const chunk of out as Iterable<readonly NormalizedEvent[]>) {
              take(chunk);
              if (pending.length >= max) await flush();
            }
          }
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          this.o.metrics.decodeErrors.inc({ reason: DECODE_ERROR_LABELS[e.reason] });
          dead.push({ origin: record.origin, code: e.code, error: e.message, offset: e.offset, data: Buffer.from(record.data).toString('base64') });
        }
        if (pending.length >= max) await flush();
      }
      if (dead.length) {
        await this.o.deadLetters.write(dead);
        this.o.logger.warn(
          { count: dead.length, labels: batch.labels, path: this.o.deadLetters.path },
          'records failed to decode; written to the dead-letter file',
        );
      }
      if (pending.length) await flush();
      else if (count === 0) this.o.metrics.eventsIn.inc({ source: this.o.sourceKind }, 0);
      if (dead.length && batch.retainOnDecodeError) {
        this.o.logger.warn(
          { labels: batch.labels, delivered: count },
          'batch not acknowledged: its source keeps batches with undecodable records (to be redelivered, then dead-lettered by the source)',
        );
        return;
      }
      await batch.ack();
    } finally {
      this.inFlight--;
    }
  };

  /** The dead letter of the `index`th event of `record`, which cannot be serialized: its message is kept (base64), as far as it is a string. */
  private unserializable(record: SourceBatch['records'][number], index: number, problem: string, e: NormalizedEvent): DeadLetter {
    const error = new DecodeError('unserializable', `event ${index} of the record cannot be serialized: ${problem}`);
    this.o.metrics.decodeErrors.inc({ reason: DECODE_ERROR_LABELS[error.reason] });
    const message = typeof e.message === 'string' ? e.message : '';
    return { origin: record.origin, code: error.code, error: error.message, data: Buffer.from(message, 'utf8').toString('base64') };
  }

  /** Stops retrying: a batch not yet delivered is abandoned unacknowledged. */
  stop(): void {
    this.stopping.abort();
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  private async deliver(events: NormalizedEvent[], labels: Readonly<Record<string, string>>): Promise<void> {
    const policy = { baseMs: this.o.retryInitialDelayMs, capMs: this.o.retryMaxDelayMs };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.sink.send(events);
        return;
      } catch (e) {
        if (this.stopping.signal.aborted) throw new Error(`stopped before ${events.length} events were delivered; they will be read again`, { cause: e });
        this.o.metrics.retries.inc({ component: 'pipeline' });
        const delay = backoffDelayMs(policy, attempt - 1);
        this.o.logger.error(
          { err: e, code: (e as { code?: string }).code ?? ERROR_CODES.sink, attempt, events: events.length, labels, retryInMs: Math.round(delay) },
          'sink failed; holding the batch and retrying',
        );
        await (this.o.sleep ?? abortableSleep)(delay, this.stopping.signal);
        if (this.stopping.signal.aborted) throw new Error(`stopped before ${events.length} events were delivered; they will be read again`, { cause: e });
      }
    }
  }
}

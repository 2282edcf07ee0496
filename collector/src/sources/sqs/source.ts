/**
 * The SQS-notification source: S3 objects (Firehose output) announced on an SQS queue, by S3 event
 * notifications, SNS fan-out or EventBridge (see s3-notifications.ts).
 *
 * - Long-polls the queue with at most `concurrency` messages in flight (a receive asks only for the
 *   free slots).
 * - Per message: parse the body; an `s3:TestEvent` (or a message whose records announce no created
 *   object) is deleted and ignored. Otherwise every announced object (deduplicated) is fetched and
 *   ONE batch per message is handed to `handle`: one record per object (the object's bytes, origin
 *   `firehose-object` with bucket and key, timestamp = the object's LastModified), labels
 *   `{ queue, messageId }`, `retainOnDecodeError` set (a message with an undecodable object is not
 *   acknowledged, so it reaches the DLQ); `ack()` deletes the message.
 * - While a message is being worked on (fetch + handle), its visibility is extended every
 *   visibilityTimeout/2 seconds (to visibilityTimeout), so a slow sink keeps it invisible; extending
 *   stops when the message is done.
 * - Never deleted (so re-delivered after the visibility timeout, and moved to the queue's DLQ by its
 *   redrive policy after maxReceiveCount): a body that is not a notification (counted as
 *   `decodeErrors{reason="notification"}`), a message whose object could not be fetched, a message
 *   whose `handle` rejected or resolved without acknowledging.
 * - `run` resolves after `signal` aborts, once every in-flight message is finished; no receive
 *   starts after the abort (object fetches in progress are aborted, leaving their messages).
 * - Counts `bytesIn{source="sqs"}` (object bytes fetched) and `retries{component="sqs"}`.
 */
import { classifyAwsError } from '../../aws/errors';
import { abortableSleep, backoffDelayMs, Sleep } from '../../ops/backoff';
import { Logger } from '../../ops/log';
import { CollectorMetrics } from '../../ops/metrics';
import { DecodeError, ERROR_CODES, Source, SourceBatch } from '../../types';
import { SQS_POLLING_DEFAULTS } from './config';
import type { S3Port, SqsMessage, SqsPort } from './ports';
import { dedupeObjects, parseS3Notification, S3ObjectRef } from './s3-notifications';

export interface SqsSourceOptions {
  readonly sqs: SqsPort;
  readonly s3: S3Port;
  /** For labels and logs (the last path segment is used as the queue's name). */
  readonly queueUrl: string;
  /** Messages worked on at once. @default the config schema's */
  readonly concurrency?: number;
  /** Long-poll wait of a receive (0–20). @default the config schema's */
  readonly waitTimeSeconds?: number;
  /** Messages asked for per receive (1–10); never more than the free slots. @default the config schema's */
  readonly maxMessages?: number;
  /** How long received messages stay invisible (asked on each receive); in-flight messages are extended by as much every half of it. @default the config schema's */
  readonly visibilityTimeoutSeconds?: number;
  /** Base of the back-off (ops/backoff.ts) after a failed receive. @default 1000 */
  readonly backoffBaseMs?: number;
  /** Cap of that back-off. @default 30000 */
  readonly backoffMaxMs?: number;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Waits `ms`, resolving early (never rejecting) when `signal` aborts; for tests. @default timers */
  readonly sleep?: Sleep;
  /** Uniform in [0, 1), for the back-off jitter; for tests. @default Math.random */
  readonly random?: () => number;
  /** Milliseconds since the epoch, for tests. @default Date.now */
  readonly clock?: () => number;
}

/** What happened to messages, since construction (for tests and diagnostics). */
export interface SqsSourceStats {
  received: number;
  /** Deleted after the pipeline acknowledged their batch. */
  acked: number;
  /** s3:TestEvent messages, deleted. */
  testEvents: number;
  /** Messages announcing no created object (only ignored records), deleted. */
  empty: number;
  /** Bodies that are not notifications, left for the DLQ. */
  notificationErrors: number;
  /** Messages left because an object could not be fetched. */
  fetchErrors: number;
  /** Messages left because `handle` rejected or did not acknowledge. */
  handlerErrors: number;
  /** Successful visibility extensions. */
  extensions: number;
}

/** Invalid options, or a misuse of the source. */
export class SqsSourceError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqsSourceError';
  }
}

/** The back-off after a failed receive, when the options give none. */
const RECEIVE_BACKOFF = { baseMs: 1000, capMs: 30000 } as const;

/** The queue's name from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`), or the URL itself. */
export function sqsQueueName(queueUrl: string): string {
  const trimmed = queueUrl.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i >= 0 && i < trimmed.length - 1 ? trimmed.slice(i + 1) : trimmed;
}

export class SqsSource implements Source {
  readonly queue: string;
  readonly stats: SqsSourceStats = { received: 0, acked: 0, testEvents: 0, empty: 0, notificationErrors: 0, fetchErrors: 0, handlerErrors: 0, extensions: 0 };
  private readonly concurrency: number;
  private readonly waitTimeSeconds: number;
  private readonly maxMessages: number;
  private readonly visibilityTimeoutSeconds: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly clock: () => number;
  private readonly log: Logger;
  private running = false;

  constructor(private readonly o: SqsSourceOptions) {
    const d = SQS_POLLING_DEFAULTS;
    this.concurrency = o.concurrency ?? d.concurrency;
    this.waitTimeSeconds = o.waitTimeSeconds ?? d.waitTimeSeconds;
    this.maxMessages = o.maxMessages ?? d.maxMessages;
    this.visibilityTimeoutSeconds = o.visibilityTimeoutSeconds ?? d.visibilityTimeoutSeconds;
    this.backoffBaseMs = o.backoffBaseMs ?? RECEIVE_BACKOFF.baseMs;
    this.backoffMaxMs = o.backoffMaxMs ?? RECEIVE_BACKOFF.capMs;
    const problems: string[] = [];
    if (typeof o.queueUrl !== 'string' || o.queueUrl === '') problems.push(`queueUrl must be a non-empty string, got ${JSON.stringify(o.queueUrl)}`);
    const int = (name: string, v: number, min: number, max: number) => {
      if (!(Number.isInteger(v) && v >= min && v <= max)) problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    };
    int('concurrency', this.concurrency, 1, 10000);
    int('waitTimeSeconds', this.waitTimeSeconds, 0, 20);
    int('maxMessages', this.maxMessages, 1, 10);
    // SQS allows 0 to 12 hours; under 2 s there is no room to extend before it expires.
    int('visibilityTimeoutSeconds', this.visibilityTimeoutSeconds, 2, 43200);
    for (const [name, v] of [
      ['backoffBaseMs', this.backoffBaseMs],
      ['backoffMaxMs', this.backoffMaxMs],
    ] as const) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`${name} must be a positive number, got ${JSON.stringify(v)}`);
    }
    if (problems.length) throw new SqsSourceError(`invalid SqsSource options: ${problems.join('; ')}`);
    this.queue = sqsQueueName(o.queueUrl);
    this.sleep = o.sleep ?? abortableSleep;
    this.random = o.random ?? Math.random;
    this.clock = o.clock ?? Date.now;
    this.log = o.logger.child({ queue: this.queue });
  }

  async run(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    if (this.running) throw new SqsSourceError(`SqsSource for ${this.queue} is already running`);
    this.running = true;
    const inFlight = new Set<Promise<void>>();
    const aborted = abortPromise(signal);
    try {
      let errors = 0;
      while (!signal.aborted) {
        while (inFlight.size >= this.concurrency && !signal.aborted) {
          await Promise.race([...inFlight, aborted]);
        }
        if (signal.aborted) break;
        let messages: readonly SqsMessage[];
        try {
          // Received messages stay invisible for our timeout whatever the queue's is, so the first extension (at half of it) is always in time.
          messages = await this.o.sqs.receive({
            maxMessages: Math.min(this.maxMessages, this.concurrency - inFlight.size),
            waitTimeSeconds: this.waitTimeSeconds,
            visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
            signal,
          });
        } catch (e) {
          if (signal.aborted) break;
          this.o.metrics.retries.inc({ component: 'sqs' });
          // Every class is retried: the queue holds the messages meanwhile, so waiting loses nothing.
          const delayMs = backoffDelayMs({ baseMs: this.backoffBaseMs, capMs: this.backoffMaxMs }, errors++, this.random);
          this.log.warn({ err: e, errorClass: classifyAwsError(e), attempt: errors, retryInMs: Math.round(delayMs) }, 'ReceiveMessage failed; retrying');
          await this.sleep(delayMs, signal);
          continue;
        }
        errors = 0;
        // A receive that raced the abort still returns its messages: work on them (they are invisible now anyway).
        for (const m of messages) {
          const p: Promise<void> = this.processMessage(m, handle, signal)
            .catch((e) => this.log.error({ err: e, messageId: m.messageId }, 'unexpected error processing a message; leaving it on the queue'))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
      await Promise.all([...inFlight]);
    } finally {
      this.running = false;
    }
  }

  private async processMessage(m: SqsMessage, handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    this.stats.received++;
    const log = this.log.child({ messageId: m.messageId });
    const startedAt = this.clock();
    let parsed: ReturnType<typeof parseS3Notification>;
    try {
      parsed = parseS3Notification(m.body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.stats.notificationErrors++;
      this.o.metrics.decodeErrors.inc({ reason: 'notification' });
      log.warn({ err: e, receiveCount: m.receiveCount }, 'message is not an S3 notification; leaving it for the dead-letter queue (redrive policy)');
      return;
    }
    if (parsed.kind === 'test') {
      this.stats.testEvents++;
      log.info({ bucket: parsed.bucket }, 's3:TestEvent received; deleting it');
      await this.deleteQuietly(m, log);
      return;
    }
    for (const ig of parsed.ignored) log.debug({ ignored: ig }, 'notification record ignored');
    const objects = dedupeObjects(parsed.objects);
    if (objects.length === 0) {
      this.stats.empty++;
      log.info({ ignored: parsed.ignored.length }, 'notification announces no created object; deleting it');
      await this.deleteQuietly(m, log);
      return;
    }

    const done = new AbortController();
    const extender = this.extendVisibility(m, done.signal, log);
    try {
      const records: { data: Uint8Array; origin: { kind: 'firehose-object'; bucket: string; key: string; offset: number }; timestamp?: number }[] = [];
      for (const obj of objects) {
        const fetched = await this.fetch(obj, m, signal, log);
        if (fetched === undefined) return;
        const time = fetched.lastModified?.getTime();
        records.push({
          data: fetched.body,
          origin: { kind: 'firehose-object', bucket: obj.bucket, key: obj.key, offset: 0 },
          ...(time !== undefined && Number.isFinite(time) ? { timestamp: time } : {}),
        });
      }
      let acked = false;
      let deleting: Promise<void> | undefined;
      const batch: SourceBatch = {
        records,
        labels: { queue: this.queue, messageId: m.messageId },
        retainOnDecodeError: true,
        ack: () => {
          // One DeleteMessage however often ack() is called; a failed one may be tried again.
          deleting ??= this.o.sqs.delete(m.receiptHandle).then(
            () => {
              acked = true;
              this.stats.acked++;
            },
            (e: unknown) => {
              deleting = undefined;
              throw new SqsSourceError(`DeleteMessage of message ${m.messageId} on ${this.queue} failed: ${e instanceof Error ? e.message : String(e)}`, {
                cause: e,
              });
            },
          );
          return deleting;
        },
      };
      try {
        await handle(batch);
      } catch (e) {
        this.stats.handlerErrors++;
        log.warn({ err: e, objects: objects.length }, 'batch handler failed; leaving the message to be received again');
        return;
      }
      if (!acked) {
        this.stats.handlerErrors++;
        log.warn(
          { objects: objects.length, receiveCount: m.receiveCount },
          'batch not acknowledged (e.g. an object failed to decode); leaving the message to be received again, then moved to the dead-letter queue',
        );
        return;
      }
      log.debug({ objects: objects.length, ms: this.clock() - startedAt }, 'message delivered and deleted');
    } finally {
      done.abort();
      await extender;
    }
  }

  /** The object's bytes and LastModified, or undefined (logged and counted) when it could not be fetched. */
  private async fetch(obj: S3ObjectRef, m: SqsMessage, signal: AbortSignal, log: Logger): Promise<{ body: Uint8Array; lastModified?: Date } | undefined> {
    try {
      const got = await this.o.s3.getObject(obj.bucket, obj.key, signal);
      this.o.metrics.bytesIn.inc({ source: 'sqs' }, got.body.byteLength);
      return got;
    } catch (e) {
      this.stats.fetchErrors++;
      if (signal.aborted) log.info({ bucket: obj.bucket, object: obj.key }, 'stopped while fetching an object; leaving the message to be received again');
      else
        log.warn({ err: e, bucket: obj.bucket, object: obj.key, receiveCount: m.receiveCount }, 'GetObject failed; leaving the message to be received again');
      return undefined;
    }
  }

  /** Every visibilityTimeout/2, sets the message's visibility to visibilityTimeout from now, until `done` aborts. */
  private async extendVisibility(m: SqsMessage, done: AbortSignal, log: Logger): Promise<void> {
    const intervalMs = (this.visibilityTimeoutSeconds * 1000) / 2;
    while (!done.aborted) {
      await this.sleep(intervalMs, done);
      if (done.aborted) return;
      try {
        await this.o.sqs.changeVisibility(m.receiptHandle, this.visibilityTimeoutSeconds);
        this.stats.extensions++;
      } catch (e) {
        this.o.metrics.retries.inc({ component: 'sqs' });
        log.warn({ err: e }, 'ChangeMessageVisibility failed; the message may be received again while in flight');
      }
    }
  }

  private async deleteQuietly(m: SqsMessage, log: Logger): Promise<void> {
    try {
      await this.o.sqs.delete(m.receiptHandle);
    } catch (e) {
      log.warn({ err: e }, 'DeleteMessage failed; the message will be received again');
    }
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * An in-process stand-in for the CloudWatch Logs export API, for tests.
 *
 * It speaks the real AWS JSON 1.1 protocol (POST /, `X-Amz-Target: Logs_20140328.<Operation>`,
 * JSON bodies, errors as HTTP 400 with `{"__type", "message"}` and `x-amzn-ErrorType`), so
 * `@aws-sdk/client-cloudwatch-logs` works against it with only `endpoint` changed. Requests are not
 * authenticated: any credentials are accepted.
 *
 * Export tasks run asynchronously, PENDING → RUNNING → COMPLETED, and write AWS's layout through
 * `options.writeObject`:
 *   `<destinationPrefix>/aws-logs-write-test`                       (at CreateExportTask)
 *   `<destinationPrefix>/<taskId>/<logStreamName>/000000.gz`         (gzip of `<ISO time>Z <message>\n` lines)
 * with the events whose timestamp is in [from, to] (both ends inclusive, as AWS documents: events
 * before `from` or later than `to` are not exported), sorted by time. Streams with no such events get
 * no object.
 */

export type CwlOperation = 'DescribeLogGroups' | 'CreateExportTask' | 'DescribeExportTasks' | 'CancelExportTask';
export const CWL_OPERATIONS: readonly CwlOperation[] = ['DescribeLogGroups', 'CreateExportTask', 'DescribeExportTasks', 'CancelExportTask'];

export type ExportTaskStatusCode = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'PENDING_CANCEL';

/** Injectable failures: `LimitExceeded` → LimitExceededException, `Throttling` → ThrottlingException. */
export type InjectedFailure = 'LimitExceeded' | 'Throttling';

/** Where exported objects go. Rejecting fails the call (marker) or the task (data). */
export type WriteObject = (bucket: string, key: string, body: Buffer) => Promise<void>;

export interface CwlExportServerOptions {
  /** Where the export writes objects; default: an in-memory store readable as `server.objects`. */
  writeObject?: WriteObject;
  /** Time a task spends in PENDING and then again in RUNNING (default 50 ms). Can be changed later on the server. */
  taskDelayMs?: number;
  /** Tasks reach RUNNING but never complete while this is true (default false). Can be changed later. */
  stuck?: boolean;
  /** Events per `NNNNNN.gz` object of a stream (default: all in `000000.gz`). */
  eventsPerObject?: number;
  /** Account id used in ARNs (default 123456789012). */
  accountId?: string;
  /** Region used in ARNs (default us-east-1). */
  region?: string;
}

export interface LogEventInput {
  timestamp: number;
  message: string;
}

export interface ExportTaskState {
  taskId: string;
  taskName?: string;
  logGroupName: string;
  logStreamNamePrefix?: string;
  from: number;
  to: number;
  destination: string;
  destinationPrefix: string;
  status: { code: ExportTaskStatusCode; message?: string };
  executionInfo: { creationTime: number; completionTime?: number };
}

export interface CwlExportServer {
  /** `http://127.0.0.1:<port>`, to pass as the client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Objects written by the default in-memory writer, keyed `<bucket>/<key>` (empty when `writeObject` was given). */
  readonly objects: Map<string, Buffer>;
  /** Calls received per operation (including ones that failed, unknown operations under their own name). */
  readonly calls: Record<string, number>;
  taskDelayMs: number;
  stuck: boolean;

  addLogGroup(name: string, creationTime?: number): void;
  /** Appends events to a stream of an existing group, creating the stream if needed. */
  putEvents(group: string, stream: string, events: LogEventInput[]): void;
  /** Makes the next call of `operation` (or of any operation when omitted) fail once. Queued in order. */
  failNext(failure: InjectedFailure, operation?: CwlOperation): void;
  /**
   * `'next'`: the next task created fails when it would complete (writes no data objects).
   * A task id: that task, if PENDING or RUNNING, becomes FAILED now. Throws for an unknown or finished task.
   */
  failTask(taskIdOrNext: string): void;
  /** A copy of a task's current state. */
  task(taskId: string): ExportTaskState | undefined;
  tasks(): ExportTaskState[];
  /** Resolves once the task is no longer PENDING/RUNNING (polls; rejects after timeoutMs). */
  waitForTask(taskId: string, timeoutMs?: number): Promise<ExportTaskState>;
  close(): Promise<void>;
}

interface LogStream {
  name: string;
  creationTime: number;
  events: LogEventInput[];
}

interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const MARKER_NAME = 'aws-logs-write-test';
const MARKER_BODY = Buffer.from('Permission Check Successful');
const ACTIVE: readonly ExportTaskStatusCode[] = ['PENDING', 'RUNNING'];

/** An object writer over an S3 client, e.g. `s3ObjectWriter(new S3Client({...}), PutObjectCommand)`. */
export function s3ObjectWriter(
  // Structural, so this file needs no @aws-sdk/client-s3 at compile time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  s3: { send(command: any): Promise<unknown> },
  PutObjectCommand: new (input: { Bucket: string; Key: string; Body: Buffer; ContentType?: string }) => unknown,
): WriteObject {
  return async (bucket, key, body) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
  };
}

/** The default writer: an in-memory map keyed `<bucket>/<key>`. */
export function memoryObjectWriter(objects = new Map<string, Buffer>()): { objects: Map<string, Buffer>; writeObject: WriteObject } {
  return {
    objects,
    writeObject: async (bucket, key, body) => {
      objects.set(`${bucket}/${key}`, Buffer.from(body));
    },
  };
}

/** The text AWS puts in an export object for these events (before gzip). */
export function exportLines(events: LogEventInput[]): string {
  return events.map((e) => `${new Date(e.timestamp).toISOString()} ${e.message}\n`).join('');
}

function joinKey(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p.length > 0)
    .join('/');
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64');
}

function decodeToken(token: unknown): number {
  if (token === undefined || token === null) return 0;
  try {
    const o = (JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw new ApiError('InvalidParameterException', 'The specified nextToken is invalid.');
}

function pageLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return 50;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw new ApiError(
      'InvalidParameterException',
      "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 50",
    );
  }
  return limit;
}

function paginate<T>(items: T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const limit = pageLimit(input.limit);
  const offset = decodeToken(input.nextToken);
  const page = items.slice(offset, offset + limit);
  return offset + limit < items.length ? { page, nextToken: encodeToken(offset + limit) } : { page };
}

function requireString(input: Record<string, unknown>, name: string): string {
  const v = input[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw new ApiError('InvalidParameterException', `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

function requireTime(input: Record<string, unknown>, name: string): number {
  const v = input[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ApiError(
      'InvalidParameterException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  return v;
}

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('InvalidParameterException', `Value at '${name}' must be a string`);
  return v;
}

function copyTask(t: ExportTaskState): ExportTaskState {
  return { ...t, status: { ...t.status }, executionInfo: { ...t.executionInfo } };
}

export async function startCwlExportServer(options: CwlExportServerOptions = {}): Promise<CwlExportServer> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const memory = memoryObjectWriter();
  const writeObject = options.writeObject ?? memory.writeObject;
  const eventsPerObject = options.eventsPerObject ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(eventsPerObject) || eventsPerObject < 1) throw new Error('eventsPerObject must be a positive integer');

  const groups = new Map<string, LogGroup>();
  const tasks = new Map<string, ExportTaskState>();
  const failures: { failure: InjectedFailure; operation?: CwlOperation }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const calls: Record<string, number> = Object.fromEntries(CWL_OPERATIONS.map((op) => [op, 0]));
  let failNextTask = false;
  const doomed = new Set<string>();
  let closed = false;

  const later = (ms: number, fn: () => void): void => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };

  const finish = (task: ExportTaskState, code: 'COMPLETED' | 'FAILED', message?: string): void => {
    task.status = message === undefined ? { code } : { code, message };
    task.executionInfo.completionTime = Date.now();
  };

  const groupArn = (name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;

  async function writeData(task: ExportTaskState): Promise<void> {
    const group = groups.get(task.logGroupName);
    if (!group) return;
    const streams = [...group.streams.values()]
      .filter((s) => task.logStreamNamePrefix === undefined || s.name.startsWith(task.logStreamNamePrefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const stream of streams) {
      const events = stream.events
        .filter((e) => e.timestamp >= task.from && e.timestamp <= task.to)
        .map((e, i) => ({ e, i }))
        .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
        .map(({ e }) => e);
      const chunks: LogEventInput[][] = [];
      for (let start = 0; start < events.length; start += eventsPerObject) chunks.push(events.slice(start, start + eventsPerObject));
      for (const [part, chunk] of chunks.entries()) {
        const key = joinKey(task.destinationPrefix, task.taskId, stream.name, `${String(part).padStart(6, '0')}.gz`);
        await writeObject(task.destination, key, gzipSync(Buffer.from(exportLines(chunk), 'utf8')));
      }
    }
  }

  function complete(task: ExportTaskState): void {
    if (task.status.code !== 'RUNNING') return;
    if (doomed.delete(task.taskId)) {
      finish(task, 'FAILED', 'Export task failed (injected by test).');
      return;
    }
    if (server.stuck) {
      later(Math.max(server.taskDelayMs, 20), () => complete(task));
      return;
    }
    writeData(task).then(
      () => {
        if (task.status.code === 'RUNNING') finish(task, 'COMPLETED', 'Completed successfully');
      },
      (err: unknown) => {
        if (task.status.code === 'RUNNING') finish(task, 'FAILED', `Failed to write to destination: ${(err as Error)?.message ?? String(err)}`);
      },
    );
  }

  function schedule(task: ExportTaskState): void {
    later(server.taskDelayMs, () => {
      if (task.status.code !== 'PENDING') return;
      task.status = { code: 'RUNNING', message: 'Started successfully' };
      later(server.taskDelayMs, () => complete(task));
    });
  }

  const handlers: Record<CwlOperation, (input: Record<string, unknown>) => Promise<unknown>> = {
    async DescribeLogGroups(input) {
      const prefix = optionalString(input, 'logGroupNamePrefix');
      const all = [...groups.values()]
        .filter((g) => prefix === undefined || g.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const { page, nextToken } = paginate(all, input);
      return {
        logGroups: page.map((g) => ({
          logGroupName: g.name,
          creationTime: g.creationTime,
          metricFilterCount: 0,
          arn: `${groupArn(g.name)}:*`,
          logGroupArn: groupArn(g.name),
          storedBytes: [...g.streams.values()].reduce((n, s) => n + s.events.reduce((m, e) => m + Buffer.byteLength(e.message), 0), 0),
          logGroupClass: 'STANDARD',
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    async CreateExportTask(input) {
      const logGroupName = requireString(input, 'logGroupName');
      const from = requireTime(input, 'from');
      const to = requireTime(input, 'to');
      const destination = requireString(input, 'destination');
      const destinationPrefix = optionalString(input, 'destinationPrefix') ?? 'exportedlogs';
      const logStreamNamePrefix = optionalString(input, 'logStreamNamePrefix');
      const taskName = optionalString(input, 'taskName');
      if (from > to)
        throw new ApiError(
          'InvalidParameterException',
          'Specified time range of 0 to 1 is not valid. Please make sure the values are non-negative and the start time is before the end time.'.replace(
            '0 to 1',
            `${from} to ${to}`,
          ),
        );
      if (!groups.has(logGroupName)) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
      if ([...tasks.values()].some((t) => ACTIVE.includes(t.status.code))) {
        throw new ApiError('LimitExceededException', 'Resource limit exceeded.');
      }
      try {
        await writeObject(destination, joinKey(destinationPrefix, MARKER_NAME), MARKER_BODY);
      } catch {
        throw new ApiError(
          'InvalidParameterException',
          'GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.',
        );
      }
      // Re-check after the await: another CreateExportTask may have started meanwhile.
      if ([...tasks.values()].some((t) => ACTIVE.includes(t.status.code))) {
        throw new ApiError('LimitExceededException', 'Resource limit exceeded.');
      }
      const task: ExportTaskState = {
        taskId: randomUUID(),
        ...(taskName !== undefined ? { taskName } : {}),
        logGroupName,
        ...(logStreamNamePrefix !== undefined ? { logStreamNamePrefix } : {}),
        from,
        to,
        destination,
        destinationPrefix,
        status: { code: 'PENDING', message: 'Pending' },
        executionInfo: { creationTime: Date.now() },
      };
      tasks.set(task.taskId, task);
      if (failNextTask) {
        failNextTask = false;
        doomed.add(task.taskId);
      }
      schedule(task);
      return { taskId: task.taskId };
    },

    async DescribeExportTasks(input) {
      const taskId = optionalString(input, 'taskId');
      const statusCode = optionalString(input, 'statusCode');
      const all = [...tasks.values()].filter(
        (t) => (taskId === undefined || t.taskId === taskId) && (statusCode === undefined || t.status.code === statusCode),
      );
      const { page, nextToken } = paginate(all, input);
      return {
        exportTasks: page.map((t) => {
          const { logStreamNamePrefix: _omit, ...wire } = copyTask(t);
          void _omit;
          return wire;
        }),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    async CancelExportTask(input) {
      const taskId = requireString(input, 'taskId');
      const task = tasks.get(taskId);
      if (!task) throw new ApiError('ResourceNotFoundException', 'The specified export task does not exist.');
      if (!ACTIVE.includes(task.status.code)) {
        throw new ApiError('InvalidOperationException', `The export task with taskId ${taskId} has already ${task.status.code.toLowerCase()}.`);
      }
      task.status = { code: 'CANCELLED', message: 'Cancelled by user' };
      task.executionInfo.completionTime = Date.now();
      doomed.delete(taskId);
      return {};
    },
  };

  function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    const payload = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': payload.length,
      'x-amzn-RequestId': randomUUID(),
    };
    if (errorType) headers['x-amzn-ErrorType'] = errorType;
    res.writeHead(status, headers);
    res.end(payload);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const fail = (type: string, message: string) => send(res, 400, { __type: type, message }, type);

    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      send(res, 404, { __type: 'UnknownOperationException', message: 'Not found' }, 'UnknownOperationException');
      return;
    }
    const match = /^Logs_20140328\.(\w+)$/.exec(target);
    if (!match) return fail('UnknownOperationException', `Unknown target: ${target}`);
    const op = match[1]!;
    calls[op] = (calls[op] ?? 0) + 1;
    if (!(CWL_OPERATIONS as readonly string[]).includes(op)) return fail('UnknownOperationException', `Operation ${op} is not supported by this test server.`);
    const operation = op as CwlOperation;

    const i = failures.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (i >= 0) {
      const [f] = failures.splice(i, 1);
      return f!.failure === 'Throttling' ? fail('ThrottlingException', 'Rate exceeded') : fail('LimitExceededException', 'Resource limit exceeded.');
    }

    let input: Record<string, unknown>;
    try {
      const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return fail('SerializationException', 'Request body is not a JSON object.');
    }
    try {
      send(res, 200, await handlers[operation](input));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.type, err.message);
      send(res, 500, { __type: 'ServiceUnavailableException', message: String(err) }, 'ServiceUnavailableException');
    }
  }

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { __type: 'ServiceUnavailableException', message: String(err) }, 'ServiceUnavailableException');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  const server: CwlExportServer = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    objects: memory.objects,
    calls,
    taskDelayMs: options.taskDelayMs ?? 50,
    stuck: options.stuck ?? false,

    addLogGroup(name, creationTime = Date.now()) {
      if (groups.has(name)) throw new Error(`log group ${name} already exists`);
      groups.set(name, { name, creationTime, streams: new Map() });
    },

    putEvents(groupName, streamName, events) {
      const group = groups.get(groupName);
      if (!group) throw new Error(`no log group ${groupName}`);
      let stream = group.streams.get(streamName);
      if (!stream) {
        stream = { name: streamName, creationTime: Date.now(), events: [] };
        group.streams.set(streamName, stream);
      }
      for (const e of events) stream.events.push({ timestamp: e.timestamp, message: e.message });
    },

    failNext(failure, operation) {
      failures.push(operation === undefined ? { failure } : { failure, operation });
    },

    failTask(taskIdOrNext) {
      if (taskIdOrNext === 'next') {
        failNextTask = true;
        return;
      }
      const task = tasks.get(taskIdOrNext);
      if (!task) throw new Error(`no export task ${taskIdOrNext}`);
      if (!ACTIVE.includes(task.status.code)) throw new Error(`export task ${taskIdOrNext} is already ${task.status.code}`);
      finish(task, 'FAILED', 'Export task failed (injected by test).');
    },

    task(taskId) {
      const t = tasks.get(taskId);
      return t ? copyTask(t) : undefined;
    },

    tasks() {
      return [...tasks.values()].map(copyTask);
    },

    async waitForTask(taskId, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const t = tasks.get(taskId);
        if (!t) throw new Error(`no export task ${taskId}`);
        if (!ACTIVE.includes(t.status.code)) return copyTask(t);
        if (Date.now() > deadline) throw new Error(`export task ${taskId} still ${t.status.code} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },

    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
  return server;
}

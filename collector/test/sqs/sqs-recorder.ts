/**
 * A recording proxy between one collector replica and the SQS emulator: the replica's
 * `source.endpoint` points at it, and it forwards every call (AWS JSON protocol, `X-Amz-Target`)
 * unchanged, noting what the queue handed that replica and what it deleted. So a test knows, from
 * outside the process and as the queue saw it, which messages a replica held in flight (received,
 * not deleted) when it died, and can check the ack rule at the moment of each DeleteMessage.
 */
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One message as ReceiveMessage returned it to the replica (a redelivery is another entry, with a new receipt handle). */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** When the queue's answer reached the recorder (Date.now()). */
  readonly at: number;
}

export interface SqsRecorderOptions {
  /** The emulator's endpoint, e.g. http://127.0.0.1:4566. */
  readonly upstream: string;
  /**
   * Called with the message a DeleteMessage names, before the call is forwarded (or held): the
   * replica has acknowledged the message, so whatever it must have done first can be checked here.
   */
  readonly beforeDelete?: (message: ReceivedMessage) => void;
}

export interface SqsRecorder {
  /** The endpoint to give the replica (`source.endpoint`). */
  readonly endpoint: string;
  /** Every message the queue handed the replica, in order. */
  readonly received: readonly ReceivedMessage[];
  /** Messages the queue deleted for the replica (DeleteMessage answered 200). */
  readonly deleted: readonly ReceivedMessage[];
  /** Messages whose DeleteMessage is held since holdDeletes(). */
  readonly held: readonly ReceivedMessage[];
  /** ReceiveMessage calls in progress (long polls waiting for messages). */
  readonly polling: number;
  /** What the recorder could not make sense of (a delete of a handle it never saw, a failing beforeDelete): empty when all went well. */
  readonly problems: readonly string[];
  /**
   * From now on DeleteMessage calls are neither forwarded nor answered: the replica waits in its
   * acknowledgement (the sink already has the events) and its messages stay in flight, as when a
   * replica dies between delivering and deleting.
   */
  holdDeletes(): void;
  close(): Promise<void>;
}

/** Starts a recorder on 127.0.0.1 and a free port. */
export async function startSqsRecorder(o: SqsRecorderOptions): Promise<SqsRecorder> {
  const upstream = new URL(o.upstream);
  const received: ReceivedMessage[] = [];
  const byHandle = new Map<string, ReceivedMessage>();
  const deleted: ReceivedMessage[] = [];
  const held: ReceivedMessage[] = [];
  const heldResponses = new Set<ServerResponse>();
  const problems: string[] = [];
  let holding = false;
  let polling = 0;

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, onAnswer: (status: number, answer: Buffer) => void) => {
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const data = Buffer.concat(chunks);
          // Noted before the replica sees the answer, so a DeleteMessage that follows always finds its message.
          onAnswer(answer.statusCode ?? 0, data);
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(data);
        });
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      if (action === 'ReceiveMessage') {
        polling++;
        forward(req, body, res, (status, answer) => {
          polling--;
          if (status !== 200) return;
          let out: { Messages?: { MessageId: string; ReceiptHandle: string; Body: string }[] };
          try {
            out = JSON.parse(answer.toString('utf8')) as typeof out;
          } catch {
            problems.push(`a ReceiveMessage answer that is not JSON: ${answer.toString('utf8').slice(0, 200)}`);
            return;
          }
          for (const m of out.Messages ?? []) {
            const message = { messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body, at: Date.now() };
            received.push(message);
            byHandle.set(m.ReceiptHandle, message);
          }
        });
      } else if (action === 'DeleteMessage') {
        const message = byHandle.get(String((JSON.parse(body.toString('utf8')) as { ReceiptHandle?: unknown }).ReceiptHandle));
        if (message === undefined) {
          problems.push(`DeleteMessage of a receipt handle this replica was never given: ${body.toString('utf8')}`);
          return forward(req, body, res, () => undefined);
        }
        try {
          o.beforeDelete?.(message);
        } catch (e) {
          problems.push(`beforeDelete failed: ${(e as Error).message}`);
        }
        if (holding) {
          held.push(message);
          heldResponses.add(res);
          return;
        }
        forward(req, body, res, (status) => status === 200 && deleted.push(message));
      } else {
        forward(req, body, res, () => undefined);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    deleted,
    held,
    get polling() {
      return polling;
    },
    problems,
    holdDeletes() {
      holding = true;
    },
    async close() {
      heldResponses.forEach((r) => r.destroy());
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The SQS and S3 calls the SQS source makes, as interfaces: aws/sqs-port.ts adapts the SDK clients
 * to them (bound to one queue), tests fake them. Errors are the SDK's, classified by aws/errors.ts.
 */

/** One received SQS message. */
export interface SqsMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** ApproximateReceiveCount, when asked for. */
  readonly receiveCount?: number;
}

/** The few SQS calls the source needs, on one queue. */
export interface SqsPort {
  /** ReceiveMessage. Should resolve (or reject) promptly when `signal` aborts. */
  receive(params: {
    readonly maxMessages: number;
    readonly waitTimeSeconds: number;
    /** How long received messages stay invisible (ReceiveMessage's VisibilityTimeout, overriding the queue's). */
    readonly visibilityTimeoutSeconds?: number;
    readonly signal: AbortSignal;
  }): Promise<readonly SqsMessage[]>;
  /** DeleteMessage. */
  delete(receiptHandle: string): Promise<void>;
  /** ChangeMessageVisibility: the message stays invisible for `seconds` from now. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

/** The S3 call the source needs: GetObject, read to the end. */
export interface S3Port {
  getObject(bucket: string, key: string, signal: AbortSignal): Promise<{ readonly body: Uint8Array; readonly lastModified?: Date }>;
}

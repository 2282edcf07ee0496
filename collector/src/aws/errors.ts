/**
 * The one classifier of AWS SDK v3 errors: every AWS call site of the collector decides by it what a
 * failure means. SDK errors carry `name` (the service's error code), `$metadata.httpStatusCode` when
 * the service answered, and `$retryable` when the SDK knows the error to be transient; network
 * failures are Node errors (`code` ECONNRESET, ETIMEDOUT, …, "socket hang up") or a `TimeoutError`,
 * with no HTTP status. Rules, in order:
 *
 * - `throttling`: the service asks to slow down (throttling error names, HTTP 429, `$retryable.throttling`);
 * - `not-found`: the resource named does not exist (ResourceNotFoundException, NoSuchKey, NoSuchBucket,
 *   …); the caller knows whether that ends a unit of work (an expired shard) or is an error;
 * - `fatal`: retrying cannot help: access denied, bad credentials, validation, a KMS key not usable,
 *   and every other 4xx not known to be transient;
 * - `retryable`: everything else: 5xx, timeouts, network failures, `$retryable`, the few 4xx that pass
 *   (an expired token, a resource in use), and errors that got no HTTP answer at all.
 *
 * A value that is not an object (a thrown string, undefined) is `fatal`: a bug, not an AWS error.
 */

export type AwsErrorClass = 'throttling' | 'retryable' | 'fatal' | 'not-found';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

const FATAL = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'InvalidArgumentException',
  'InvalidParameterException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);

/** 4xx answers that pass by themselves. */
const TRANSIENT_CLIENT_ERRORS = new Set([
  'ExpiredIteratorException',
  'ExpiredTokenException',
  'ExpiredNextTokenException',
  'ResourceInUseException',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationError',
]);

/** The error's AWS name: `name` (unless the generic "Error"), else `code` or S3's `Code`; '' when none. */
export function awsErrorName(e: unknown): string {
  const err = e as { name?: unknown; code?: unknown; Code?: unknown } | null | undefined;
  if (typeof err?.name === 'string' && err.name !== 'Error') return err.name;
  if (typeof err?.code === 'string') return err.code;
  if (typeof err?.Code === 'string') return err.Code;
  return typeof err?.name === 'string' ? err.name : '';
}

/** The HTTP status the service answered with, when it answered. */
export function awsHttpStatus(e: unknown): number | undefined {
  const status = (e as { $metadata?: { httpStatusCode?: unknown } } | null | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function classifyAwsError(e: unknown): AwsErrorClass {
  if (e === null || typeof e !== 'object') return 'fatal';
  const name = awsErrorName(e);
  const status = awsHttpStatus(e);
  const retryable = (e as { $retryable?: { throttling?: boolean } }).$retryable;
  if (THROTTLING.has(name) || status === 429 || retryable?.throttling) return 'throttling';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (FATAL.has(name)) return 'fatal';
  if (TRANSIENT_CLIENT_ERRORS.has(name) || retryable) return 'retryable';
  if (status === 404) return 'not-found';
  // A client error we do not know would fail the same way forever.
  if (status !== undefined && status >= 400 && status < 500) return 'fatal';
  return 'retryable';
}

/** Throttling or retryable: waiting and calling again may succeed. */
export function isTransientAwsError(e: unknown): boolean {
  const cls = classifyAwsError(e);
  return cls === 'throttling' || cls === 'retryable';
}

/**
 * A conditional write refused because the item is not as the condition expected (DynamoDB's
 * ConditionalCheckFailedException): not a failure of the call but an answer, the lease code's
 * "someone else wrote first". Checked before `classifyAwsError`, which calls it `fatal` (a 400).
 */
export function isConditionFailed(e: unknown): boolean {
  return awsErrorName(e) === 'ConditionalCheckFailedException';
}

import { awsErrorName, awsHttpStatus, classifyAwsError } from '../../src/aws/errors';

/** An error shaped as AWS SDK v3 throws it: `name` is the service's code, `$metadata` says how it answered. */
function awsError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: something`), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }), ...extra });
}

describe('classifyAwsError', () => {
  test.each<[string, unknown]>([
    ['ThrottlingException (400)', awsError('ThrottlingException', 400)],
    ['ProvisionedThroughputExceededException (Kinesis)', awsError('ProvisionedThroughputExceededException', 400)],
    ['LimitExceededException (one export task per account)', awsError('LimitExceededException', 400)],
    ['KMSThrottlingException', awsError('KMSThrottlingException', 400)],
    ['TooManyRequestsException', awsError('TooManyRequestsException')],
    ['SlowDown (S3, 503)', awsError('SlowDown', 503)],
    ['an unnamed 429', awsError('UnknownError', 429)],
    ['$retryable.throttling', awsError('SomeSdkError', 400, { $retryable: { throttling: true } })],
    ['a code instead of a name', { code: 'LimitExceededException' }],
  ])('%s is throttling', (_what, e) => {
    expect(classifyAwsError(e)).toBe('throttling');
  });

  test.each<[string, unknown]>([
    ['ResourceNotFoundException', awsError('ResourceNotFoundException', 400)],
    ['NoSuchKey', awsError('NoSuchKey', 404)],
    ['NoSuchBucket', awsError('NoSuchBucket', 404)],
    ['S3 Code NoSuchKey on a plain object', { Code: 'NoSuchKey' }],
    ['an unnamed 404', awsError('UnknownError', 404)],
  ])('%s is not-found', (_what, e) => {
    expect(classifyAwsError(e)).toBe('not-found');
  });

  test.each<[string, unknown]>([
    ['AccessDeniedException', awsError('AccessDeniedException', 400)],
    ['S3 AccessDenied (403)', awsError('AccessDenied', 403)],
    ['KMSAccessDeniedException', awsError('KMSAccessDeniedException', 400)],
    ['InvalidArgumentException', awsError('InvalidArgumentException', 400)],
    ['InvalidParameterException', awsError('InvalidParameterException', 400)],
    ['UnrecognizedClientException', awsError('UnrecognizedClientException', 400)],
    ['an unknown 400', awsError('SomethingNew', 400)],
    ['a 403 without a name', { $metadata: { httpStatusCode: 403 } }],
    ['undefined', undefined],
    ['null', null],
    ['a thrown string', 'LimitExceeded'],
  ])('%s is fatal', (_what, e) => {
    expect(classifyAwsError(e)).toBe('fatal');
  });

  test.each<[string, unknown]>([
    ['ServiceUnavailableException', awsError('ServiceUnavailableException', 503)],
    ['InternalFailure (500)', awsError('InternalFailure', 500)],
    ['an unnamed 502', awsError('Whatever', 502)],
    ['ExpiredIteratorException (400)', awsError('ExpiredIteratorException', 400)],
    ['ExpiredTokenException (400)', awsError('ExpiredTokenException', 400)],
    ['ResourceInUseException (400)', awsError('ResourceInUseException', 400)],
    ['$retryable without throttling', awsError('SomeSdkError', 400, { $retryable: { throttling: false } })],
    ['TimeoutError', awsError('TimeoutError')],
    ['ECONNRESET as code', Object.assign(new Error('socket closed'), { code: 'ECONNRESET' })],
    ['ETIMEDOUT as code', Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT' })],
    ['socket hang up', new Error('socket hang up')],
    ['an error with no HTTP answer', new Error('read ECONNRESET')],
  ])('%s is retryable', (_what, e) => {
    expect(classifyAwsError(e)).toBe('retryable');
  });
});

describe('awsErrorName and awsHttpStatus', () => {
  test('the name wins over code; a generic "Error" name falls back to code, then S3 Code', () => {
    expect(awsErrorName(Object.assign(new Error('x'), { name: 'NoSuchKey', code: 'E1' }))).toBe('NoSuchKey');
    expect(awsErrorName(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(awsErrorName({ Code: 'NoSuchBucket' })).toBe('NoSuchBucket');
    expect(awsErrorName(new Error('x'))).toBe('Error');
    expect(awsErrorName(undefined)).toBe('');
  });

  test('the status is read from $metadata only when it is a number', () => {
    expect(awsHttpStatus(awsError('X', 503))).toBe(503);
    expect(awsHttpStatus({ $metadata: { httpStatusCode: '503' } })).toBeUndefined();
    expect(awsHttpStatus(new Error('x'))).toBeUndefined();
  });
});

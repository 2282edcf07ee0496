import {
  centralBucketPolicy,
  cloudWatchLogsTrustPolicy,
  exportBucketPolicy,
  exportCollectorPolicy,
  firehoseDeliveryRolePolicy,
  kinesisReaderPolicy,
  logDestinationPolicy,
  notificationQueuePolicy,
  POLICY_INPUT_ERROR,
  PolicyInputError,
  siemReaderPolicy,
  siemReaderTrustPolicy,
} from '../../policies';

const A = '111111111111';

/** Calls fn and returns the PolicyInputError it must throw. */
function inputError(fn: () => unknown): PolicyInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyInputError) return e;
    throw e;
  }
  throw new Error('expected a PolicyInputError, nothing was thrown');
}

describe('bad inputs throw PolicyInputError naming the parameter, the value and what is expected', () => {
  test.each([
    [
      'an 11-digit account id',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: '11111111111', streamName: 's' }),
      'accountId',
      '11111111111',
      /12-digit/,
    ],
    [
      'an account id given as a number',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: 111111111111 as unknown as string, streamName: 's' }),
      'accountId',
      111111111111,
      /as a string/,
    ],
    [
      'an unknown partition',
      () => kinesisReaderPolicy({ partition: 'aws-iso' as 'aws', region: 'us-east-1', accountId: A, streamName: 's' }),
      'partition',
      'aws-iso',
      /one of aws, aws-us-gov, aws-cn/,
    ],
    [
      'a region of another partition',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'cn-north-1', accountId: A, streamName: 's' }),
      'region',
      'cn-north-1',
      /is in aws-cn/,
    ],
    [
      'a made-up region',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'useast1', accountId: A, streamName: 's' }),
      'region',
      'useast1',
      /such as us-east-1/,
    ],
    [
      'an upper-case bucket name',
      () => notificationQueuePolicy({ partition: 'aws', region: 'us-east-1', accountId: A, queueName: 'q', bucketName: 'MyBucket' }),
      'bucketName',
      'MyBucket',
      /S3 bucket name/,
    ],
    [
      'a bucket name shaped like an IP address',
      () => notificationQueuePolicy({ partition: 'aws', region: 'us-east-1', accountId: A, queueName: 'q', bucketName: '192.168.1.1' }),
      'bucketName',
      '192.168.1.1',
      /not an IP address/,
    ],
    [
      'a queue name with a dot',
      () => notificationQueuePolicy({ partition: 'aws', region: 'us-east-1', accountId: A, queueName: 'my.queue', bucketName: 'b-b-b' }),
      'queueName',
      'my.queue',
      /SQS queue name/,
    ],
    [
      'a stream name with a slash',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, streamName: 'a/b' }),
      'streamName',
      'a/b',
      /Kinesis stream name/,
    ],
    [
      'an empty prefix',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: '' }),
      'prefix',
      '',
      /non-empty S3 key prefix/,
    ],
    [
      'a prefix that is only a slash',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: '/' }),
      'prefix',
      '/',
      /non-empty/,
    ],
    [
      'a prefix with a wildcard',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: 'logs/*' }),
      'prefix',
      'logs/*',
      /S3 key prefix/,
    ],
    [
      'a prefix with a policy variable',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: 'logs/${aws:username}' }),
      'prefix',
      'logs/${aws:username}',
      /S3 key prefix/,
    ],
    [
      'an unknown export access mode',
      () => exportBucketPolicy({ partition: 'aws', region: 'us-east-1', bucketName: 'bbb', prefix: 'p', access: { mode: 'public' } as never }),
      'access.mode',
      'public',
      /same-account, cross-account-user, cross-account-role/,
    ],
    [
      'a user name with a space',
      () =>
        exportBucketPolicy({
          partition: 'aws',
          region: 'us-east-1',
          bucketName: 'bbb',
          prefix: 'p',
          access: { mode: 'cross-account-user', sendingAccountId: A, userName: 'my user' },
        }),
      'access.userName',
      'my user',
      /IAM user or role name/,
    ],
    [
      'no source account',
      () => cloudWatchLogsTrustPolicy({ partition: 'aws', region: 'us-east-1', sourceAccountIds: [] }),
      'sourceAccountIds',
      [],
      /at least 1/,
    ],
    [
      'a bad account inside a list',
      () => cloudWatchLogsTrustPolicy({ partition: 'aws', region: 'us-east-1', sourceAccountIds: [A, 'x'] }),
      'sourceAccountIds[1]',
      'x',
      /12-digit/,
    ],
    [
      'an organization id without the o- prefix',
      () => centralBucketPolicy({ partition: 'aws', region: 'us-east-1', bucketName: 'bbb', prefix: 'p', organizationId: 'a1b2c3d4e5' }),
      'organizationId',
      'a1b2c3d4e5',
      /o-a1b2c3d4e5/,
    ],
    ['a one-character external id', () => siemReaderTrustPolicy({ partition: 'aws', siemAccountId: A, externalId: 'x' }), 'externalId', 'x', /2-1224/],
    [
      'a SIEM principal of another account',
      () => siemReaderTrustPolicy({ partition: 'aws', siemAccountId: A, externalId: 'xx', siemPrincipalArn: 'arn:aws:iam::222222222222:role/siem' }),
      'siemPrincipalArn',
      'arn:aws:iam::222222222222:role/siem',
      /principal of account 111111111111/,
    ],
    [
      'an error output prefix for the SIEM without an errors queue',
      () =>
        siemReaderPolicy({
          partition: 'aws',
          region: 'us-east-1',
          accountId: A,
          queueName: 'q',
          bucketName: 'bbb',
          prefix: 'p',
          errorOutputPrefix: 'p-errors',
        }),
      'errorOutputPrefix',
      'p-errors',
      /errorQueueName as well/,
    ],
    [
      'an errors queue that is the dead-letter queue',
      () => siemReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, queueName: 'q', bucketName: 'bbb', prefix: 'p', errorQueueName: 'q-dlq' }),
      'errorQueueName',
      'q-dlq',
      /another queue than the notification queue "q" and the dead-letter queue "q-dlq"/,
    ],
    [
      'a key ARN of another partition',
      () =>
        kinesisReaderPolicy({
          partition: 'aws',
          region: 'us-east-1',
          accountId: A,
          streamName: 's',
          kmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111111111111:key/k',
        }),
      'kmsKeyArn',
      'arn:aws-cn:kms:cn-north-1:111111111111:key/k',
      /partition aws/,
    ],
    [
      'a key id instead of a key ARN',
      () => kinesisReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, streamName: 's', kmsKeyArn: '1234abcd-12ab' }),
      'kmsKeyArn',
      '1234abcd-12ab',
      /ARN of kms/,
    ],
    [
      'a bucket key id instead of a key ARN',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: 'p', bucketKmsKeyArn: '1234abcd-12ab' }),
      'bucketKmsKeyArn',
      '1234abcd-12ab',
      /ARN of kms/,
    ],
    [
      'a bucket key ARN of another partition',
      () =>
        exportCollectorPolicy({
          partition: 'aws',
          region: 'us-east-1',
          accountId: A,
          bucketName: 'bbb',
          prefix: 'p',
          bucketKmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111111111111:key/k',
        }),
      'bucketKmsKeyArn',
      'arn:aws-cn:kms:cn-north-1:111111111111:key/k',
      /partition aws/,
    ],
    [
      'an S3 ARN as bucket key',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: 'p', bucketKmsKeyArn: 'arn:aws:s3:::bbb' }),
      'bucketKmsKeyArn',
      'arn:aws:s3:::bbb',
      /ARN of kms/,
    ],
    [
      'an empty bucket key',
      () => exportCollectorPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, bucketName: 'bbb', prefix: 'p', bucketKmsKeyArn: '' }),
      'bucketKmsKeyArn',
      '',
      /ARN of kms/,
    ],
    [
      'a destination with only an organization, no sender accounts',
      () =>
        logDestinationPolicy({
          partition: 'aws',
          region: 'us-east-1',
          accountId: A,
          destinationName: 'd',
          senderAccountIds: [],
          organizationId: 'o-a1b2c3d4e5',
        }),
      'senderAccountIds',
      [],
      /at least 1 12-digit AWS account id/,
    ],
    [
      'a log stream name with a colon',
      () =>
        firehoseDeliveryRolePolicy({
          partition: 'aws',
          region: 'us-east-1',
          accountId: A,
          bucketName: 'bbb',
          prefix: 'p',
          errorOutputPrefix: 'e',
          errorLogGroupName: 'g',
          errorLogStreamName: 'a:b',
        }),
      'errorLogStreamName',
      'a:b',
      /without : or \*/,
    ],
  ])('%s', (_what, call, param, value, expected) => {
    const err = inputError(call);
    expect(err.code).toBe(POLICY_INPUT_ERROR);
    const problem = err.problems.find((p) => p.param === param);
    expect(problem).toBeDefined();
    expect(problem!.value).toEqual(value);
    expect(problem!.expected).toMatch(expected);
    expect(err.message).toContain(`${param}: got`);
  });

  test('all problems are reported together, in one error', () => {
    const err = inputError(() =>
      exportBucketPolicy({ partition: 'aws', region: 'mars-1', bucketName: 'B', prefix: '', access: { mode: 'same-account', accountId: '1' } }),
    );
    expect(err.problems.map((p) => p.param)).toEqual(['region', 'bucketName', 'prefix', 'access.accountId']);
    expect(err.message).toMatch(/^exportBucketPolicy: 4 invalid inputs:/);
  });

  test('a Terraform reference passes where a key ARN is expected', () => {
    expect(() =>
      kinesisReaderPolicy({ partition: 'aws', region: 'us-east-1', accountId: A, streamName: 's', kmsKeyArn: '${TfToken[TOKEN.42]}' }),
    ).not.toThrow();
  });
});

import { s3BucketArn } from './arns';
import { InputCheck } from './inputs';
import { Partition } from './partitions';
import { Statement } from './types';

/**
 * Denies every S3 request to the bucket and its objects that does not use TLS. Every bucket policy
 * this library renders ends with it. A request with no `aws:SecureTransport` key is not matched, so
 * AWS services acting on their own network are unaffected.
 */
export function tlsOnlyStatement(props: { readonly partition: Partition; readonly bucketName: string }): Statement {
  const check = new InputCheck('tlsOnlyStatement');
  const partition = check.partition('partition', props.partition);
  const bucket = check.bucketName('bucketName', props.bucketName);
  check.done();
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [s3BucketArn(partition, bucket), `${s3BucketArn(partition, bucket)}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

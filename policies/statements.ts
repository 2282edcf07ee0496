import { s3BucketArn } from './arns';
import { InputCheck } from './inputs';
import { Partition, viaService, ViaService } from './partitions';
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

/**
 * Allows `actions` on a KMS key only through the named services of one region (`kms:ViaService`),
 * as every identity policy here grants key use: the principal can use the key for that service's
 * data and not call KMS directly. Inputs are the caller's, already checked.
 */
export function keyViaServiceStatement(
  sid: string,
  actions: string | readonly string[],
  key: string,
  partition: Partition,
  region: string,
  services: readonly ViaService[],
): Statement {
  const via = services.map((s) => viaService(partition, s, region));
  return { Sid: sid, Effect: 'Allow', Action: actions, Resource: key, Condition: { StringEquals: { 'kms:ViaService': via.length === 1 ? via[0] : via } } };
}

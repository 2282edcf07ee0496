import { s3BucketArn } from './arns';
import { finishDocument } from './document';
import { InputCheck } from './inputs';
import { Partition, viaService, ViaService } from './partitions';
import { ASSUME_ROLE } from './perms';
import { PolicyDocument, Statement } from './types';

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

/** ECS tasks assume their task role as this service principal, spelled so in every partition. */
export const ECS_TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com';

/**
 * Lets ECS tasks of one account and region assume the role: the trust statement a collector role
 * gets when the toolkit runs the collector on ECS with it as the task role. `aws:SourceAccount` and
 * `aws:SourceArn` (any ECS resource of the account in the region) are the confused-deputy guard the
 * ECS developer guide documents for task roles: ECS acting for another account cannot assume it.
 */
export function ecsTasksTrustStatement(props: { readonly partition: Partition; readonly region: string; readonly accountId: string }): Statement {
  const check = new InputCheck('ecsTasksTrustStatement');
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  check.done();
  return {
    Sid: 'EcsTasksAssumeRole',
    Effect: 'Allow',
    Principal: { Service: ECS_TASKS_PRINCIPAL },
    Action: ASSUME_ROLE,
    Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:${partition}:ecs:${region}:${account}:*` } },
  };
}

/** A trust policy with {@link ecsTasksTrustStatement} added: the role keeps every principal it trusted, and ECS tasks of the account may assume it too. */
export function withEcsTasksTrust(
  trust: PolicyDocument,
  props: { readonly partition: Partition; readonly region: string; readonly accountId: string },
): PolicyDocument {
  return finishDocument('withEcsTasksTrust', 'trust', props.partition, [...trust.Statement, ecsTasksTrustStatement(props)]);
}

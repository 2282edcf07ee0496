import { iamRoleArn, kinesisStreamArn } from './arns';
import { finishDocument } from './document';
import { InputCheck } from './inputs';
import { Partition } from './partitions';
import * as perms from './perms';
import { keyViaServiceStatement } from './statements';
import { PolicyDocument, Statement } from './types';

interface StreamProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the stream. */
  readonly accountId: string;
  readonly streamName: string;
  /**
   * ARN of the customer managed KMS key encrypting the stream, or a Terraform reference to it.
   * Absent for the AWS managed key `alias/aws/kinesis`, whose use needs no grant.
   * @default no key statement
   */
  readonly kmsKeyArn?: string;
}

export interface LogsToKinesisPolicyProps extends StreamProps {
  /** Name of the role this policy is attached to; CloudWatch Logs passes it along with each filter. */
  readonly roleName: string;
}

/**
 * Permissions of the role CloudWatch Logs assumes to put subscription data into a Kinesis stream
 * (document 6): PutRecord/PutRecords on that stream, and PassRole on the role itself as AWS documents
 * for subscription filters and destinations.
 */
export function logsToKinesisPolicy(props: LogsToKinesisPolicyProps): PolicyDocument {
  const fn = 'logsToKinesisPolicy';
  const check = new InputCheck(fn);
  const { partition, region, account, stream, key } = checkStream(check, props);
  const role = check.iamName('roleName', props.roleName);
  check.done();
  const statements: Statement[] = [
    { Sid: 'PutSubscriptionRecords', Effect: 'Allow', Action: perms.KINESIS_WRITE, Resource: kinesisStreamArn(partition, region, account, stream) },
    { Sid: 'PassThisRole', Effect: 'Allow', Action: perms.PASS_ROLE, Resource: iamRoleArn(partition, account, role) },
  ];
  if (key) {
    statements.push(keyViaServiceStatement('EncryptStreamRecords', perms.KMS_GENERATE_DATA_KEY, key, partition, region, ['kinesis']));
  }
  return finishDocument(fn, 'identity', partition, statements);
}

export type KinesisReaderPolicyProps = StreamProps;

/**
 * Identity policy of the collector reading a Kinesis stream (document 7): shard discovery and reads
 * on that stream only, and Decrypt through Kinesis on the stream's key when it has a customer managed one.
 */
export function kinesisReaderPolicy(props: KinesisReaderPolicyProps): PolicyDocument {
  const fn = 'kinesisReaderPolicy';
  const check = new InputCheck(fn);
  const { partition, region, account, stream, key } = checkStream(check, props);
  check.done();
  const statements: Statement[] = [
    { Sid: 'ReadStream', Effect: 'Allow', Action: perms.KINESIS_READ, Resource: kinesisStreamArn(partition, region, account, stream) },
  ];
  if (key) {
    statements.push(keyViaServiceStatement('DecryptStreamRecords', perms.KMS_DECRYPT, key, partition, region, ['kinesis']));
  }
  return finishDocument(fn, 'identity', partition, statements);
}

function checkStream(check: InputCheck, props: StreamProps) {
  const partition = check.partition('partition', props.partition);
  return {
    partition,
    region: check.region('region', props.region, partition),
    account: check.accountId('accountId', props.accountId),
    stream: check.streamName('streamName', props.streamName),
    key: props.kmsKeyArn === undefined ? undefined : check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms'),
  };
}

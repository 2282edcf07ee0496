import { dynamodbTableArn } from './arns';
import { finishDocument } from './document';
import { InputCheck } from './inputs';
import { Partition } from './partitions';
import * as perms from './perms';
import { keyViaServiceStatement } from './statements';
import { PolicyDocument, Statement } from './types';

export interface CollectorStatePolicyProps {
  readonly partition: Partition;
  /** Region of the table (the stack's). */
  readonly region: string;
  /** Account that owns the table. */
  readonly accountId: string;
  readonly tableName: string;
  /**
   * ARN of the customer managed KMS key the table is encrypted with, or a Terraform reference to it.
   * Absent for the AWS managed key `aws/dynamodb`, whose key policy already lets the account's
   * principals use it through DynamoDB.
   * @default no key statement
   */
  readonly kmsKeyArn?: string;
}

/**
 * Identity policy of the collector on its DynamoDB state table (document 16): the item and describe
 * calls of its lease table (`STATE_TABLE_USE`) on that one table (not its indexes or streams, not
 * another table, nothing that creates, changes or deletes a table), and, with a customer managed key,
 * `kms:Decrypt` through DynamoDB of the region: DynamoDB decrypts the table key on behalf of the
 * principal that reads or writes items; it creates the table key and its grants on behalf of
 * whoever creates the table (Terraform), not the collector.
 */
export function collectorStatePolicy(props: CollectorStatePolicyProps): PolicyDocument {
  const fn = 'collectorStatePolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const table = check.tableName('tableName', props.tableName);
  const key = props.kmsKeyArn === undefined ? undefined : check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms');
  check.done();
  const statements: Statement[] = [
    { Sid: 'UseStateTable', Effect: 'Allow', Action: perms.STATE_TABLE_USE, Resource: dynamodbTableArn(partition, region, account, table) },
  ];
  if (key) statements.push(keyViaServiceStatement('DecryptStateTable', perms.KMS_DECRYPT, key, partition, region, ['dynamodb']));
  return finishDocument(fn, 'identity', partition, statements);
}

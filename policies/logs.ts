import { accountRootArn, allLogsResourcesArn, logDestinationArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { logsServicePrincipal, Partition } from './partitions';
import * as perms from './perms';
import { PolicyDocument, Statement } from './types';

export interface CloudWatchLogsTrustPolicyProps {
  readonly partition: Partition;
  /** Region of the log groups (and of the role's destination). */
  readonly region: string;
  /**
   * Accounts whose CloudWatch Logs may assume the role: the account itself, plus the sending
   * accounts when the role serves a cross-account destination.
   */
  readonly sourceAccountIds: readonly string[];
}

/**
 * Trust policy of a role that CloudWatch Logs assumes to deliver subscription data to Kinesis
 * (document 6) or Firehose (document 8). `aws:SourceArn` limits it to CloudWatch Logs acting for the
 * listed accounts in that region (the confused-deputy guard AWS documents for subscriptions).
 */
export function cloudWatchLogsTrustPolicy(props: CloudWatchLogsTrustPolicyProps): PolicyDocument {
  const fn = 'cloudWatchLogsTrustPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const accounts = check.accountIds('sourceAccountIds', props.sourceAccountIds);
  check.done();
  return finishDocument(fn, 'trust', partition, [
    {
      Sid: 'CloudWatchLogsAssumeRole',
      Effect: 'Allow',
      Principal: { Service: logsServicePrincipal(partition, region) },
      Action: perms.ASSUME_ROLE,
      Condition: { ArnLike: { 'aws:SourceArn': oneOrList(accounts.map((a) => allLogsResourcesArn(partition, region, a))) } },
    },
  ]);
}

export interface LogDestinationPolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the destination (the receiving account). */
  readonly accountId: string;
  readonly destinationName: string;
  /** Accounts allowed to subscribe their log groups to the destination. */
  readonly senderAccountIds?: readonly string[];
  /** Or: every account of this AWS Organization (`aws:PrincipalOrgID`). */
  readonly organizationId?: string;
}

/**
 * Access policy of a cross-account CloudWatch Logs destination (document 14): the sender accounts,
 * or any principal of the organization, may create subscription filters that point at it.
 * At least one of `senderAccountIds` and `organizationId` is required.
 */
export function logDestinationPolicy(props: LogDestinationPolicyProps): PolicyDocument {
  const fn = 'logDestinationPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const name = check.destinationName('destinationName', props.destinationName);
  const senders = props.senderAccountIds?.length ? check.accountIds('senderAccountIds', props.senderAccountIds) : [];
  const org = props.organizationId !== undefined ? check.organizationId('organizationId', props.organizationId) : undefined;
  check.require(senders.length > 0 || org !== undefined, 'senderAccountIds', props.senderAccountIds, 'at least one sender account id, or an organizationId');
  check.done();

  const resource = logDestinationArn(partition, region, account, name);
  const statements: Statement[] = [];
  if (senders.length) {
    statements.push({
      Sid: 'SenderAccountsSubscribe',
      Effect: 'Allow',
      Principal: { AWS: oneOrList(senders.map((a) => accountRootArn(partition, a))) },
      Action: perms.PUT_SUBSCRIPTION_FILTER,
      Resource: resource,
    });
  }
  if (org) {
    statements.push({
      Sid: 'OrganizationSubscribe',
      Effect: 'Allow',
      Principal: '*',
      Action: perms.PUT_SUBSCRIPTION_FILTER,
      Resource: resource,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': org } },
    });
  }
  return finishDocument(fn, 'destination', partition, statements);
}

import { accountRootArn, allLogsResourcesArn, logDestinationArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { logsServicePrincipal, Partition } from './partitions';
import * as perms from './perms';
import { PolicyDocument } from './types';

export interface CloudWatchLogsTrustPolicyProps {
  readonly partition: Partition;
  /** Region of the log groups (and of the role's destination). */
  readonly region: string;
  /**
   * Accounts whose CloudWatch Logs may assume the role: the account itself, plus, when the role
   * serves a cross-account destination, exactly the `senderAccountIds` of its `logDestinationPolicy`.
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
  /**
   * Accounts allowed to subscribe their log groups to the destination. At least one. Give the role the
   * destination delivers with the same list (with the receiving account) as `cloudWatchLogsTrustPolicy`
   * `sourceAccountIds`: CloudWatch Logs assumes that role for each sender, and a sender the role does
   * not trust passes this policy only to fail the test message AWS sends when a filter is created.
   */
  readonly senderAccountIds: readonly string[];
  /**
   * An extra guard on the listed senders: they must also belong to this AWS Organization
   * (`aws:PrincipalOrgID`). It never admits an account that is not listed.
   * @default none (the listed accounts, in any organization or none)
   */
  readonly organizationId?: string;
}

/**
 * Access policy of a cross-account CloudWatch Logs destination (document 14): principals of the
 * listed sender accounts may create subscription filters that point at it; with `organizationId`,
 * only while their account is a member of that organization.
 */
export function logDestinationPolicy(props: LogDestinationPolicyProps): PolicyDocument {
  const fn = 'logDestinationPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const name = check.destinationName('destinationName', props.destinationName);
  const senders = check.accountIds('senderAccountIds', props.senderAccountIds);
  const org = props.organizationId !== undefined ? check.organizationId('organizationId', props.organizationId) : undefined;
  check.done();

  return finishDocument(fn, 'destination', partition, [
    {
      Sid: 'SenderAccountsSubscribe',
      Effect: 'Allow',
      Principal: { AWS: oneOrList(senders.map((a) => accountRootArn(partition, a))) },
      Action: perms.PUT_SUBSCRIPTION_FILTER,
      Resource: logDestinationArn(partition, region, account, name),
      ...(org ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': org } } } : {}),
    },
  ]);
}

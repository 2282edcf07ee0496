import { CloudwatchLogAccountPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-account-policy';
import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { Construct } from 'constructs';
import { defaultFilterName, TOOLKIT_DEFAULTS } from '../../config/defaults';
import { InputCheck, isUnresolved, Partition } from '../../policies';
import { collectorLogGroupName } from '../names';
import { AccountSubscriptionPolicy } from './account-subscription-policy';
import { SubscriptionFilters } from './subscription-filters';

export interface DestinationSubscriptionProps {
  readonly partition: Partition;
  /** The sender's region (this stack's): the destination must be in it too. */
  readonly region: string;
  /** The sender account (this stack's), whose log groups are subscribed. */
  readonly accountId: string;
  /**
   * ARN of the CloudWatch Logs destination in the receiving account
   * (`arn:<partition>:logs:<region>:<account>:destination:<name>`). Its policy must list this account
   * in its senders, and it must exist before the filters are created: CloudWatch Logs sends a test
   * message through it then.
   */
  readonly destinationArn: string;
  /** Subscribe these log groups, one filter each. Exactly one of `logGroupNames` and `accountPolicy`. @default none */
  readonly logGroupNames?: readonly string[];
  /**
   * Instead: subscribe every log group of the account and region with one account-level
   * subscription filter policy. The collector's log group (`/<namePrefix>/collector`) is always left out.
   * @default none
   */
  readonly accountPolicy?: {
    /** Log groups left out in addition to the collector's. @default [] */
    readonly excludeLogGroupNames?: readonly string[];
  };
  /** Prefix of the default filter name and of the collector's log group. @default "cwl-siem" */
  readonly namePrefix?: string;
  /** Subscription filter name (per log group) or account policy name. @default "<namePrefix>-destination" */
  readonly filterName?: string;
  /** CloudWatch Logs filter pattern; "" forwards every event. @default "" */
  readonly filterPattern?: string;
}

const DESTINATION_ARN = /^arn:([\w-]+):logs:([a-z0-9-]+):(\d{12}):destination:[^:*]{1,512}$/;
const FILTER_NAME = /^[^:*]{1,256}$/;

/**
 * The sender side of a cross-account CloudWatch Logs destination: subscription filters (or one
 * account-level subscription policy) in the sender account whose destination is the
 * `LogDestination` of the receiving account. They carry no role: the destination delivers with its
 * own, whose trust must list this account.
 */
export class DestinationSubscription extends Construct {
  readonly destinationArn: string;
  readonly filterName: string;
  /** One per log group, when `logGroupNames` was given. */
  readonly filters: readonly CloudwatchLogSubscriptionFilter[];
  /** When `accountPolicy` was given. */
  readonly accountPolicy?: CloudwatchLogAccountPolicy;

  constructor(scope: Construct, id: string, props: DestinationSubscriptionProps) {
    super(scope, id);
    const namePrefix = props.namePrefix ?? TOOLKIT_DEFAULTS.namePrefix;
    const filterName = props.filterName ?? defaultFilterName(namePrefix, 'destination');
    const check = new InputCheck(`DestinationSubscription ${this.node.path}`);
    const partition = check.partition('partition', props.partition);
    const region = check.region('region', props.region, partition);
    const accountId = check.accountId('accountId', props.accountId);
    if (!isUnresolved(props.destinationArn ?? '')) {
      const m = DESTINATION_ARN.exec(props.destinationArn ?? '');
      check.require(
        m !== null,
        'destinationArn',
        props.destinationArn,
        `a CloudWatch Logs destination ARN such as arn:${partition}:logs:${region}:111122223333:destination:cwl-siem`,
      );
      if (m) {
        check.require(m[1] === partition, 'destinationArn', props.destinationArn, `a destination of partition ${partition}, the sender's`);
        check.require(
          m[2] === region,
          'destinationArn',
          props.destinationArn,
          `a destination of region ${region}, the sender's (the destination's role trusts CloudWatch Logs of its own region)`,
        );
        check.require(
          m[3] !== accountId,
          'destinationArn',
          props.destinationArn,
          `a destination of another account than ${accountId}, the sender's (subscribe this account's groups to its stream directly)`,
        );
      }
    }
    check.require(
      (props.logGroupNames === undefined) !== (props.accountPolicy === undefined),
      'logGroupNames',
      props.logGroupNames,
      'exactly one of logGroupNames and accountPolicy',
    );
    if (props.logGroupNames !== undefined) check.list('logGroupNames', props.logGroupNames, (p, v) => check.logGroupName(p, v));
    const excluded = props.accountPolicy?.excludeLogGroupNames ?? TOOLKIT_DEFAULTS.subscription.excludeLogGroupNames;
    check.list('accountPolicy.excludeLogGroupNames', excluded, (p, v) => check.logGroupName(p, v), { min: 0 });
    check.require(
      excluded.length < 50,
      'accountPolicy.excludeLogGroupNames',
      excluded.length,
      "at most 49 log groups: with the collector's, 50 is the CloudWatch Logs selection criteria limit",
    );
    check.require(
      /^[a-z][a-z0-9-]{0,31}$/.test(namePrefix),
      'namePrefix',
      namePrefix,
      'a name prefix: 1-32 lowercase letters, digits and hyphens, starting with a letter',
    );
    check.require(FILTER_NAME.test(filterName), 'filterName', filterName, 'a subscription filter name: 1-256 characters, without : or *');
    check.done();

    this.destinationArn = props.destinationArn;
    this.filterName = filterName;
    this.filters = props.logGroupNames
      ? new SubscriptionFilters(this, 'subscriptions', {
          logGroupNames: props.logGroupNames,
          filterName,
          filterPattern: props.filterPattern,
          destinationArn: props.destinationArn,
        }).filters
      : [];
    if (props.accountPolicy) {
      this.accountPolicy = new AccountSubscriptionPolicy(this, 'account_policy', {
        policyName: filterName,
        destinationArn: props.destinationArn,
        filterPattern: props.filterPattern,
        excludeLogGroupNames: [collectorLogGroupName(namePrefix), ...excluded],
      }).policy;
    }
  }
}

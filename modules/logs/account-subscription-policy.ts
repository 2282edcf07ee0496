import { CloudwatchLogAccountPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-account-policy';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { InputCheck } from '../../policies';

export interface AccountSubscriptionPolicyProps {
  readonly policyName: string;
  /** Kinesis stream or Firehose delivery stream ARN. */
  readonly destinationArn: string;
  /** Role CloudWatch Logs assumes to put into the destination. */
  readonly roleArn: string;
  /** @default "" (every event) */
  readonly filterPattern?: string;
  /**
   * Log groups never subscribed: the destination's own log groups (a Firehose error log group, the
   * collector's log group) must be here, or their events loop back through the destination.
   * At least one; at most 50 (AWS limit of the selection criteria).
   */
  readonly excludeLogGroupNames: readonly string[];
  /** Kinesis only. @default "Random" for Kinesis */
  readonly distribution?: 'ByLogStream' | 'Random';
  /** Resources to create first (the target and the role: their ARNs here are literals). @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * Subscribes every log group of the account and region with one account-level
 * SUBSCRIPTION_FILTER_POLICY (`aws_cloudwatch_log_account_policy`), excluding the given groups by
 * `selectionCriteria` so the destination never subscribes its own logs.
 */
export class AccountSubscriptionPolicy extends Construct {
  readonly policy: CloudwatchLogAccountPolicy;

  constructor(scope: Construct, id: string, props: AccountSubscriptionPolicyProps) {
    super(scope, id);
    const check = new InputCheck(`AccountSubscriptionPolicy ${this.node.path}`);
    const excluded = check.list('excludeLogGroupNames', props.excludeLogGroupNames, (p, v) => check.logGroupName(p, v));
    check.require(excluded.length <= 50, 'excludeLogGroupNames', excluded.length, 'at most 50 log groups (CloudWatch Logs selection criteria limit)');
    check.done();
    const names = [...new Set(excluded)].sort();
    const document: Record<string, string> = { DestinationArn: props.destinationArn, RoleArn: props.roleArn, FilterPattern: props.filterPattern ?? '' };
    if (props.distribution) document.Distribution = props.distribution;
    this.policy = new CloudwatchLogAccountPolicy(this, 'policy', {
      policyName: props.policyName,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: JSON.stringify(document),
      selectionCriteria: `LogGroupName NOT IN ${JSON.stringify(names)}`,
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
  }
}

import { CloudwatchLogAccountPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-account-policy';
import { DataResource, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS } from '../../config/defaults';
import { InputCheck } from '../../policies';
import { LOGS_DEFAULTS } from './defaults';
import { needsRole } from './subscription-filters';

export interface AccountSubscriptionPolicyProps {
  readonly policyName: string;
  /** Kinesis stream, Firehose delivery stream, or CloudWatch Logs destination (of another account) ARN. */
  readonly destinationArn: string;
  /**
   * Role CloudWatch Logs assumes to put into a stream. Required for a Kinesis or Firehose stream;
   * leave it out for a CloudWatch Logs destination (AWS: RoleArn is not needed for cross-account
   * delivery), and the policy document then has no `RoleArn`.
   * @default none (a CloudWatch Logs destination)
   */
  readonly roleArn?: string;
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
  /**
   * With a role: seconds to wait after `dependsOn` before putting the policy. CloudWatch Logs assumes
   * the role at once, a new role takes a few seconds to become assumable, and the provider does not
   * retry. A `terraform_data` resource with a `local-exec` `sleep` (re-run only when the role ARN
   * changes); 0 for none.
   * @default 15
   */
  readonly rolePropagationSeconds?: number;
}

/**
 * Subscribes every log group of the account and region with one account-level
 * SUBSCRIPTION_FILTER_POLICY (`aws_cloudwatch_log_account_policy`), excluding the given groups by
 * `selectionCriteria` so the destination never subscribes its own logs.
 */
export class AccountSubscriptionPolicy extends Construct {
  readonly policy: CloudwatchLogAccountPolicy;
  /** The wait for the role to propagate, when there is a role and a wait. */
  readonly roleWait?: DataResource;

  constructor(scope: Construct, id: string, props: AccountSubscriptionPolicyProps) {
    super(scope, id);
    const check = new InputCheck(`AccountSubscriptionPolicy ${this.node.path}`);
    const excluded = check.list('excludeLogGroupNames', props.excludeLogGroupNames, (p, v) => check.logGroupName(p, v));
    check.require(excluded.length <= 50, 'excludeLogGroupNames', excluded.length, 'at most 50 log groups (CloudWatch Logs selection criteria limit)');
    check.require(
      !needsRole(props.destinationArn) || props.roleArn !== undefined,
      'roleArn',
      props.roleArn,
      'a role ARN: CloudWatch Logs puts into a Kinesis or Firehose stream with a role',
    );
    const waitSeconds = props.rolePropagationSeconds ?? LOGS_DEFAULTS.rolePropagationSeconds;
    check.wholeNumber('rolePropagationSeconds', waitSeconds, 'whole seconds from 0 to 300', 0, 300);
    check.done();
    const names = [...new Set(excluded)].sort();
    const document: Record<string, string> = { DestinationArn: props.destinationArn };
    if (props.roleArn !== undefined) document.RoleArn = props.roleArn;
    document.FilterPattern = props.filterPattern ?? TOOLKIT_DEFAULTS.subscription.filterPattern;
    if (props.distribution) document.Distribution = props.distribution;
    let dependsOn = props.dependsOn ? [...props.dependsOn] : undefined;
    if (props.roleArn !== undefined && waitSeconds > 0) {
      this.roleWait = new DataResource(this, 'role_propagation', {
        triggersReplace: { role_arn: props.roleArn },
        dependsOn,
        provisioners: [{ type: 'local-exec', command: `sleep ${waitSeconds}` }],
      });
      dependsOn = [this.roleWait];
    }
    this.policy = new CloudwatchLogAccountPolicy(this, 'policy', {
      policyName: props.policyName,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: JSON.stringify(document),
      selectionCriteria: `LogGroupName NOT IN ${JSON.stringify(names)}`,
      dependsOn,
    });
  }
}

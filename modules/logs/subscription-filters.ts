import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS } from '../../config/defaults';
import { InputCheck } from '../../policies';
import { logicalId } from '../names';

export interface SubscriptionFiltersProps {
  /** Log groups to subscribe, one filter each. They must exist (the toolkit does not own them). */
  readonly logGroupNames: readonly string[];
  /** Filter name; unique per log group. */
  readonly filterName: string;
  /** CloudWatch Logs filter pattern; "" matches every event. @default "" */
  readonly filterPattern?: string;
  /** Kinesis stream, Firehose delivery stream, or CloudWatch Logs destination (of another account) ARN. */
  readonly destinationArn: string;
  /**
   * Role CloudWatch Logs assumes to put into a stream. Required for a Kinesis or Firehose stream;
   * leave it out for a CloudWatch Logs destination, whose own role delivers.
   * @default none (a CloudWatch Logs destination)
   */
  readonly roleArn?: string;
  /**
   * Kinesis only: how events spread over shards. `ByLogStream` keeps each stream's order.
   * @default provider default (ByLogStream) for Kinesis, unset for Firehose
   */
  readonly distribution?: 'ByLogStream' | 'Random';
  /**
   * Resources to create first: the destination and the role with its policy. CloudWatch Logs tests
   * delivery when a filter is created, and the ARNs above are literals Terraform cannot follow.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** A Kinesis or Firehose stream ARN, which CloudWatch Logs puts into with a role (a Logs destination has its own). */
export const needsRole = (destinationArn: string): boolean => /^arn:[\w-]+:(kinesis|firehose):/.test(destinationArn);

/**
 * One subscription filter per log group, with a logical id derived from the group's name so
 * adding or removing a group never renames the others in `terraform plan`.
 * A log group holds at most two subscription filters (AWS limit).
 */
export class SubscriptionFilters extends Construct {
  readonly filters: readonly CloudwatchLogSubscriptionFilter[];

  constructor(scope: Construct, id: string, props: SubscriptionFiltersProps) {
    super(scope, id);
    const check = new InputCheck(`SubscriptionFilters ${this.node.path}`);
    const groups = check.list('logGroupNames', props.logGroupNames, (p, v) => check.logGroupName(p, v));
    const duplicate = groups.find((g, i) => groups.indexOf(g) !== i);
    check.require(duplicate === undefined, 'logGroupNames', duplicate, 'each log group once');
    check.require(
      !needsRole(props.destinationArn) || props.roleArn !== undefined,
      'roleArn',
      props.roleArn,
      'a role ARN: CloudWatch Logs puts into a Kinesis or Firehose stream with a role',
    );
    check.done();
    this.filters = groups.map(
      (group) =>
        new CloudwatchLogSubscriptionFilter(this, logicalId('filter', group), {
          name: props.filterName,
          logGroupName: group,
          filterPattern: props.filterPattern ?? TOOLKIT_DEFAULTS.subscription.filterPattern,
          destinationArn: props.destinationArn,
          roleArn: props.roleArn,
          distribution: props.distribution,
          dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
        }),
    );
  }
}

import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { InputCheck } from '../../policies';
import { logicalId } from '../names';

export interface SubscriptionFiltersProps {
  /** Log groups to subscribe, one filter each. They must exist (the toolkit does not own them). */
  readonly logGroupNames: readonly string[];
  /** Filter name; unique per log group. */
  readonly filterName: string;
  /** CloudWatch Logs filter pattern; "" matches every event. @default "" */
  readonly filterPattern?: string;
  /** Kinesis stream or Firehose delivery stream ARN. */
  readonly destinationArn: string;
  /** Role CloudWatch Logs assumes to put into the destination. */
  readonly roleArn: string;
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
    check.done();
    this.filters = groups.map(
      (group) =>
        new CloudwatchLogSubscriptionFilter(this, logicalId('filter', group), {
          name: props.filterName,
          logGroupName: group,
          filterPattern: props.filterPattern ?? '',
          destinationArn: props.destinationArn,
          roleArn: props.roleArn,
          distribution: props.distribution,
          dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
        }),
    );
  }
}

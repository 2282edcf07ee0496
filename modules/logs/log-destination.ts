import { CloudwatchLogDestination } from '@cdktf/provider-aws/lib/cloudwatch-log-destination';
import { CloudwatchLogDestinationPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-destination-policy';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { logDestinationArn, logDestinationPolicy, Partition, renderPolicy } from '../../policies';

export interface LogDestinationProps {
  readonly partition: Partition;
  readonly region: string;
  /** The receiving account (this stack's). */
  readonly accountId: string;
  readonly destinationName: string;
  /** The Kinesis stream the destination forwards to. */
  readonly targetArn: string;
  /**
   * Role CloudWatch Logs assumes to put into the target. Its trust must list this account and exactly
   * `senderAccountIds` (`KinesisLogStream` does when given the same list as its `senderAccountIds`).
   */
  readonly roleArn: string;
  /** Accounts whose log groups may subscribe: the destination policy admits exactly these. At least one. */
  readonly senderAccountIds: readonly string[];
  /**
   * An extra guard: a listed sender may subscribe only while its account is a member of this AWS
   * Organization (`aws:PrincipalOrgID`). It never admits an unlisted account.
   * @default none
   */
  readonly organizationId?: string;
  /** Resources to create first (the target and the role: their ARNs here are literals). @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A cross-account CloudWatch Logs destination in the receiving account and its access policy.
 * Sender accounts subscribe to it with `DestinationSubscription`.
 */
export class LogDestination extends Construct {
  readonly destination: CloudwatchLogDestination;
  /** Resolved from the config. */
  readonly destinationArn: string;

  constructor(scope: Construct, id: string, props: LogDestinationProps) {
    super(scope, id);
    const accessPolicy = renderPolicy(
      logDestinationPolicy({
        partition: props.partition,
        region: props.region,
        accountId: props.accountId,
        destinationName: props.destinationName,
        senderAccountIds: props.senderAccountIds,
        organizationId: props.organizationId,
      }),
    );
    this.destinationArn = logDestinationArn(props.partition, props.region, props.accountId, props.destinationName);
    this.destination = new CloudwatchLogDestination(this, 'destination', {
      name: props.destinationName,
      roleArn: props.roleArn,
      targetArn: props.targetArn,
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    new CloudwatchLogDestinationPolicy(this, 'policy', { destinationName: this.destination.name, accessPolicy });
  }
}

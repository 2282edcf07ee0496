import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { defaultFilterName, TOOLKIT_DEFAULTS, trustedPrincipalArnsOrAccount } from '../../config/defaults';
import {
  cloudWatchLogsTrustPolicy,
  iamRoleArn,
  InputCheck,
  kinesisReaderPolicy,
  kinesisStreamArn,
  logsToKinesisPolicy,
  Partition,
  principalsTrustPolicy,
} from '../../policies';
import { withEcsTasksTrust } from '../../policies/statements';
import { ExistingRolePolicy, PolicyRole } from '../iam/policy-role';
import { boundedName, iamName } from '../names';
import { SubscriptionFilters } from '../logs/subscription-filters';
import { CollectorStateTable } from '../state/state-table';
import { KINESIS_DEFAULTS } from './defaults';

export type StreamCapacity = { readonly mode: 'on-demand' } | { readonly mode: 'provisioned'; readonly shardCount: number };

export interface KinesisReaderProps {
  readonly roleName: string;
  /** Create the role (true) or grant to an existing role of that name (false). @default true */
  readonly create?: boolean;
  /** Who may assume a created role. @default the account root */
  readonly trustedPrincipalArns?: readonly string[];
  /**
   * ECS tasks of this account and region may assume the created role too: the collector runs on ECS
   * with it as its task role (`CollectorService`). Only for a role created here (`create` true).
   * @default false
   */
  readonly trustEcsTasks?: boolean;
}

export interface KinesisLogStreamProps {
  readonly partition: Partition;
  readonly region: string;
  readonly accountId: string;
  /** Prefix of generated role names. */
  readonly namePrefix: string;
  readonly streamName: string;
  /** @default on-demand */
  readonly capacity?: StreamCapacity;
  /** 24-8760. @default 24 */
  readonly retentionHours?: number;
  /** Customer managed key (ARN or reference). @default alias/aws/kinesis */
  readonly kmsKeyArn?: string;
  /**
   * Accounts whose CloudWatch Logs may use the delivery role, in addition to this account: exactly the
   * `senderAccountIds` of the `LogDestination` in front of the stream.
   * @default none
   */
  readonly senderAccountIds?: readonly string[];
  /** Log groups of this account to subscribe with one filter each. @default none */
  readonly logGroupNames?: readonly string[];
  /** @default "<namePrefix>-kinesis" */
  readonly filterName?: string;
  /** @default "" */
  readonly filterPattern?: string;
  /** The collector's identity. @default none */
  readonly reader?: KinesisReaderProps;
  /** The table the reader's replicas share for leases and checkpoints: the reader is granted its access policy. Needs `reader`. @default none */
  readonly stateTable?: CollectorStateTable;
}

/**
 * Kinesis path: an encrypted stream, the role CloudWatch Logs assumes to put into it, optional
 * subscription filters, and the collector's reader grant.
 */
export class KinesisLogStream extends Construct {
  readonly stream: KinesisStream;
  readonly streamName: string;
  /** Resolved from the config. */
  readonly streamArn: string;
  /** The role CloudWatch Logs assumes (subscription filters, account policy, destination). */
  readonly deliveryRole: PolicyRole;
  readonly readerRoleArn?: string;
  /** The reader role and its policies (or the grants to an existing role): what a task running as the reader waits for. */
  readonly readerDependables: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: KinesisLogStreamProps) {
    super(scope, id);
    const capacity = props.capacity ?? TOOLKIT_DEFAULTS.kinesis.capacity;
    const retentionHours = props.retentionHours ?? TOOLKIT_DEFAULTS.kinesis.retentionHours;
    const check = new InputCheck(`KinesisLogStream ${this.node.path}`);
    check.streamName('streamName', props.streamName);
    check.wholeNumber('retentionHours', retentionHours, 'whole hours from 24 to 8760', 24, 8760);
    if (capacity.mode === 'provisioned') {
      check.wholeNumber('capacity.shardCount', capacity.shardCount, 'a whole number of shards, at least 1', 1);
    }
    check.require(
      !props.stateTable || props.reader !== undefined,
      'stateTable',
      props.stateTable?.tableName,
      'a reader too: the state table is granted to the reader',
    );
    check.require(
      !props.reader?.trustEcsTasks || props.reader.create !== false,
      'reader.trustEcsTasks',
      true,
      'a reader role created here (create true): the trust policy of an existing role is not changed',
    );
    check.done();

    this.streamName = props.streamName;
    this.streamArn = kinesisStreamArn(props.partition, props.region, props.accountId, props.streamName);
    this.stream = new KinesisStream(this, 'stream', {
      name: props.streamName,
      streamModeDetails: { streamMode: capacity.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
      shardCount: capacity.mode === 'provisioned' ? capacity.shardCount : undefined,
      retentionPeriod: retentionHours,
      encryptionType: 'KMS',
      kmsKeyId: props.kmsKeyArn ?? KINESIS_DEFAULTS.awsManagedKey,
    });

    const deliveryRoleName = iamName(`${props.namePrefix}-cwl-to-kinesis-${props.streamName}`);
    this.deliveryRole = new PolicyRole(this, 'delivery_role', {
      partition: props.partition,
      accountId: props.accountId,
      roleName: deliveryRoleName,
      description: `CloudWatch Logs puts subscription data into Kinesis stream ${props.streamName}`,
      trustPolicy: cloudWatchLogsTrustPolicy({
        partition: props.partition,
        region: props.region,
        sourceAccountIds: [props.accountId, ...(props.senderAccountIds ?? [])],
      }),
      policies: {
        'put-records': logsToKinesisPolicy({
          partition: props.partition,
          region: props.region,
          accountId: props.accountId,
          streamName: props.streamName,
          roleName: deliveryRoleName,
          kmsKeyArn: props.kmsKeyArn,
        }),
      },
    });

    if (props.logGroupNames?.length) {
      new SubscriptionFilters(this, 'subscriptions', {
        logGroupNames: props.logGroupNames,
        filterName: props.filterName ?? defaultFilterName(props.namePrefix, 'kinesis'),
        filterPattern: props.filterPattern,
        destinationArn: this.streamArn,
        roleArn: this.deliveryRole.roleArn,
        dependsOn: [this.stream, ...this.deliveryRole.dependables],
      });
    }

    if (props.reader) {
      const policy = kinesisReaderPolicy({
        partition: props.partition,
        region: props.region,
        accountId: props.accountId,
        streamName: props.streamName,
        kmsKeyArn: props.kmsKeyArn,
      });
      const state = props.stateTable?.accessPolicy;
      if (props.reader.create === false) {
        const grant = new ExistingRolePolicy(this, 'reader_grant', {
          roleName: props.reader.roleName,
          policyName: `${props.namePrefix}-kinesis-reader-${props.streamName}`,
          policy,
        });
        this.readerDependables.push(grant.policy);
        if (state) {
          const stateGrant = new ExistingRolePolicy(this, 'reader_state_grant', {
            roleName: props.reader.roleName,
            // Inline policy names are at most 128 characters.
            policyName: boundedName(`${props.namePrefix}-kinesis-state-${props.streamName}`, 128),
            policy: state,
          });
          this.readerDependables.push(stateGrant.policy);
        }
        this.readerRoleArn = iamRoleArn(props.partition, props.accountId, props.reader.roleName);
      } else {
        const trusted = trustedPrincipalArnsOrAccount(props.partition, props.accountId, props.reader.trustedPrincipalArns);
        const role = new PolicyRole(this, 'reader', {
          partition: props.partition,
          accountId: props.accountId,
          roleName: props.reader.roleName,
          description: `cwl-siem collector reads Kinesis stream ${props.streamName}`,
          trustPolicy: readerTrust(props, trusted),
          policies: { 'kinesis-reader': policy, ...(state && { 'collector-state': state }) },
        });
        this.readerRoleArn = role.roleArn;
        this.readerDependables.push(...role.dependables);
      }
    }
  }
}

/** The created reader role's trust: the trusted principals, and ECS tasks of the account with `trustEcsTasks`. */
function readerTrust(props: KinesisLogStreamProps, trusted: readonly string[]) {
  const trust = principalsTrustPolicy({ partition: props.partition, principalArns: trusted });
  return props.reader?.trustEcsTasks ? withEcsTasksTrust(trust, props) : trust;
}

import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS, trustedPrincipalArnsOrAccount } from '../../config/defaults';
import { ExportAccess, exportBucketPolicy, exportCollectorPolicy, exportKeyPolicy, Partition, principalsTrustPolicy, renderPolicy } from '../../policies';
import { withEcsTasksTrust } from '../../policies/statements';
import { PolicyRole } from '../iam/policy-role';
import { PolicyUser } from '../iam/policy-user';
import { CollectorStateTable } from '../state/state-table';
import { LogBucket } from './log-bucket';

/** The collector identity the toolkit creates for export mode. */
export type CollectorIdentity =
  /** A role assumed by these principals. @default trusted: the account root */
  | {
      readonly type: 'role';
      readonly roleName: string;
      readonly trustedPrincipalArns?: readonly string[];
      /** ECS tasks of this account and region may assume the role too: the collector runs on ECS as it (`CollectorService`). @default false */
      readonly trustEcsTasks?: boolean;
    }
  /** A user, for collectors that need access keys (created out of band). */
  | { readonly type: 'user'; readonly userName: string };

export interface ExportDestinationProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account of the bucket (this stack's account). */
  readonly accountId: string;
  readonly bucketName: string;
  /** Key prefix of the export tasks (`destinationPrefix`). @default "cwl-exports" */
  readonly prefix?: string;
  /** Who exports into the bucket. @default same-account */
  readonly access?: ExportAccess;
  /** @default 7 */
  readonly expirationDays?: number;
  /** @default false */
  readonly versioning?: boolean;
  /** @default SSE-S3 (with a key, a collector created here gets `kms:Decrypt` on it through S3) */
  readonly kmsKeyArn?: string;
  /** Same-account mode only: the collector identity to create. @default none */
  readonly collector?: CollectorIdentity;
  /** The table the collector's replicas share (leader lease, progress per log group): the collector is granted its access policy. Needs `collector`. @default none */
  readonly stateTable?: CollectorStateTable;
}

/**
 * Export path, bucket side: a log bucket whose policy lets CloudWatch Logs export tasks (and, in the
 * cross-account modes, the sending user or role) write under the prefix, and optionally the
 * collector identity that creates export tasks, reads and deletes the objects.
 */
export class ExportDestination extends Construct {
  readonly bucket: LogBucket;
  readonly prefix: string;
  readonly collectorArn?: string;
  /** The collector role or user and its policies created here: what a task running as the collector waits for. */
  readonly collectorDependables: ITerraformDependable[] = [];
  /**
   * With `kmsKeyArn`: the key policy statements (JSON of a key policy document) the key must carry
   * for export tasks to write and, cross-account, for the sender to read. The toolkit does not manage
   * that key, so the stack outputs them for its owner to add.
   */
  readonly keyPolicyStatements?: string;

  constructor(scope: Construct, id: string, props: ExportDestinationProps) {
    super(scope, id);
    const access: ExportAccess = props.access ?? { ...TOOLKIT_DEFAULTS.export.access, accountId: props.accountId };
    if (props.collector && access.mode !== 'same-account') {
      throw new Error(
        `ExportDestination ${this.node.path}: a collector identity can be created here only in same-account mode (got access.mode ${access.mode}); ` +
          'in cross-account modes the collector lives in the sending account: use ExportSender there.',
      );
    }
    if (props.stateTable && !props.collector) {
      throw new Error(
        `ExportDestination ${this.node.path}: a state table (${props.stateTable.tableName}) is granted to the collector identity created here, and there is none: ` +
          'give collector too, or grant the table to your own identity with its accessPolicy.',
      );
    }
    this.prefix = (props.prefix ?? TOOLKIT_DEFAULTS.export.prefix).replace(/\/$/, '');
    const policy = exportBucketPolicy({ partition: props.partition, region: props.region, bucketName: props.bucketName, prefix: this.prefix, access });

    this.bucket = new LogBucket(this, 'bucket', {
      partition: props.partition,
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
      versioning: props.versioning ?? TOOLKIT_DEFAULTS.export.versioning,
      expirationDays: props.expirationDays ?? TOOLKIT_DEFAULTS.export.expirationDays,
    });
    this.bucket.addPolicy(policy);
    if (props.kmsKeyArn !== undefined) {
      this.keyPolicyStatements = renderPolicy(
        exportKeyPolicy({ partition: props.partition, region: props.region, bucketName: props.bucketName, prefix: this.prefix, access }),
      );
    }

    if (props.collector) {
      const identity = new ExportCollectorIdentity(this, 'collector', {
        partition: props.partition,
        region: props.region,
        accountId: props.accountId,
        bucketName: props.bucketName,
        prefix: this.prefix,
        identity: props.collector,
        bucketKmsKeyArn: props.kmsKeyArn,
        stateTable: props.stateTable,
      });
      this.collectorArn = identity.arn;
      this.collectorDependables.push(...identity.dependables);
    }
  }
}

export interface ExportCollectorIdentityProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account of the log groups, where the identity is created. */
  readonly accountId: string;
  readonly bucketName: string;
  readonly prefix: string;
  readonly identity: CollectorIdentity;
  /** Customer managed key of the bucket: the identity may decrypt the exported objects through S3. @default SSE-S3 */
  readonly bucketKmsKeyArn?: string;
  /** The collector's state table: the identity is granted its access policy. @default none */
  readonly stateTable?: CollectorStateTable;
}

/** The export-mode collector: a role or user holding the export collector policy. */
export class ExportCollectorIdentity extends Construct {
  readonly arn: string;
  /** The role or user and its inline policies. */
  readonly dependables: ITerraformDependable[];
  constructor(scope: Construct, id: string, props: ExportCollectorIdentityProps) {
    super(scope, id);
    const policies = {
      'export-collector': exportCollectorPolicy({
        partition: props.partition,
        region: props.region,
        accountId: props.accountId,
        bucketName: props.bucketName,
        prefix: props.prefix,
        bucketKmsKeyArn: props.bucketKmsKeyArn,
      }),
      ...(props.stateTable && { 'collector-state': props.stateTable.accessPolicy }),
    };
    if (props.identity.type === 'role') {
      const trusted = trustedPrincipalArnsOrAccount(props.partition, props.accountId, props.identity.trustedPrincipalArns);
      const trust = principalsTrustPolicy({ partition: props.partition, principalArns: trusted });
      const role = new PolicyRole(this, 'role', {
        partition: props.partition,
        accountId: props.accountId,
        roleName: props.identity.roleName,
        description: 'cwl-siem collector, export mode',
        trustPolicy: props.identity.trustEcsTasks ? withEcsTasksTrust(trust, props) : trust,
        policies,
      });
      this.arn = role.roleArn;
      this.dependables = role.dependables;
    } else {
      const user = new PolicyUser(this, 'user', { partition: props.partition, accountId: props.accountId, userName: props.identity.userName, policies });
      this.arn = user.userArn;
      this.dependables = [user.user];
    }
  }
}

export interface ExportSenderProps {
  readonly partition: Partition;
  readonly region: string;
  /** The log account (this stack's account). */
  readonly accountId: string;
  readonly bucketName: string;
  readonly prefix?: string;
  /** The user or role the bucket's policy names as sender. */
  readonly identity: CollectorIdentity;
  /**
   * Customer managed key of the bucket (in the bucket's account): the identity reads the exported
   * objects, so it gets `kms:Decrypt` on the key through S3. The key's policy must allow this account too.
   * @default SSE-S3
   */
  readonly bucketKmsKeyArn?: string;
  /** The collector's state table, in this account: the identity is granted its access policy. @default none */
  readonly stateTable?: CollectorStateTable;
}

/** Export path, sending side of the cross-account modes: the identity that exports and collects. */
export class ExportSender extends Construct {
  readonly arn: string;
  readonly prefix: string;
  constructor(scope: Construct, id: string, props: ExportSenderProps) {
    super(scope, id);
    this.prefix = (props.prefix ?? TOOLKIT_DEFAULTS.exportSender.prefix).replace(/\/$/, '');
    this.arn = new ExportCollectorIdentity(this, 'identity', {
      partition: props.partition,
      region: props.region,
      accountId: props.accountId,
      bucketName: props.bucketName,
      prefix: this.prefix,
      identity: props.identity,
      bucketKmsKeyArn: props.bucketKmsKeyArn,
      stateTable: props.stateTable,
    }).arn;
  }
}

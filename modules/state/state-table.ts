import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS } from '../../config/defaults';
import { collectorStatePolicy, dynamodbTableArn, InputCheck, Partition, PolicyDocument } from '../../policies';
import { dynamodbDeletionProtection, dynamodbPointInTimeRecovery, Guardrails } from '../guardrails';
import { STATE_TABLE_DEFAULTS } from './defaults';

export interface CollectorStateTableProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account of the table (this stack's account). */
  readonly accountId: string;
  readonly tableName: string;
  /**
   * Encrypt with this customer managed KMS key (ARN or Terraform reference); its collector identity
   * gets `kms:Decrypt` on it through DynamoDB.
   * @default the AWS managed key aws/dynamodb
   */
  readonly kmsKeyArn?: string;
  /** `terraform destroy` (and any DeleteTable) fails until this is turned off and applied. @default true */
  readonly deletionProtection?: boolean;
  /** Continuous backups, restorable to any second of the last 35 days. @default true */
  readonly pointInTimeRecovery?: boolean;
}

/**
 * The DynamoDB table the replicas of one collector share for their state (Kinesis: a KCL-style lease
 * and checkpoint per shard; export: the leader lease and the progress of each log group): keyed by
 * `leaseKey` (S) as a KCL lease table is, on-demand, encrypted with KMS, with point-in-time recovery
 * and deletion protection. Turning either off is recorded as a guardrail suppression, so reviewers
 * see it in the synthesized resource. {@link accessPolicy} is what the collector identity is granted.
 */
export class CollectorStateTable extends Construct {
  readonly table: DynamodbTable;
  readonly tableName: string;
  /** Resolved from partition, region, account and name, so policies name it verbatim. */
  readonly tableArn: string;
  readonly kmsKeyArn?: string;
  /**
   * The collector identity's policy on this table: the calls of its lease table on this table only,
   * and Decrypt through DynamoDB with a customer managed key.
   */
  readonly accessPolicy: PolicyDocument;

  constructor(scope: Construct, id: string, props: CollectorStateTableProps) {
    super(scope, id);
    const check = new InputCheck(`CollectorStateTable ${this.node.path}`);
    const partition = check.partition('partition', props.partition);
    check.region('region', props.region, partition);
    check.accountId('accountId', props.accountId);
    check.tableName('tableName', props.tableName);
    if (props.kmsKeyArn !== undefined) check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms');
    check.done();

    const deletionProtection = props.deletionProtection ?? TOOLKIT_DEFAULTS.collectorState.deletionProtection;
    const pointInTimeRecovery = props.pointInTimeRecovery ?? TOOLKIT_DEFAULTS.collectorState.pointInTimeRecovery;
    this.tableName = props.tableName;
    this.tableArn = dynamodbTableArn(props.partition, props.region, props.accountId, props.tableName);
    this.kmsKeyArn = props.kmsKeyArn;
    this.table = new DynamodbTable(this, 'table', {
      name: props.tableName,
      billingMode: STATE_TABLE_DEFAULTS.billingMode,
      hashKey: STATE_TABLE_DEFAULTS.hashKey,
      attribute: [{ name: STATE_TABLE_DEFAULTS.hashKey, type: 'S' }],
      pointInTimeRecovery: { enabled: pointInTimeRecovery },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: deletionProtection,
    });
    if (!pointInTimeRecovery) {
      Guardrails.suppress(this.table, dynamodbPointInTimeRecovery.id, 'point-in-time recovery turned off on purpose (pointInTimeRecovery: false)');
    }
    if (!deletionProtection) {
      Guardrails.suppress(this.table, dynamodbDeletionProtection.id, 'deletion protection turned off on purpose (deletionProtection: false)');
    }
    this.accessPolicy = collectorStatePolicy({
      partition: props.partition,
      region: props.region,
      accountId: props.accountId,
      tableName: props.tableName,
      kmsKeyArn: props.kmsKeyArn,
    });
  }
}

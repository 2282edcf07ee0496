import { Partition, PARTITION_REGIONS } from '../collector/src/config/regions';

/**
 * Facts about AWS partitions that decide how ARNs, service principals and endpoints are spelled.
 * The partitions and their regions are the collector's list (collector/src/config/regions.ts: the
 * collector checks regions too, and imports nothing from outside collector/src); they are
 * re-exported here, the policies library's one view of them.
 */

export { PARTITIONS, partitionOfRegion, regionSuggestion } from '../collector/src/config/regions';
export type { Partition };

interface PartitionFacts {
  /** DNS suffix of the partition's endpoints and regional service principals. */
  readonly dnsSuffix: string;
  /** The regions of the partition (a name that only looks like one, such as us-east-7, is none). */
  readonly regions: readonly string[];
  readonly example: string;
}

export const PARTITION_FACTS: Readonly<Record<Partition, PartitionFacts>> = {
  aws: { dnsSuffix: 'amazonaws.com', regions: PARTITION_REGIONS.aws, example: 'us-east-1' },
  'aws-us-gov': { dnsSuffix: 'amazonaws.com', regions: PARTITION_REGIONS['aws-us-gov'], example: 'us-gov-west-1' },
  // China regions: endpoints and regional principals such as logs.cn-north-1.amazonaws.com.cn.
  'aws-cn': { dnsSuffix: 'amazonaws.com.cn', regions: PARTITION_REGIONS['aws-cn'], example: 'cn-north-1' },
};

/**
 * CloudWatch Logs acts as a regional service principal (`logs.<region>.amazonaws.com`; in China
 * `logs.<region>.amazonaws.com.cn`): export tasks, subscription filters and account policies all
 * present it, so policies must name the region the logs live in.
 */
export function logsServicePrincipal(partition: Partition, region: string): string {
  return `logs.${region}.${PARTITION_FACTS[partition].dnsSuffix}`;
}

/**
 * Global service principals (`s3.amazonaws.com`, `firehose.amazonaws.com`). AWS spells these with
 * `amazonaws.com` in every partition, China included.
 */
export function globalServicePrincipal(service: 's3' | 'firehose'): string {
  return `${service}.amazonaws.com`;
}

/** Services whose requests a key policy may name in `kms:ViaService`. */
export type ViaService = 's3' | 'sqs' | 'kinesis' | 'logs' | 'firehose' | 'dynamodb' | 'secretsmanager' | 'ssm';

/** The value of `kms:ViaService` for a service's requests in a region: its regional endpoint name. */
export function viaService(partition: Partition, service: ViaService, region: string): string {
  return `${service}.${region}.${PARTITION_FACTS[partition].dnsSuffix}`;
}

/**
 * Facts about AWS partitions that decide how ARNs, service principals and endpoints are spelled.
 */

export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

interface PartitionFacts {
  /** DNS suffix of the partition's endpoints and regional service principals. */
  readonly dnsSuffix: string;
  /** Region names that belong to the partition. */
  readonly regionPattern: RegExp;
  readonly example: string;
}

export const PARTITION_FACTS: Readonly<Record<Partition, PartitionFacts>> = {
  aws: {
    dnsSuffix: 'amazonaws.com',
    regionPattern: /^(?!cn-|us-gov-|us-iso)[a-z]{2}-[a-z]+-\d{1,2}$/,
    example: 'us-east-1',
  },
  'aws-us-gov': { dnsSuffix: 'amazonaws.com', regionPattern: /^us-gov-[a-z]+-\d{1,2}$/, example: 'us-gov-west-1' },
  // China regions: endpoints and regional principals such as logs.cn-north-1.amazonaws.com.cn.
  'aws-cn': { dnsSuffix: 'amazonaws.com.cn', regionPattern: /^cn-[a-z]+-\d{1,2}$/, example: 'cn-north-1' },
};

/** The partition a region belongs to, or undefined for a name that is no region of a supported partition. */
export function partitionOfRegion(region: string): Partition | undefined {
  return PARTITIONS.find((p) => PARTITION_FACTS[p].regionPattern.test(region));
}

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
export type ViaService = 's3' | 'sqs' | 'kinesis' | 'logs' | 'firehose';

/** The value of `kms:ViaService` for a service's requests in a region: its regional endpoint name. */
export function viaService(partition: Partition, service: ViaService, region: string): string {
  return `${service}.${region}.${PARTITION_FACTS[partition].dnsSuffix}`;
}

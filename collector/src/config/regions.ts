import { didYouMean } from './problems';

/**
 * The AWS partitions the project supports and the regions of each, the one list both configs and the
 * policies library check region names against (policies/partitions.ts re-exports it: the collector's
 * image carries only collector/, so the list lives here). A name that merely looks like a region
 * (`us-east-7`) is no region.
 *
 * As of December 2026: the regions of these partitions in the AWS SDK's partition table (3.981),
 * less the `aws-global`-style pseudo regions. A region AWS opens later is added here.
 */

/** The supported partitions, in the order messages list them. */
export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** Each partition's regions, sorted. */
export const PARTITION_REGIONS: Readonly<Record<Partition, readonly string[]>> = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'me-west-1',
    'mx-central-1',
    'sa-east-1',
    'sa-west-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
};

/** The partition a region belongs to, or undefined for a name that is no region of a supported partition. */
export function partitionOfRegion(region: string): Partition | undefined {
  return PARTITIONS.find((p) => PARTITION_REGIONS[p].includes(region));
}

/** ` (did you mean "us-east-1" or "us-east-2"?)`: the nearest regions of a partition (of all supported ones when none is given), or "". */
export function regionSuggestion(region: string, partition?: Partition): string {
  const candidates = partition ? PARTITION_REGIONS[partition] : PARTITIONS.flatMap((p) => PARTITION_REGIONS[p]);
  return didYouMean(region, candidates, { nearestOnly: true });
}

/**
 * The problem with a region name of any supported partition, or undefined when it is one. `shown` is
 * how the value appears in the message (by default the name itself; a value from the environment is
 * shown as written, and then nothing is suggested from it).
 */
export function unknownRegionMessage(region: string, shown?: string): string | undefined {
  if (partitionOfRegion(region) !== undefined) return undefined;
  return `must be a region of a supported partition (${PARTITIONS.join(', ')}), got ${shown ?? `${JSON.stringify(region)}${regionSuggestion(region)}`}`;
}

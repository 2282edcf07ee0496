import { createHash } from 'crypto';

/** Deterministic names and logical ids derived from config values. */

const shortHash = (value: string, length = 8): string => createHash('sha256').update(value).digest('hex').slice(0, length);

/**
 * A name of at most `max` characters: the value itself when it fits, else its start plus a hash of
 * the whole, so two long names never collide and the same input always gives the same name.
 */
export function boundedName(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max - 9)}-${shortHash(value)}`;
}

/** IAM role and user names: at most 64 characters. */
export const iamName = (value: string): string => boundedName(value, 64);

/**
 * A construct id (and so a Terraform logical id) for a value such as a log group name: readable,
 * limited to letters, digits and underscores, and made unique by a hash of the original value.
 */
export function logicalId(prefix: string, value: string): string {
  const slug = value
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .toLowerCase();
  return `${prefix}_${slug}_${shortHash(value)}`;
}

/** Log group of a collector running in AWS: never subscribed, or its own logs would loop through it. */
export const collectorLogGroupName = (namePrefix: string): string => `/${namePrefix}/collector`;

import { InputProblem, PolicyInputError } from './errors';
import { PARTITION_FACTS, PARTITIONS, Partition, partitionOfRegion, regionSuggestion } from './partitions';

/**
 * True when a string carries an unresolved Terraform reference (`${aws_kms_key.x.arn}`) or a CDKTF
 * token (`${TfToken[...]}`): its value is only known at apply time, so patterns are not checked.
 */
export function isUnresolved(value: string): boolean {
  return value.includes('${');
}

const ACCOUNT_ID = /^\d{12}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_LIKE = /^\d{1,3}(\.\d{1,3}){3}$/;
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const DELIVERY_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,75}(\.fifo)?$/;
const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_NAME_PATTERN = /^[\w+=,.@*?-]{1,64}$/;
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const LOG_STREAM_NAME = /^[^:*]{1,512}$/;
const DESTINATION_NAME = /^[^:*]{1,512}$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const KEY_PREFIX_CHARS = /^[A-Za-z0-9!_.'()/=-]+$/;

/**
 * Collects every problem with a function's inputs, then throws one {@link PolicyInputError}
 * listing them all. Each check returns the (normalised) value so callers can use it directly.
 */
export class InputCheck {
  private readonly problems: InputProblem[] = [];

  constructor(private readonly fn: string) {}

  private fail(param: string, value: unknown, expected: string): void {
    this.problems.push({ param, value, expected });
  }

  private str(param: string, value: unknown, pattern: RegExp, expected: string): string {
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(param, value, expected);
    return value as string;
  }

  partition(param: string, value: unknown): Partition {
    if (!PARTITIONS.includes(value as Partition)) this.fail(param, value, `one of ${PARTITIONS.join(', ')}`);
    return value as Partition;
  }

  /** A region name that belongs to the given partition. */
  region(param: string, value: unknown, partition: Partition): string {
    const known = PARTITION_FACTS[partition];
    if (typeof value !== 'string' || !known) {
      this.fail(param, value, 'a region name such as us-east-1');
    } else if (partitionOfRegion(value) !== partition) {
      const actual = partitionOfRegion(value);
      this.fail(
        param,
        value,
        actual
          ? `a region of partition ${partition} (such as ${known.example}); ${value} is in ${actual}`
          : `a region name of partition ${partition}, such as ${known.example}${regionSuggestion(value, partition)}`,
      );
    }
    return value as string;
  }

  accountId(param: string, value: unknown): string {
    return this.str(param, value, ACCOUNT_ID, 'a 12-digit AWS account id, as a string');
  }

  accountIds(param: string, value: unknown, { min = 1 } = {}): string[] {
    if (!Array.isArray(value) || value.length < min) {
      this.fail(param, value, `a list of at least ${min} 12-digit AWS account ids`);
      return [];
    }
    value.forEach((v, i) => this.accountId(`${param}[${i}]`, v));
    return [...new Set(value as string[])];
  }

  bucketName(param: string, value: unknown): string {
    const expected = 'an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address';
    if (typeof value !== 'string' || !BUCKET_NAME.test(value) || value.includes('..') || IP_LIKE.test(value)) {
      this.fail(param, value, expected);
    }
    return value as string;
  }

  streamName(param: string, value: unknown): string {
    return this.str(param, value, STREAM_NAME, 'a Kinesis stream name: 1-128 letters, digits, _ . -');
  }

  deliveryStreamName(param: string, value: unknown): string {
    return this.str(param, value, DELIVERY_STREAM_NAME, 'a Firehose stream name: 1-64 letters, digits, _ . -');
  }

  tableName(param: string, value: unknown): string {
    return this.str(param, value, TABLE_NAME, 'a DynamoDB table name: 3-255 letters, digits, _ . -');
  }

  queueName(param: string, value: unknown): string {
    return this.str(param, value, QUEUE_NAME, 'an SQS queue name: 1-80 letters, digits, _ -, optionally ending in .fifo');
  }

  iamName(param: string, value: unknown): string {
    return this.str(param, value, IAM_NAME, 'an IAM user or role name: 1-64 characters from letters, digits and +=,.@_-');
  }

  /** An IAM name that may hold the wildcards `*` and `?`, for `ArnLike` conditions. */
  iamNamePattern(param: string, value: unknown): string {
    return this.str(param, value, IAM_NAME_PATTERN, 'an IAM role name or pattern: 1-64 characters from letters, digits, +=,.@_- and the wildcards * ?');
  }

  logGroupName(param: string, value: unknown): string {
    return this.str(param, value, LOG_GROUP_NAME, 'a log group name: 1-512 characters from letters, digits and . - _ / #');
  }

  logStreamName(param: string, value: unknown): string {
    return this.str(param, value, LOG_STREAM_NAME, 'a log stream name: 1-512 characters, without : or *');
  }

  destinationName(param: string, value: unknown): string {
    return this.str(param, value, DESTINATION_NAME, 'a log destination name: 1-512 characters, without : or *');
  }

  /** A KMS alias name such as alias/cwl-siem-central (not an aws/ alias, which names AWS managed keys). */
  kmsAliasName(param: string, value: unknown): string {
    return this.str(param, value, /^alias\/(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/, 'a KMS alias name such as alias/cwl-siem-central (not alias/aws/...)');
  }

  organizationId(param: string, value: unknown): string {
    return this.str(param, value, ORG_ID, 'an AWS Organizations id such as o-a1b2c3d4e5');
  }

  externalId(param: string, value: unknown): string {
    return this.str(param, value, EXTERNAL_ID, 'an external id: 2-1224 characters from letters, digits and +=,.@:/-_');
  }

  /**
   * An S3 key prefix without leading or trailing slash (one trailing slash is dropped), made of
   * characters that need no escaping in a policy ARN: no wildcards, no policy variables.
   */
  keyPrefix(param: string, value: unknown): string {
    const normalised = typeof value === 'string' ? value.replace(/\/$/, '') : value;
    if (
      typeof normalised !== 'string' ||
      normalised.length === 0 ||
      normalised.length > 512 ||
      normalised.startsWith('/') ||
      normalised.includes('//') ||
      !KEY_PREFIX_CHARS.test(normalised)
    ) {
      this.fail(
        param,
        value,
        'a non-empty S3 key prefix such as "exports/cwl": at most 512 characters from letters, digits, / ! _ . \' ( ) = -, no leading slash, no empty path segment',
      );
    }
    return normalised as string;
  }

  /** An ARN of the given service and partition, or an unresolved Terraform reference. */
  arnOrReference(param: string, value: unknown, partition: Partition, service: string): string {
    if (typeof value === 'string' && isUnresolved(value)) return value;
    const pattern = new RegExp(`^arn:${partition}:${service}:[a-z0-9-]*:(\\d{12})?:.+$`);
    return this.str(param, value, pattern, `an ARN of ${service} in partition ${partition} (arn:${partition}:${service}:...), or a Terraform reference`);
  }

  /** A list with at least `min` entries, each checked by `each`. */
  list<T>(param: string, value: unknown, each: (param: string, v: unknown) => T, { min = 1 } = {}): T[] {
    if (!Array.isArray(value) || value.length < min) {
      this.fail(param, value, `a list of at least ${min} item${min === 1 ? '' : 's'}`);
      return [];
    }
    return value.map((v, i) => each(`${param}[${i}]`, v));
  }

  /** A rule about several inputs together. */
  require(condition: boolean, param: string, value: unknown, expected: string): void {
    if (!condition) this.fail(param, value, expected);
  }

  /** A whole number from `min` to `max` (unbounded above without `max`); `expected` says so in the unit of `param`. */
  wholeNumber(param: string, value: number, expected: string, min: number, max?: number): void {
    this.require(Number.isInteger(value) && value >= min && (max === undefined || value <= max), param, value, expected);
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.problems.length > 0) throw new PolicyInputError(this.fn, this.problems);
  }
}

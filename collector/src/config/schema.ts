import { sinkConfigSchema } from '../sinks/config';

const REGION = { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$', description: 'an AWS region such as us-east-1' } as const;

/**
 * Where export tasks write in the bucket (`source.prefix` of the export mode), written once: the
 * toolkit's export bucket and sender (config/schema.ts) default to the same prefix, read from here.
 */
export const EXPORT_PREFIX_DEFAULT = 'cwl-exports';

/** A role the collector assumes for every AWS call of its source (the role the toolkit's stack outputs). */
const ASSUME_ROLE = {
  type: 'object',
  additionalProperties: false,
  required: ['roleArn'],
  properties: {
    roleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$', description: 'an IAM role ARN such as arn:aws:iam::123456789012:role/name' },
    externalId: { type: 'string', minLength: 2, maxLength: 1224 },
    sessionName: {
      type: 'string',
      pattern: '^[\\w+=,.@-]{2,64}$',
      default: 'cwl-siem-collector',
      description: 'a role session name (2-64 characters of letters, digits and +=,.@_-)',
    },
    durationSeconds: { type: 'integer', minimum: 900, maximum: 43200, default: 3600 },
  },
} as const;

/** How the collector reaches S3 (object reads and deletes). */
const S3_CLIENT = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    endpoint: { type: 'string', pattern: '^https?://', description: 'S3 endpoint override (a VPC endpoint, or a local emulator in tests)' },
    forcePathStyle: { type: 'boolean', default: false },
    region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$', description: "the bucket's region when it differs from the source's" },
  },
} as const;

/** JSON Schema (draft-07) of the collector config. Every object rejects unknown keys. */
export const collectorConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cwl-siem.dev/schemas/collector-config.json',
  title: 'cwl-siem collector config',
  type: 'object',
  additionalProperties: false,
  required: ['source', 'sink'],
  properties: {
    $schema: { type: 'string' },
    source: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', enum: ['kinesis', 'sqs', 'export'] } },
      allOf: [
        {
          if: { type: 'object', properties: { type: { const: 'kinesis' } } },
          then: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'streamName', 'region'],
            properties: {
              type: { const: 'kinesis' },
              streamName: { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,128}$' },
              region: REGION,
              endpoint: { type: 'string', pattern: '^https?://', description: 'Kinesis endpoint override (a VPC endpoint, or a local emulator in tests)' },
              assumeRole: ASSUME_ROLE,
              startPosition: {
                default: 'TRIM_HORIZON',
                oneOf: [
                  { type: 'string', enum: ['TRIM_HORIZON', 'LATEST'] },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['atTimestamp'],
                    properties: { atTimestamp: { type: 'string', description: 'ISO 8601 time, e.g. 2026-11-22T00:00:00Z' } },
                  },
                ],
              },
              maxRecordsPerCall: { type: 'integer', minimum: 1, maximum: 10000, default: 10000 },
              pollIntervalMs: { type: 'integer', minimum: 200, maximum: 60000, default: 1000 },
              shardDiscoveryIntervalMs: { type: 'integer', minimum: 1000, default: 60000 },
            },
          },
        },
        {
          if: { type: 'object', properties: { type: { const: 'sqs' } } },
          then: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'queueUrl', 'region'],
            properties: {
              type: { const: 'sqs' },
              queueUrl: {
                type: 'string',
                pattern: '^https?://[^/]+/.+',
                description: 'an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/name',
              },
              region: REGION,
              endpoint: { type: 'string', pattern: '^https?://', description: 'SQS endpoint override (a VPC endpoint, or a local emulator in tests)' },
              assumeRole: ASSUME_ROLE,
              s3: S3_CLIENT,
              concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4, description: 'messages worked on at once' },
              waitTimeSeconds: { type: 'integer', minimum: 0, maximum: 20, default: 20 },
              maxMessages: { type: 'integer', minimum: 1, maximum: 10, default: 10 },
              visibilityTimeoutSeconds: {
                type: 'integer',
                minimum: 10,
                maximum: 43200,
                default: 300,
                description:
                  'how long received messages stay invisible (asked on ReceiveMessage); extended by as much every half of it while a message is worked on',
              },
              objects: {
                type: 'object',
                additionalProperties: false,
                default: {},
                properties: {
                  format: { type: 'string', enum: ['auto', 'firehose-object', 'export-object', 'lines'], default: 'auto' },
                  logGroup: { type: 'string', minLength: 1, description: 'log group named on events of objects that carry only message lines' },
                  logStream: { type: 'string', minLength: 1 },
                  owner: { type: 'string', pattern: '^\\d{12}$', description: 'a 12-digit account id' },
                  prefixes: {
                    type: 'array',
                    description:
                      'per key prefix (longest match wins): logGroup, logStream and owner of line objects under it, e.g. one source account of extracted Firehose messages each',
                    items: {
                      type: 'object',
                      additionalProperties: false,
                      required: ['prefix'],
                      properties: {
                        prefix: { type: 'string', minLength: 1 },
                        logGroup: { type: 'string', minLength: 1 },
                        logStream: { type: 'string', minLength: 1 },
                        owner: { type: 'string', pattern: '^\\d{12}$', description: 'a 12-digit account id' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        {
          if: { type: 'object', properties: { type: { const: 'export' } } },
          then: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'region', 'bucket'],
            properties: {
              type: { const: 'export' },
              region: REGION,
              endpoint: { type: 'string', pattern: '^https?://', description: 'CloudWatch Logs endpoint override (a VPC endpoint, or a test server)' },
              assumeRole: ASSUME_ROLE,
              bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', description: 'an S3 bucket name' },
              prefix: {
                type: 'string',
                default: EXPORT_PREFIX_DEFAULT,
                pattern: '^[^/](.*[^/])?$',
                description: 'a key prefix without leading or trailing "/"',
              },
              s3: S3_CLIENT,
              logGroups: {
                type: 'object',
                additionalProperties: false,
                default: {},
                properties: {
                  include: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: ['*'], description: 'names or * patterns' },
                  exclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
                },
              },
              startTime: { type: 'string', default: 'now', description: 'where newly found log groups start: "now" or an ISO 8601 time' },
              windowSeconds: { type: 'integer', minimum: 60, maximum: 86400, default: 300 },
              settleSeconds: {
                type: 'integer',
                minimum: 0,
                maximum: 86400,
                default: 300,
                description: 'windows end at least this long before now, for late events',
              },
              discoveryIntervalSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 600 },
              pollIntervalSeconds: {
                type: 'number',
                minimum: 0.01,
                maximum: 300,
                default: 5,
                description: 'first DescribeExportTasks delay; doubles up to 60 s',
              },
              maxTaskSeconds: {
                type: 'integer',
                minimum: 1,
                maximum: 86400,
                default: 1800,
                description: 'a task running longer is cancelled and its window split',
              },
              maxWindowsPerTask: {
                type: 'integer',
                minimum: 1,
                maximum: 288,
                default: 12,
                description: 'a group behind by several whole windows gets up to this many in one task',
              },
              deleteObjects: { type: 'boolean', default: true, description: "delete a task's objects once its events were delivered" },
            },
          },
        },
      ],
    },
    state: {
      type: 'object',
      default: { type: 'file' },
      required: ['type'],
      description: 'where the collector keeps its checkpoints, leases and export progress (state/store.ts)',
      properties: { type: { type: 'string', enum: ['file', 'dynamodb'] } },
      allOf: [
        {
          if: { type: 'object', properties: { type: { const: 'file' } } },
          then: {
            type: 'object',
            additionalProperties: false,
            properties: {
              type: { const: 'file' },
              dir: {
                type: 'string',
                minLength: 1,
                default: './state',
                description: 'folder of checkpoints.json and export-control.json; one collector process per folder (a lock)',
              },
            },
          },
        },
        {
          if: { type: 'object', properties: { type: { const: 'dynamodb' } } },
          then: {
            type: 'object',
            additionalProperties: false,
            required: ['table', 'region'],
            properties: {
              type: { const: 'dynamodb' },
              table: { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,255}$', description: 'a DynamoDB table keyed by leaseKey (S), as the toolkit creates it' },
              region: REGION,
              endpoint: { type: 'string', pattern: '^https?://', description: 'DynamoDB endpoint override (a VPC endpoint, or a local emulator in tests)' },
              assumeRole: ASSUME_ROLE,
              leaseDurationMs: {
                type: 'integer',
                minimum: 1000,
                maximum: 600000,
                default: 10000,
                description: "a lease not renewed for this long (on the observer's own clock) is taken over; renewed every third of it",
              },
              workerId: {
                type: 'string',
                pattern: '^[\\w.:@/-]{1,128}$',
                description: "this replica's id in the lease table; default: host name, process id and a random suffix",
              },
            },
          },
        },
      ],
    },
    sink: sinkConfigSchema,
    parsers: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        vpcFlowLogs: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['logGroup'],
            properties: {
              logGroup: { type: 'string', minLength: 1, description: 'Log group name, or a pattern with * wildcards' },
              format: {
                type: 'string',
                minLength: 1,
                description:
                  'VPC Flow Logs format: "${version} ${account-id} ..." or plain field names, taken as written (no ${ENV} substitution); default: the version 2 default format',
              },
            },
          },
        },
      },
    },
    deadLetter: {
      type: 'object',
      additionalProperties: false,
      default: { path: './state/dead-letter.ndjson' },
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1 } },
    },
    ops: {
      type: 'object',
      additionalProperties: false,
      default: { host: '127.0.0.1', port: 9090 },
      properties: {
        host: {
          type: 'string',
          minLength: 1,
          default: '127.0.0.1',
          description: 'address the ops server listens on; when left out, the environment variable CWL_SIEM_OPS_HOST if set (the container image sets 0.0.0.0)',
        },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 9090 },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        retryInitialDelayMs: { type: 'integer', minimum: 1, default: 1000 },
        retryMaxDelayMs: { type: 'integer', minimum: 1, default: 60000 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'what the decoders and parsers accept from one record or object (decoders/limits.ts)',
      properties: {
        maxDecompressedBytes: {
          type: 'integer',
          minimum: 65536,
          maximum: 268435456,
          default: 67108864,
          description:
            'bytes (64 KiB to 256 MiB) one inflation may produce: a Kinesis record, each gzip member of a Firehose object, a whole export or lines object; also the longest plain line or JSON document; more is a decode error, reason too-large',
        },
        maxJsonDepth: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 64,
          description: 'nesting levels (1 to 1000) of a JSON message parsed into fields; a deeper message is delivered unparsed (no type, no fields)',
        },
      },
    },
    shutdownTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    logLevel: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info' },
  },
} as const;

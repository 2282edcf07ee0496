import { sinkConfigSchema } from '../sinks/config';

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
      properties: { type: { type: 'string', enum: ['kinesis'] } },
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
              region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$' },
              endpoint: { type: 'string', pattern: '^https?://', description: 'Kinesis endpoint override (a VPC endpoint, or a local emulator in tests)' },
              startPosition: {
                default: 'TRIM_HORIZON',
                oneOf: [
                  { type: 'string', enum: ['TRIM_HORIZON', 'LATEST'] },
                  { type: 'object', additionalProperties: false, required: ['atTimestamp'], properties: { atTimestamp: { type: 'string', description: 'ISO 8601 time, e.g. 2026-11-22T00:00:00Z' } } },
                ],
              },
              maxRecordsPerCall: { type: 'integer', minimum: 1, maximum: 10000, default: 10000 },
              pollIntervalMs: { type: 'integer', minimum: 200, maximum: 60000, default: 1000 },
              shardDiscoveryIntervalMs: { type: 'integer', minimum: 1000, default: 60000 },
            },
          },
        },
      ],
    },
    checkpoint: {
      type: 'object',
      additionalProperties: false,
      default: { type: 'file', path: './state/checkpoints.json' },
      required: ['type', 'path'],
      properties: { type: { type: 'string', enum: ['file'] }, path: { type: 'string', minLength: 1 } },
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
              format: { type: 'string', minLength: 1, description: 'VPC Flow Logs format: "${version} ${account-id} ..." or plain field names; default: the version 2 default format' },
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
      default: { host: '0.0.0.0', port: 9090 },
      properties: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'integer', minimum: 0, maximum: 65535, default: 9090 } },
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
    shutdownTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    logLevel: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info' },
  },
} as const;

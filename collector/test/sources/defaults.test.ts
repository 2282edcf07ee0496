import { collectorConfigSchema } from '../../src/config/schema';
import { sourceDefaults } from '../../src/sources/defaults';
import { EXPORT_DEFAULTS } from '../../src/sources/export/config';
import { KINESIS_DEFAULT_LIMITS } from '../../src/sources/kinesis/config';
import { SQS_POLLING_DEFAULTS } from '../../src/sources/sqs/config';

/** The branch of the schema for a source type (what ajv applies to a config). */
function branch(type: string): Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }> {
  const all = (
    collectorConfigSchema.properties.source as unknown as {
      allOf: { if: { properties: { type: { const: string } } }; then: { properties: Record<string, never> } }[];
    }
  ).allOf;
  return all.find((b) => b.if.properties.type.const === type)!.then.properties;
}

describe('source defaults come from the collector config schema', () => {
  test('a source built without a config uses the values a validated config would hold', () => {
    const k = branch('kinesis');
    expect(KINESIS_DEFAULT_LIMITS).toMatchObject({
      maxRecordsPerCall: k.maxRecordsPerCall.default,
      pollIntervalMs: k.pollIntervalMs.default,
      shardDiscoveryIntervalMs: k.shardDiscoveryIntervalMs.default,
    });
    const q = branch('sqs');
    expect(SQS_POLLING_DEFAULTS).toEqual({
      concurrency: q.concurrency.default,
      waitTimeSeconds: q.waitTimeSeconds.default,
      maxMessages: q.maxMessages.default,
      visibilityTimeoutSeconds: q.visibilityTimeoutSeconds.default,
    });
    const e = branch('export');
    expect(EXPORT_DEFAULTS).toMatchObject({
      include: e.logGroups.properties!.include.default,
      exclude: e.logGroups.properties!.exclude.default,
      maxWindowsPerTask: e.maxWindowsPerTask.default,
      deleteObjects: e.deleteObjects.default,
    });
  });

  test('a key the schema gives no default is an error, not an undefined value', () => {
    expect(() => sourceDefaults<{ streamName: string }, 'streamName'>('kinesis', ['streamName'])).toThrow(
      'the collector config schema gives source.streamName of type kinesis no default',
    );
    expect(() => sourceDefaults<{ prefixes: unknown }, 'prefixes'>('sqs', ['prefixes'], 'objects')).toThrow('source.objects.prefixes of type sqs');
  });
});

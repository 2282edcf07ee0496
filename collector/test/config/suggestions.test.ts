import { CollectorConfigError, ConfigProblem, parseCollectorConfig } from '../../src/config/load';

/**
 * "Did you mean" in collector config errors, from the config-problem library the toolkit's errors
 * use (src/config/problems.ts): a mistyped key or enum value names the close candidates of the very
 * object or field it is in (the variant of the source or sink type given), and nothing when none is.
 */

const kinesis = { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' };
const sink = { type: 'stdout' };

function problemsOf(config: unknown): ConfigProblem[] {
  try {
    parseCollectorConfig(config, 'test.json', {});
  } catch (e) {
    if (e instanceof CollectorConfigError) return e.problems.map((p) => ({ path: p.path, message: p.message }));
    throw e;
  }
  return [];
}

describe('collector config errors suggest what was meant', () => {
  test.each<[string, unknown, ConfigProblem]>([
    ['a top-level key', { sorce: kinesis, source: kinesis, sink }, { path: '$.sorce', message: 'is not a known key here (did you mean "source"?)' }],
    [
      'a key of the kinesis source',
      { source: { ...kinesis, pollIntervalMS: 500 }, sink },
      { path: '$.source.pollIntervalMS', message: 'is not a known key here (did you mean "pollIntervalMs"?)' },
    ],
    [
      'a key of a nested object',
      { source: { ...kinesis, assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/r', sessionname: 'me' } }, sink },
      { path: '$.source.assumeRole.sessionname', message: 'is not a known key here (did you mean "sessionName"?)' },
    ],
    [
      'a key of the splunk-hec sink',
      { source: kinesis, sink: { type: 'splunk-hec', url: 'https://h:8088/services/collector/event', tokenenv: 'T' } },
      { path: '$.sink.tokenenv', message: 'is not a known key here (did you mean "tokenEnv"?)' },
    ],
    [
      'a key of another sink type is suggested only from the keys of the type given',
      { source: kinesis, sink: { type: 'http', url: 'https://h/', hosts: 'h' } },
      { path: '$.sink.hosts', message: 'is not a known key here' },
    ],
    [
      'an enum value',
      { source: { ...kinesis, type: 'kinesiss' }, sink },
      { path: '$.source.type', message: 'must be one of "kinesis", "sqs", "export", got "kinesiss" (did you mean "kinesis"?)' },
    ],
    [
      'a log level',
      { source: kinesis, sink, logLevel: 'debg' },
      { path: '$.logLevel', message: 'must be one of "fatal", "error", "warn", "info", "debug", "trace", got "debg" (did you mean "debug"?)' },
    ],
  ])('%s', (_what, config, expected) => {
    expect(problemsOf(config)).toEqual([expected]);
  });

  test('nothing is suggested when no candidate is close', () => {
    expect(problemsOf({ source: { ...kinesis, shards: 2 }, sink })).toEqual([{ path: '$.source.shards', message: 'is not a known key here' }]);
    expect(problemsOf({ source: kinesis, sink, logLevel: 'verbose' })).toEqual([
      { path: '$.logLevel', message: 'must be one of "fatal", "error", "warn", "info", "debug", "trace", got "verbose"' },
    ]);
  });
});

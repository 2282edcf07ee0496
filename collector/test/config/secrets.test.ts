import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CollectorConfigError, loadCollectorConfig } from '../../src/config/load';

/**
 * A `${NAME}` reference resolved from the environment is a secret as far as errors go: a value that
 * fails validation is reported at its JSON path as written (`${NAME}`), never as resolved.
 */

const SECRET = 'Sup3r S3cret, do not print!';

function loadError(config: unknown, env: NodeJS.ProcessEnv): CollectorConfigError {
  const dir = mkdtempSync(join(tmpdir(), 'cwl-secret-'));
  try {
    const path = join(dir, 'collector.json');
    writeFileSync(path, JSON.stringify(config));
    loadCollectorConfig(path, env);
  } catch (e) {
    if (e instanceof CollectorConfigError) return e;
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the config loaded');
}

const kinesis = { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' };

describe('a value from the environment that fails validation', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['a pattern (stream name)', { source: { ...kinesis, streamName: '${STREAM_TOKEN}' }, sink: { type: 'stdout' } }, '$.source.streamName'],
    [
      'a pattern (role session name)',
      { source: { ...kinesis, assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: '${STREAM_TOKEN}!' } }, sink: { type: 'stdout' } },
      '$.source.assumeRole.sessionName',
    ],
    ['a sink URL', { source: kinesis, sink: { type: 'http', url: '${STREAM_TOKEN}' } }, '$.sink.url'],
    [
      'an enum',
      {
        source: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', region: 'us-east-1', objects: { format: '${STREAM_TOKEN}' } },
        sink: { type: 'stdout' },
      },
      '$.source.objects.format',
    ],
    ['a type (a string for an object)', { source: kinesis, sink: { type: 'stdout' }, state: '${STREAM_TOKEN}' }, '$.state'],
    ['a type, inside a list', { source: kinesis, sink: { type: 'stdout' }, deadLetter: ['${STREAM_TOKEN}'] }, '$.deadLetter'],
    [
      'a rule across fields (start time)',
      { source: { type: 'export', region: 'us-east-1', bucket: 'b-b-b', startTime: '${STREAM_TOKEN}' }, sink: { type: 'stdout' } },
      '$.source.startTime',
    ],
    [
      'a rule across fields (Kinesis timestamp)',
      { source: { ...kinesis, startPosition: { atTimestamp: 'at ${STREAM_TOKEN}' } }, sink: { type: 'stdout' } },
      '$.source.startPosition.atTimestamp',
    ],
  ])('is reported at its path by the variable name, never by its value: %s', (_what, config, path) => {
    const e = loadError(config, { STREAM_TOKEN: SECRET });
    expect(e.message).not.toContain(SECRET);
    expect(JSON.stringify(e.problems)).not.toContain(SECRET);
    const problem = e.problems.find((p) => p.path === path);
    expect(problem?.message).toContain('${STREAM_TOKEN}');
  });

  test('a value written in the file is still shown as it is', () => {
    const e = loadError({ source: { ...kinesis, streamName: 'not a stream name' }, sink: { type: 'stdout' } }, {});
    expect(e.problems).toEqual([{ path: '$.source.streamName', message: 'must match ^[a-zA-Z0-9_.-]{1,128}$, got "not a stream name"' }]);
  });
});

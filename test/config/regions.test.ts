import { readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { CollectorConfigError, parseCollectorConfig } from '../../collector/src/config/load';
import { kinesisReaderPolicy, PolicyInputError } from '../../policies';
import { PARTITION_FACTS, PARTITIONS, partitionOfRegion } from '../../policies/partitions';
import { problemsOf, withStack } from './fixtures';

/**
 * Regions are names AWS has, not names that look like one: both configs and the policies library
 * check them against each partition's region list (policies/partitions.ts), with "did you mean".
 */

describe('the region lists', () => {
  test('each partition lists its regions once, its example among them, and no region is in two partitions', () => {
    const all = PARTITIONS.flatMap((p) => PARTITION_FACTS[p].regions);
    expect(new Set(all).size).toBe(all.length);
    for (const p of PARTITIONS) {
      expect(PARTITION_FACTS[p].regions).toContain(PARTITION_FACTS[p].example);
      for (const r of PARTITION_FACTS[p].regions) expect(partitionOfRegion(r)).toBe(p);
    }
    expect(PARTITION_FACTS.aws.regions).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2']));
    expect(PARTITION_FACTS['aws-cn'].regions).toEqual(['cn-north-1', 'cn-northwest-1']);
    expect(PARTITION_FACTS['aws-us-gov'].regions).toEqual(['us-gov-east-1', 'us-gov-west-1']);
  });

  test('names that only look like a region are in no partition', () => {
    for (const r of ['us-east-7', 'eu-west-9', 'us-gov-west-3', 'cn-south-1', 'us-iso-east-1']) expect(partitionOfRegion(r)).toBeUndefined();
  });

  test('every region an example config names is known', () => {
    const dir = resolve(__dirname, '..', '..', 'examples');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const config = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { stacks: { region: string }[] };
      for (const s of config.stacks) expect([f, partitionOfRegion(s.region)]).toEqual([f, expect.any(String)]);
    }
  });
});

describe('the toolkit config', () => {
  test('refuses a region no partition has, at its path, with what it may have meant', () => {
    expect(problemsOf(withStack({ region: 'us-east-7' }))).toEqual([
      {
        path: '$.stacks[0].region',
        message:
          'must be a region of partition aws (such as us-east-1), got "us-east-7", which is no region of a supported partition (did you mean "us-east-1" or "us-east-2"?)',
      },
    ]);
    expect(problemsOf(withStack({ partition: 'aws-us-gov', region: 'us-gov-west-3' }))).toEqual([
      {
        path: '$.stacks[0].region',
        message:
          'must be a region of partition aws-us-gov (such as us-gov-west-1), got "us-gov-west-3", which is no region of a supported partition (did you mean "us-gov-west-1"?)',
      },
    ]);
  });

  test("refuses an unknown region of an S3 backend's bucket", () => {
    expect(problemsOf(withStack({ backend: { type: 's3', bucket: 'acme-state', key: 'k', region: 'eu-west-9' } }))).toEqual([
      {
        path: '$.stacks[0].backend.region',
        message: 'must be a region of a supported partition (aws, aws-us-gov, aws-cn), got "eu-west-9" (did you mean "eu-west-1", "eu-west-2" or "eu-west-3"?)',
      },
    ]);
  });
});

describe('the collector config', () => {
  const collectorProblems = (config: unknown): string[] => {
    try {
      parseCollectorConfig(config, 'test.json', {});
    } catch (e) {
      if (e instanceof CollectorConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
      throw e;
    }
    return [];
  };

  test('refuses an unknown source region and S3 region, at their paths, with what they may have meant', () => {
    const source = { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', region: 'us-east-7', s3: { region: 'cn-north-9' } };
    expect(collectorProblems({ source, sink: { type: 'stdout' } })).toEqual([
      '$.source.region: must be a region of a supported partition (aws, aws-us-gov, aws-cn), got "us-east-7" (did you mean "us-east-1" or "us-east-2"?)',
      '$.source.s3.region: must be a region of a supported partition (aws, aws-us-gov, aws-cn), got "cn-north-9" (did you mean "cn-north-1"?)',
    ]);
  });

  test('accepts a region of each partition', () => {
    for (const region of ['us-east-1', 'cn-northwest-1', 'us-gov-east-1', 'mx-central-1']) {
      expect(collectorProblems({ source: { type: 'kinesis', streamName: 's', region }, sink: { type: 'stdout' } })).toEqual([]);
    }
  });
});

describe('the policies library', () => {
  test('refuses an unknown region with what it may have meant', () => {
    let error: unknown;
    try {
      kinesisReaderPolicy({ partition: 'aws', region: 'us-east-7', accountId: '111111111111', streamName: 's' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyInputError);
    expect((error as PolicyInputError).problems).toEqual([
      { param: 'region', value: 'us-east-7', expected: 'a region name of partition aws, such as us-east-1 (did you mean "us-east-1" or "us-east-2"?)' },
    ]);
  });
});

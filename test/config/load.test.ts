import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ConfigError, loadConfig, parseConfig } from '../../config/load';
import { kinesis, firehose, loadError, minimal, problemsOf, withStack } from './fixtures';

/** The loader (config/load.ts): its result, its error, reading files, and the examples. */

const examples = resolve(__dirname, '..', '..', 'examples');

describe('the result', () => {
  test('is deep-frozen', () => {
    const config = parseConfig(withStack({ kinesis: kinesis() }), 'test.json');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.stacks)).toBe(true);
    expect(Object.isFrozen(config.stacks[0].kinesis!.subscription.logGroupNames)).toBe(true);
    expect(() => {
      (config.stacks[0].kinesis!.capacity as { mode: string }).mode = 'provisioned';
    }).toThrow(TypeError);
  });

  test('the input object is not mutated, whether it is valid or not', () => {
    const valid = withStack({ kinesis: kinesis(), firehose: firehose() });
    const before = JSON.parse(JSON.stringify(valid));
    parseConfig(valid, 'test.json');
    expect(valid).toEqual(before);

    const invalid = withStack({ accountId: '1', kinesis: kinesis() });
    const invalidBefore = JSON.parse(JSON.stringify(invalid));
    expect(() => parseConfig(invalid, 'test.json')).toThrow(ConfigError);
    expect(invalid).toEqual(invalidBefore);
  });

  test('two loads share no objects', () => {
    const a = parseConfig(minimal(), 'a.json');
    const b = parseConfig(minimal(), 'b.json');
    expect(a.stacks[0].backend).not.toBe(b.stacks[0].backend);
    expect(a.tags).not.toBe(b.tags);
  });
});

describe('ConfigError', () => {
  test('reports every problem together, one line each under the source', () => {
    let error: unknown;
    try {
      parseConfig(withStack({ accountId: '123', region: 'nowhere', kinesis: kinesis({ retentionHours: 1 }) }), 'configs/prod.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.code).toBe('CWL_SIEM_CONFIG');
    expect(e.name).toBe('ConfigError');
    expect(e.source).toBe('configs/prod.json');
    expect(e.problems.map((p) => p.path)).toEqual(['$.stacks[0].region', '$.stacks[0].accountId', '$.stacks[0].kinesis.retentionHours']);
    expect(e.message).toBe(
      [
        'configs/prod.json: 3 problems in the config:',
        '  - $.stacks[0].region: must be an AWS region name such as us-east-1, got "nowhere"',
        '  - $.stacks[0].accountId: must be a 12-digit AWS account id as a string, got "123"',
        '  - $.stacks[0].kinesis.retentionHours: must be an integer from 24 to 8760, got 1',
      ].join('\n'),
    );
  });

  test('problems in several stacks are all reported', () => {
    const config = { stacks: [withStack({ accountId: '1' }).stacks[0], { ...minimal().stacks[0], name: 'second', export: { bucketName: 'x' } }] };
    expect(problemsOf(config).map((p) => p.path)).toEqual(['$.stacks[0].accountId', '$.stacks[1].export.bucketName']);
  });

  test('says "1 problem" for one', () => {
    expect(() => parseConfig({ stacks: [] }, 'one.json')).toThrow(/^one\.json: 1 problem in the config:\n {2}- \$\.stacks: /);
  });

  test('a value that is not a JSON object is rejected at $', () => {
    expect(problemsOf([])).toEqual([{ path: '$', message: 'must be an object, got [] (a list)' }]);
    expect(problemsOf(undefined)).toEqual([{ path: '$', message: 'must be an object, got null' }]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cwl-siem-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file and names it as the source of its problems', () => {
    const file = join(dir, 'bad-account.json');
    writeFileSync(file, JSON.stringify(withStack({ accountId: '123' })));
    const e = loadError(file);
    expect(e.source).toBe(file);
    expect(e.message).toBe(`${file}: 1 problem in the config:\n  - $.stacks[0].accountId: must be a 12-digit AWS account id as a string, got "123"`);
  });

  test('invalid JSON is reported at $ with its line and column', () => {
    const file = join(dir, 'trailing-comma.json');
    writeFileSync(file, '{\n  "stacks": [\n    { "name": "a", }\n  ]\n}\n');
    const e = loadError(file);
    expect(e.problems).toEqual([{ path: '$', message: expect.stringMatching(/^the file is not valid JSON: .+ at line 3, column 20 \(position 35\)$/) }]);
  });

  test('invalid JSON gets a position even where the JSON parser gives none', () => {
    const file = join(dir, 'bad-literal.json');
    writeFileSync(file, '{\n  "stacks": tru\n}');
    expect(loadError(file).problems).toEqual([{ path: '$', message: expect.stringContaining('at line 2, column 13 (position 14)') }]);
  });

  test('an empty file is invalid JSON at its end', () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '');
    expect(loadError(file).problems).toEqual([{ path: '$', message: 'the file is not valid JSON: unexpected end of input at line 1, column 1 (position 0)' }]);
  });

  test('a missing file is reported at $', () => {
    const file = join(dir, 'nope.json');
    const e = loadError(file);
    expect(e.source).toBe(file);
    expect(e.problems).toEqual([{ path: '$', message: 'cannot read the config file: no such file' }]);
  });

  test('a byte order mark is allowed', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(minimal())}`);
    expect(loadConfig(file).stacks[0].name).toBe('main');
  });
});

describe('examples', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.json'));

  test('cover every scenario', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'default.json',
        'export-same-account.json',
        'export-cross-account-user.json',
        'export-cross-account-role.json',
        'kinesis.json',
        'firehose-central.json',
        'account-policy.json',
        'kinesis-destination.json',
      ]),
    );
  });

  test.each(files)('%s loads', (file) => {
    const config = loadConfig(join(examples, file));
    expect(config.stacks.length).toBeGreaterThan(0);
  });

  test('default.json has all three paths in one account, with distinct log groups for kinesis and firehose', () => {
    const [stack, ...rest] = loadConfig(join(examples, 'default.json')).stacks;
    expect(rest).toEqual([]);
    expect(stack.accountId).toBe('111122223333');
    expect(stack.export!.access).toEqual({ mode: 'same-account' });
    // A specific role, not the account root: the example shows what a reviewer should expect to see.
    expect(stack.export!.collector).toEqual({
      type: 'role',
      roleName: expect.any(String),
      trustedPrincipalArns: ['arn:aws:iam::111122223333:role/cwl-siem-collector-task'],
    });
    expect(stack.kinesis!.reader.trustedPrincipalArns).toEqual(['arn:aws:iam::111122223333:role/cwl-siem-collector-task']);
    expect(stack.kinesis!.subscription.logGroupNames).toHaveLength(3);
    expect(stack.firehose!.subscription.logGroupNames).toHaveLength(2);
    expect(stack.firehose!.destination.bucketName).toBe(stack.central!.bucketName);
    expect(stack.central!.siem!.accountId).toBe('777788889999');
    const both = stack.firehose!.subscription.logGroupNames!.filter((g) => stack.kinesis!.subscription.logGroupNames!.includes(g));
    expect(both).toEqual([]);
  });
});

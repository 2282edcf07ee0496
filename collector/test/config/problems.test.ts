import Ajv from 'ajv';
import { ajvErrorPath, ajvProblems, closeMatches, ConfigProblemsError, didYouMean, keyPath, listWords, pointerPath } from '../../src/config/problems';

/** The config-problem library both config loaders (the collector's and the toolkit's) report with. */

describe('JSONPath', () => {
  test('identifier keys are dotted, any other key is quoted in brackets', () => {
    expect(keyPath('$', 'stacks')).toBe('$.stacks');
    expect(keyPath('$.tags', 'cost center')).toBe('$.tags["cost center"]');
    expect(keyPath('$.headers', 'X-Api-Key')).toBe('$.headers["X-Api-Key"]');
  });

  test('a JSON Pointer becomes a JSONPath, with array indexes told from numeric keys by the data', () => {
    const data = { stacks: [{ kinesis: { subscription: {} } }], tags: { '0': 'x' } };
    expect(pointerPath('/stacks/0/kinesis/subscription', data)).toBe('$.stacks[0].kinesis.subscription');
    expect(pointerPath('/tags/0', data)).toBe('$.tags["0"]');
    expect(pointerPath('', data)).toBe('$');
    expect(pointerPath('/stacks/0', data, 'accountId')).toBe('$.stacks[0].accountId');
    expect(pointerPath('/a~1b/c~0d', { 'a/b': { 'c~d': 1 } })).toBe('$["a/b"]["c~d"]');
  });

  test('an ajv error points at the missing key, the unknown key, or else the value', () => {
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile({
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string' }, ports: { type: 'array', items: { type: 'integer' } } },
    });
    const data = { ports: [1, 'two'], extra: true };
    expect(validate(data)).toBe(false);
    expect((validate.errors ?? []).map((e) => ajvErrorPath(e, data)).sort()).toEqual(['$.extra', '$.name', '$.ports[1]']);
  });
});

describe('problems', () => {
  test('are de-duplicated by path and message, and an undefined wording drops an error', () => {
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile({ type: 'object', properties: { a: { type: 'integer', minimum: 5 }, b: { type: 'integer', minimum: 5 } } });
    const data = { a: 1, b: 1 };
    validate(data);
    const problems = ajvProblems(validate.errors ?? [], (e) => (e.instancePath === '/b' ? undefined : { path: ajvErrorPath(e, data), message: 'too small' }));
    expect(problems).toEqual([{ path: '$.a', message: 'too small' }]);
    const twice = ajvProblems([...(validate.errors ?? []), ...(validate.errors ?? [])], (e) => ({ path: ajvErrorPath(e, data), message: 'too small' }));
    expect(twice).toEqual([
      { path: '$.a', message: 'too small' },
      { path: '$.b', message: 'too small' },
    ]);
  });

  test('an error lists every problem under its source, one line each', () => {
    const one = new ConfigProblemsError('c.json', [{ path: '$.a', message: 'is required' }]);
    expect(one.message).toBe('c.json: 1 problem in the config:\n  - $.a: is required');
    const two = new ConfigProblemsError('c.json', [
      { path: '$.a', message: 'x' },
      { path: '$.b', message: 'y' },
    ]);
    expect(two.message).toBe('c.json: 2 problems in the config:\n  - $.a: x\n  - $.b: y');
    expect(two.problems).toHaveLength(2);
    expect(two.source).toBe('c.json');
  });
});

describe('did you mean', () => {
  test('suggests the candidates a word is a small typo of, ignoring case', () => {
    expect(closeMatches('kinesiss', ['kinesis', 'firehose'])).toEqual(['kinesis']);
    expect(closeMatches('Stacks', ['stacks'])).toEqual(['stacks']);
    expect(didYouMean('exprt', ['export', 'exportSender'])).toBe(' (did you mean "export"?)');
    expect(didYouMean('sorce', ['source', 'force'])).toBe(' (did you mean "source" or "force"?)');
  });

  test('can suggest only the nearest candidates (names that differ in a digit)', () => {
    const regions = ['eu-west-1', 'eu-west-2', 'eu-west-12'];
    expect(closeMatches('eu-west-9', regions)).toEqual(regions);
    expect(didYouMean('eu-west-9', regions, { nearestOnly: true })).toBe(' (did you mean "eu-west-1" or "eu-west-2"?)');
  });

  test('suggests nothing when no candidate is close', () => {
    expect(didYouMean('batchSize', ['queueUrl', 'region'])).toBe('');
  });

  test('lists words with commas and one conjunction', () => {
    expect(listWords(['a'], 'or')).toBe('a');
    expect(listWords(['a', 'b'], 'and')).toBe('a and b');
    expect(listWords(['a', 'b', 'c'], 'or')).toBe('a, b or c');
  });
});

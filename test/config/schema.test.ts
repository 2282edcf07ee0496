import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { schemaJson, toolkitConfigSchema } from '../../config/schema';
import { InputCheck } from '../../policies/inputs';

type Node = Record<string, unknown>;

/** Every subschema with its JSON Pointer-like location. */
function walk(node: unknown, at = '#', out: [string, Node][] = []): [string, Node][] {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    out.push([at, node as Node]);
    for (const [k, v] of Object.entries(node)) if (k !== 'default' && k !== 'enum' && k !== 'const') walk(v, `${at}/${k}`, out);
  }
  return out;
}
const nodes = walk(toolkitConfigSchema);
/** Schema objects that describe data (not `properties` maps, which also get walked). */
const schemas = nodes.filter(([at]) => !/\/properties$/.test(at));

describe('the committed schema file', () => {
  test('equals the schema object, so editors validate what the loader does', () => {
    const committed = readFileSync(resolve(__dirname, '..', '..', 'config', 'toolkit-config.schema.json'), 'utf8');
    // Regenerate with: node --require tsx/cjs config/schema.ts > config/toolkit-config.schema.json
    expect(committed).toBe(`${JSON.stringify(toolkitConfigSchema, null, 2)}\n`);
    expect(schemaJson()).toBe(committed);
  });

  test('is a valid draft-07 schema', () => {
    const ajv = new Ajv();
    expect(toolkitConfigSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(ajv.validateSchema(JSON.parse(schemaJson()))).toBe(true);
  });
});

describe('schema conventions', () => {
  test('every object schema listing properties rejects unknown keys (union bases do so in each variant)', () => {
    const open = schemas.filter(([at, s]) => {
      if (s.properties === undefined || s.additionalProperties === false) return false;
      if (/\/if$/.test(at)) return false; // the condition of a union variant
      const isUnionBase = Array.isArray(s.allOf) && s.allOf.every((b: Node) => (b.then as Node | undefined)?.additionalProperties === false);
      return !isUnionBase;
    });
    expect(open.map(([at]) => at)).toEqual([]);
  });

  test('every pattern comes with words for the error message', () => {
    const bare = schemas.filter(
      ([, s]) => typeof s.pattern === 'string' && !(typeof s.patternErrorMessage === 'string' && s.patternErrorMessage.startsWith('must be ')),
    );
    expect(bare.map(([at]) => at)).toEqual([]);
  });

  test('oneOf and anyOf are only "exactly/at least one of these keys"', () => {
    const composite = schemas.flatMap(([at, s]) => (['oneOf', 'anyOf'] as const).filter((k) => k in s).map((k) => [at, s[k]] as const));
    expect(composite.length).toBeGreaterThanOrEqual(3);
    for (const [, branches] of composite) {
      for (const b of branches as Node[]) expect(Object.keys(b)).toEqual(['required']);
    }
  });

  test('the top level allows a $schema string for editors', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(toolkitConfigSchema);
    const config = {
      $schema: '../config/toolkit-config.schema.json',
      stacks: [{ name: 'a', region: 'us-east-1', accountId: '111122223333', export: { bucketName: 'abc' } }],
    };
    expect(validate(config)).toBe(true);
    expect(validate({ ...config, $schema: 7 })).toBe(false);
  });
});

/** The pattern of a named field, found by its path in the schema. */
function pattern(path: string): RegExp {
  const found = nodes.find(([at]) => at === path);
  if (!found || typeof found[1].pattern !== 'string') throw new Error(`no pattern at ${path}`);
  return new RegExp(found[1].pattern, 'u');
}

function inputCheckAccepts(check: (c: InputCheck, value: string) => unknown, value: string): boolean {
  const c = new InputCheck('test');
  check(c, value);
  try {
    c.done();
    return true;
  } catch {
    return false;
  }
}

const stack = '#/properties/stacks/items/properties';

/** [field, schema path, the InputCheck rule it mirrors, sample values both must judge alike] */
const sameRules: [string, string, (c: InputCheck, v: string) => unknown, string[]][] = [
  ['account id', `${stack}/accountId`, (c, v) => c.accountId('x', v), ['111122223333', '11112222333', '1111222233334', 'abcdefghijkl', '', ' 111122223333']],
  [
    'bucket name',
    `${stack}/export/properties/bucketName`,
    (c, v) => c.bucketName('x', v),
    ['abc', 'ab', 'a'.repeat(63), 'a'.repeat(64), 'Acme', 'acme_logs', '-acme', 'acme-', 'acme..logs', 'acme.logs', '192.168.1.10', '192.168.1.logs'],
  ],
  [
    'Kinesis stream name',
    `${stack}/kinesis/properties/streamName`,
    (c, v) => c.streamName('x', v),
    ['logs', 'a.b_c-D', 'a'.repeat(128), 'a'.repeat(129), 'a b', '', 'a/b'],
  ],
  [
    'Firehose stream name',
    `${stack}/firehose/properties/deliveryStreamName`,
    (c, v) => c.deliveryStreamName('x', v),
    ['to-central', 'a'.repeat(64), 'a'.repeat(65), 'a:b'],
  ],
  [
    'IAM name',
    `${stack}/central/properties/siem/properties/roleName`,
    (c, v) => c.iamName('x', v),
    ['reader', 'a+=,.@_-b', 'a'.repeat(64), 'a'.repeat(65), 'a*', 'a/b', ''],
  ],
  [
    'IAM name pattern',
    `${stack}/central/properties/writerRoleNames/items`,
    (c, v) => c.iamNamePattern('x', v),
    ['cwl-siem-firehose-*', 'role?', 'a'.repeat(65), 'a/b'],
  ],
  [
    'log group name',
    `${stack}/firehose/properties/errorLogGroupName`,
    (c, v) => c.logGroupName('x', v),
    ['/aws/lambda/x', 'a#b.c-d_e', 'a'.repeat(512), 'a'.repeat(513), 'a:b', 'a b', ''],
  ],
  ['destination name', `${stack}/destination/properties/name`, (c, v) => c.destinationName('x', v), ['to-siem', 'a b', 'a:b', 'a*b', '']],
  [
    'organization id',
    `${stack}/central/properties/organizationId`,
    (c, v) => c.organizationId('x', v),
    ['o-a1b2c3d4e5', 'o-a1b2c3d4', 'o-A1B2C3D4E5', 'a1b2c3d4e5', `o-${'a'.repeat(33)}`],
  ],
  ['external id', `${stack}/central/properties/siem/properties/externalId`, (c, v) => c.externalId('x', v), ['ab', 'a', 'ext-id:1/2@x', 'a b', 'a*']],
  // The config also rejects a trailing slash, which InputCheck tolerates and drops; samples without one.
  [
    'key prefix',
    `${stack}/export/properties/prefix`,
    (c, v) => c.keyPrefix('x', v),
    ['cwl-exports', 'a/b/c', "a!_.'()=-", '', '/a', 'a//b', 'a*b', 'a b', 'a'.repeat(512), 'a'.repeat(513)],
  ],
];

describe('name rules match policies/inputs.ts', () => {
  test.each(sameRules)('%s', (_field, path, check, samples) => {
    const re = pattern(path);
    for (const value of samples) expect([value, re.test(value)]).toEqual([value, inputCheckAccepts(check, value)]);
  });

  test('an SQS queue name is a standard queue of at most 75 characters, a subset of what InputCheck allows', () => {
    const re = pattern(`${stack}/central/properties/queueName`);
    for (const ok of ['cwl-siem-objects', 'a_b-C', 'a'.repeat(75)]) {
      expect([ok, re.test(ok)]).toEqual([ok, true]);
      expect(inputCheckAccepts((c, v) => c.queueName('x', v), ok)).toBe(true);
    }
    for (const bad of ['a'.repeat(76), 'queue.fifo', 'a b', '']) expect([bad, re.test(bad)]).toEqual([bad, false]);
  });
});

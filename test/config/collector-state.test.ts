import { parseConfig } from '../../config/load';
import { kinesis, problemsOf, withStack } from './fixtures';

/**
 * The collector state block of the toolkit config (`collector.state` of the Kinesis path, the export
 * bucket's collector and the export sender): what the schema and the rules refuse, each problem once,
 * at its JSONPath. Its defaults are in defaults.test.ts.
 */

const ROOT = 'arn:aws:iam::111122223333:root';
const role = (extra: Record<string, unknown> = {}) => ({ type: 'role', roleName: 'collector', trustedPrincipalArns: [ROOT], ...extra });
const sender = (extra: Record<string, unknown>) => ({
  stacks: [
    {
      name: 'sender',
      region: 'us-east-1',
      accountId: '444455556666',
      exportSender: { bucketName: 'other', bucketAccountId: '777788889999', identity: { type: 'user', userName: 'u' }, ...extra },
    },
  ],
});

/** [case, config, path, message]: each config has exactly this one problem. */
const refused: [string, () => unknown, string, string][] = [
  [
    'a file state (the collector needs nothing of the toolkit for it)',
    () => withStack({ kinesis: kinesis({ collector: { state: { type: 'file' } } }) }),
    '$.stacks[0].kinesis.collector.state.type',
    'must be one of dynamodb, got "file"',
  ],
  [
    'a state without its type',
    () => withStack({ kinesis: kinesis({ collector: { state: { tableName: 'leases' } } }) }),
    '$.stacks[0].kinesis.collector.state.type',
    'is missing; expected one of dynamodb',
  ],
  [
    'a table name DynamoDB would refuse',
    () => withStack({ kinesis: kinesis({ collector: { state: { type: 'dynamodb', tableName: 'my leases' } } }) }),
    '$.stacks[0].kinesis.collector.state.tableName',
    'must be a DynamoDB table name: 3-255 letters, digits, _ . -, got "my leases"',
  ],
  [
    'a table name of two characters',
    () => withStack({ kinesis: kinesis({ collector: { state: { type: 'dynamodb', tableName: 'ab' } } }) }),
    '$.stacks[0].kinesis.collector.state.tableName',
    'must be a DynamoDB table name: 3-255 letters, digits, _ . -, got "ab"',
  ],
  [
    'a key the state does not have',
    () => withStack({ kinesis: kinesis({ collector: { state: { type: 'dynamodb', billingMode: 'PROVISIONED' } } }) }),
    '$.stacks[0].kinesis.collector.state.billingMode',
    'unknown key "billingMode"; allowed keys with type "dynamodb": type, tableName, deletionProtection, pointInTimeRecovery',
  ],
  [
    'deletion protection as a string',
    () => withStack({ kinesis: kinesis({ collector: { state: { type: 'dynamodb', deletionProtection: 'yes' } } }) }),
    '$.stacks[0].kinesis.collector.state.deletionProtection',
    'must be true or false, got "yes" (a string)',
  ],
  [
    'a key the collector block does not have (the image belongs in deploy)',
    () => withStack({ kinesis: kinesis({ collector: { image: 'cwl-siem-collector:1' } }) }),
    '$.stacks[0].kinesis.collector.image',
    'unknown key "image"; allowed keys: state, deploy',
  ],
  [
    "an export collector's state of an unknown type",
    () => withStack({ export: { bucketName: 'acme-exports', collector: role({ state: { type: 'dynamo' } }) } }),
    '$.stacks[0].export.collector.state.type',
    'must be one of dynamodb, got "dynamo"',
  ],
  [
    "the sender's state under its identity instead of its collector block",
    () => sender({ identity: { type: 'user', userName: 'u', state: { type: 'dynamodb' } } }),
    '$.stacks[0].exportSender.identity.state',
    'unknown key "state"; allowed keys with type "user": type, userName',
  ],
  [
    'two tables of one name in one stack',
    () =>
      withStack({
        kinesis: kinesis({ collector: { state: { type: 'dynamodb', tableName: 'leases' } } }),
        export: { bucketName: 'acme-exports', collector: role({ state: { type: 'dynamodb', tableName: 'leases' } }) },
      }),
    '$.stacks[0].export.collector.state.tableName',
    'must be unique in account 111122223333 and region us-east-1 (DynamoDB table names are), got "leases", also the table of $.stacks[0].kinesis.collector.state; set another tableName on one of them',
  ],
  [
    'two stacks of one account and region with the default Kinesis table name',
    () => {
      const config = withStack({ export: undefined, kinesis: kinesis({ collector: { state: { type: 'dynamodb' } } }) });
      config.stacks.push({ ...config.stacks[0], name: 'second', kinesis: kinesis({ streamName: 'other', collector: { state: { type: 'dynamodb' } } }) });
      return config;
    },
    '$.stacks[1].kinesis.collector.state.tableName',
    'got "cwl-siem-kinesis-state", also the table of $.stacks[0].kinesis.collector.state',
  ],
];

test.each(refused)('%s is refused', (_name, config, path, message) => {
  expect(problemsOf(config())).toEqual([{ path, message: expect.stringContaining(message) }]);
});

test('the same table name is fine in another account or another region', () => {
  const state = { type: 'dynamodb', tableName: 'leases' };
  const first = withStack({ export: undefined, kinesis: kinesis({ collector: { state } }) }).stacks[0];
  const stacks = [first, { ...first, name: 'other-region', region: 'eu-west-1' }, { ...first, name: 'other-account', accountId: '444455556666' }];
  expect(parseConfig({ stacks }, 'test.json').stacks.map((s) => s.kinesis!.collector!.state!.tableName)).toEqual(['leases', 'leases', 'leases']);
});

test('each path may have its own table: Kinesis, the export collector and the sender', () => {
  const state = { type: 'dynamodb' };
  const config = withStack({
    kinesis: kinesis({ collector: { state } }),
    export: { bucketName: 'acme-exports', collector: role({ state: { ...state, tableName: 'exports' } }) },
  });
  expect(parseConfig(config, 'test.json').stacks[0].export!.collector!.state!.tableName).toBe('exports');
  expect(parseConfig(sender({ collector: { state } }), 'test.json').stacks[0].exportSender!.collector!.state!.tableName).toBe('cwl-siem-export-state');
});

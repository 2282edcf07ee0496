import { LEASE_TABLE_ACTIONS } from '../../collector/src/state/dynamodb/names';
import { collectorStatePolicy, PolicyInputError, renderPolicy } from '../../policies';
import { STATE_TABLE_USE } from '../../policies/perms';

/** The collector's policy on its DynamoDB state table (document 16), as the library renders it. */

const A = '111111111111';
const base = { partition: 'aws' as const, region: 'us-east-1', accountId: A, tableName: 'cwl-siem-kinesis-state' };

test("grants the calls of the collector's lease table by name, no wildcard", () => {
  expect(STATE_TABLE_USE).toBe(LEASE_TABLE_ACTIONS);
  expect(STATE_TABLE_USE.some((a) => a.includes('*'))).toBe(false);
});

test('those actions on the one table ARN (no index, stream or other table); no key statement with the AWS managed key', () => {
  expect(collectorStatePolicy(base).Statement).toEqual([
    {
      Sid: 'UseStateTable',
      Effect: 'Allow',
      Action: [...STATE_TABLE_USE],
      Resource: `arn:aws:dynamodb:us-east-1:${A}:table/cwl-siem-kinesis-state`,
    },
  ]);
});

test('with a customer managed key, Decrypt on it through DynamoDB of the region only; a Terraform reference is kept as is', () => {
  const key = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  expect(collectorStatePolicy({ ...base, kmsKeyArn: key }).Statement[1]).toEqual({
    Sid: 'DecryptStateTable',
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: key,
    Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
  });
  expect(renderPolicy(collectorStatePolicy({ ...base, kmsKeyArn: '${aws_kms_key.state.arn}' }))).toContain('"Resource":"${aws_kms_key.state.arn}"');
});

test('ARNs and the service name follow the partition (China: dynamodb.cn-north-1.amazonaws.com.cn)', () => {
  const doc = collectorStatePolicy({ ...base, partition: 'aws-cn', region: 'cn-north-1', kmsKeyArn: `arn:aws-cn:kms:cn-north-1:${A}:key/k-1` });
  expect(doc.Statement.map((s) => s.Resource)).toEqual([
    `arn:aws-cn:dynamodb:cn-north-1:${A}:table/cwl-siem-kinesis-state`,
    `arn:aws-cn:kms:cn-north-1:${A}:key/k-1`,
  ]);
  expect(doc.Statement[1].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.cn-north-1.amazonaws.com.cn' } });
});

test('bad inputs are reported together, each with what was expected', () => {
  let error: unknown;
  try {
    collectorStatePolicy({ ...base, accountId: '1111', tableName: 'a b', kmsKeyArn: 'alias/state' });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PolicyInputError);
  expect((error as PolicyInputError).problems.map((p) => [p.param, p.value])).toEqual([
    ['accountId', '1111'],
    ['tableName', 'a b'],
    ['kmsKeyArn', 'alias/state'],
  ]);
  expect((error as Error).message).toContain('expected a DynamoDB table name: 3-255 letters, digits, _ . -');
});

import { createMetrics } from '../../src/ops/metrics';
import { LEASE_TABLE_ACTIONS } from '../../src/state/dynamodb/names';
import { LeaseTable } from '../../src/state/dynamodb/table';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';

/** The lease table's calls are the IAM actions the toolkit grants (names.ts), each counted by operation and result. */

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
  await createLeaseTable(dynamo.client(), 'calls');
});
afterAll(() => dynamo.close());

test('every call LeaseTable makes is one of LEASE_TABLE_ACTIONS, and each is counted ok, condition or error', async () => {
  const metrics = createMetrics();
  const table = new LeaseTable(dynamo.client(), 'calls', metrics);
  await table.describe();
  await table.put({ Item: { leaseKey: { S: 'a' }, leaseCounter: { N: '1' } }, ConditionExpression: 'attribute_not_exists(leaseKey)' });
  await expect(table.put({ Item: { leaseKey: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(leaseKey)' })).rejects.toMatchObject({
    name: 'ConditionalCheckFailedException',
  });
  expect(
    await table.update({ Key: { leaseKey: { S: 'a' } }, UpdateExpression: 'SET leaseCounter = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }),
  ).toMatchObject({
    leaseCounter: { N: '2' },
  });
  expect(await table.get('a')).toMatchObject({ leaseKey: { S: 'a' } });
  expect((await table.scan()).map((i) => i.leaseKey.S)).toEqual(['a']);
  await table.delete({ Key: { leaseKey: { S: 'a' } } });
  await expect(new LeaseTable(dynamo.client(), 'missing', metrics).get('a')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

  const counted = (await metrics.leaseTableCalls.get()).values.map((v) => [`dynamodb:${v.labels.operation}`, v.labels.result, v.value]);
  expect(counted).toEqual(
    expect.arrayContaining([
      ['dynamodb:DescribeTable', 'ok', 1],
      ['dynamodb:PutItem', 'ok', 1],
      ['dynamodb:PutItem', 'condition', 1],
      ['dynamodb:UpdateItem', 'ok', 1],
      ['dynamodb:GetItem', 'ok', 1],
      ['dynamodb:GetItem', 'error', 1],
      ['dynamodb:Scan', 'ok', 1],
      ['dynamodb:DeleteItem', 'ok', 1],
    ]),
  );
  expect(new Set(counted.map(([action]) => action))).toEqual(new Set(LEASE_TABLE_ACTIONS));
});

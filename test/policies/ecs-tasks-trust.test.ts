import { PolicyDocument, PolicyInputError, principalsTrustPolicy, siemReaderTrustPolicy } from '../../policies';
import { ecsTasksTrustStatement, withEcsTasksTrust } from '../../policies/statements';
import { evaluate, EvaluationCase, Expectation, outcome } from './evaluate';

/**
 * The trust a collector role gets when the toolkit runs the collector on ECS with it as the task
 * role (`withEcsTasksTrust`): ECS tasks of the stack's account and region may assume it, ECS acting
 * for another account or region may not, and the principals the role trusted before still may.
 * Evaluated with the IAM policy engine, as the other documents (test/policies/evaluation.test.ts).
 */

const ACCOUNT = '111111111111';
const OUTSIDER = '444444444444';
const SIEM_ACCOUNT = '333333333333';
const REGION = 'us-east-1';
const EXTERNAL_ID = 'siem-7f3a9c2e-tenant-42';
const ECS = 'ecs-tasks.amazonaws.com';
const where = { partition: 'aws' as const, region: REGION, accountId: ACCOUNT };

const roleArn = (account: string, name: string, partition = 'aws'): string => `arn:${partition}:iam::${account}:role/${name}`;
const taskArn = (account: string, region = REGION, partition = 'aws'): string =>
  `arn:${partition}:ecs:${region}:${account}:task/cwl-siem-collector/0f1e2d3c4b5a6978`;
/** What ECS presents when it assumes a task role for a task of `account`. */
const ecsFor = (account: string, region = REGION, partition = 'aws') => ({
  'aws:SourceAccount': account,
  'aws:SourceArn': taskArn(account, region, partition),
});

const readerTrust = withEcsTasksTrust(principalsTrustPolicy({ partition: 'aws', principalArns: [`arn:aws:iam::${ACCOUNT}:root`] }), where);
const siemTrust = withEcsTasksTrust(siemReaderTrustPolicy({ partition: 'aws', siemAccountId: SIEM_ACCOUNT, externalId: EXTERNAL_ID }), where);
const withoutEcs = principalsTrustPolicy({ partition: 'aws', principalArns: [`arn:aws:iam::${ACCOUNT}:root`] });
const ASSUME_ANY_ROLE = {
  name: 'assume-any-role',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
} as const;

type Case = [string, Expectation, Omit<EvaluationCase, 'document' | 'name' | 'expect'>];
const asEcs = (trust: PolicyDocument, role: string, context: Record<string, string>, partition = 'aws') => ({
  principal: ECS,
  action: 'sts:AssumeRole',
  resource: roleArn(ACCOUNT, role, partition),
  resourceAccount: ACCOUNT,
  context,
  resourcePolicy: trust,
});

const cases: Case[] = [
  ['reader role: ECS assumes it for a task of the account and region', 'Allowed', asEcs(readerTrust, 'cwl-siem-kinesis-reader', ecsFor(ACCOUNT))],
  ['reader role: ECS assumes it for a task of another account', 'Denied', asEcs(readerTrust, 'cwl-siem-kinesis-reader', ecsFor(OUTSIDER))],
  [
    'reader role: ECS with this SourceAccount but a task of another account as SourceArn',
    'Denied',
    asEcs(readerTrust, 'cwl-siem-kinesis-reader', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': taskArn(OUTSIDER) }),
  ],
  [
    'reader role: ECS assumes it for a task of the account in another region',
    'Denied',
    asEcs(readerTrust, 'cwl-siem-kinesis-reader', ecsFor(ACCOUNT, 'us-west-2')),
  ],
  ['reader role: ECS without aws:SourceAccount and aws:SourceArn', 'Denied', asEcs(readerTrust, 'cwl-siem-kinesis-reader', {})],
  ['reader role without the ECS trust: ECS for a task of the account', 'Denied', asEcs(withoutEcs, 'cwl-siem-kinesis-reader', ecsFor(ACCOUNT))],
  [
    'reader role: a principal of the account still assumes it (the trust it had is kept)',
    'Allowed',
    {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/operator/session`,
      action: 'sts:AssumeRole',
      resource: roleArn(ACCOUNT, 'cwl-siem-kinesis-reader'),
      resourceAccount: ACCOUNT,
      context: { 'aws:PrincipalArn': roleArn(ACCOUNT, 'operator'), 'aws:PrincipalAccount': ACCOUNT },
      identityPolicies: [ASSUME_ANY_ROLE],
      resourcePolicy: readerTrust,
    },
  ],
  [
    'SIEM reader role: ECS assumes it for a task of the account (no external id asked of ECS)',
    'Allowed',
    asEcs(siemTrust, 'cwl-siem-siem-reader', ecsFor(ACCOUNT)),
  ],
  ['SIEM reader role: ECS assumes it for a task of another account', 'Denied', asEcs(siemTrust, 'cwl-siem-siem-reader', ecsFor(OUTSIDER))],
  [
    'SIEM reader role: the SIEM account still assumes it with the external id',
    'Allowed',
    {
      principal: `arn:aws:sts::${SIEM_ACCOUNT}:assumed-role/siem-poller/session`,
      action: 'sts:AssumeRole',
      resource: roleArn(ACCOUNT, 'cwl-siem-siem-reader'),
      resourceAccount: ACCOUNT,
      context: { 'sts:ExternalId': EXTERNAL_ID, 'aws:PrincipalArn': roleArn(SIEM_ACCOUNT, 'siem-poller'), 'aws:PrincipalAccount': SIEM_ACCOUNT },
      identityPolicies: [ASSUME_ANY_ROLE],
      resourcePolicy: siemTrust,
    },
  ],
  [
    'SIEM reader role: the SIEM account without the external id',
    'Denied',
    {
      principal: `arn:aws:sts::${SIEM_ACCOUNT}:assumed-role/siem-poller/session`,
      action: 'sts:AssumeRole',
      resource: roleArn(ACCOUNT, 'cwl-siem-siem-reader'),
      resourceAccount: ACCOUNT,
      context: { 'aws:PrincipalArn': roleArn(SIEM_ACCOUNT, 'siem-poller'), 'aws:PrincipalAccount': SIEM_ACCOUNT },
      identityPolicies: [ASSUME_ANY_ROLE],
      resourcePolicy: siemTrust,
    },
  ],
];

test.each(cases)('%s → %s', async (name, expected, request) => {
  const document = name.startsWith('SIEM') ? '12 SIEM reader role' : '7 Kinesis reader';
  const { decision } = await evaluate({ ...request, document, name, expect: expected });
  expect(outcome(expected, decision)).toBe(expected);
});

test('the statement: the ECS tasks principal, this account as aws:SourceAccount, ECS resources of the account and region as aws:SourceArn', () => {
  expect(ecsTasksTrustStatement(where)).toEqual({
    Sid: 'EcsTasksAssumeRole',
    Effect: 'Allow',
    Principal: { Service: ECS },
    Action: ['sts:AssumeRole'],
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${ACCOUNT}:*` } },
  });
  expect(ecsTasksTrustStatement({ partition: 'aws-cn', region: 'cn-north-1', accountId: ACCOUNT }).Condition).toEqual({
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': `arn:aws-cn:ecs:cn-north-1:${ACCOUNT}:*` },
  });
});

test('added to a trust policy, every statement it had is kept, in order, and the ECS one comes last', () => {
  expect(readerTrust.Statement.map((s) => s.Sid)).toEqual(['TrustedPrincipalsAssumeRole', 'EcsTasksAssumeRole']);
  expect(siemTrust.Statement.map((s) => s.Sid)).toEqual(['SiemAssumeRoleWithExternalId', 'EcsTasksAssumeRole']);
});

test('bad inputs are reported together', () => {
  let error: unknown;
  try {
    ecsTasksTrustStatement({ partition: 'aws', region: 'cn-north-1', accountId: '1111' });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PolicyInputError);
  expect((error as PolicyInputError).problems.map((p) => p.param)).toEqual(['region', 'accountId']);
});

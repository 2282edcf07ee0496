import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { cloudWatchLogsTrustPolicy, exportBucketPolicy, logDestinationPolicy, logsToFirehosePolicy, logsToKinesisPolicy, PolicyDocument } from '../../policies';
import { Decision, evaluate, EvaluationCase } from './evaluate';

/**
 * Conformance with AWS's documented policies (the seeds), read from the shared fixture corpus
 * (../shared/fixtures/06-iam-policies) when it is present; a user's clone does not have it, and then
 * this suite is skipped. For the same request, our document must allow what the seed exists to allow,
 * and where our document is hardened (confused-deputy conditions, TLS, one stream instead of all),
 * the seed allows a near miss that ours denies.
 */

const corpus = resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', '06-iam-policies');
const present = existsSync(corpus);

/** Loads a seed, filling AWS's placeholders with this test's values; adds Version where the doc omits it. */
function seed(file: string, replacements: Record<string, string> = {}): PolicyDocument {
  let text = readFileSync(join(corpus, file), 'utf8');
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
  const doc = JSON.parse(text) as { Version?: string; Statement: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).map((s: Record<string, unknown>) => {
    const { Sid, ...rest } = s;
    return Sid ? s : rest; // the docs' empty Sid is not valid IAM
  });
  return { Version: '2012-10-17', Statement: statements } as unknown as PolicyDocument;
}

const A = '111111111111';
const B = '222222222222';
const OUT = '444444444444';
const tls = { 'aws:SecureTransport': 'true' };
const exportCtx = (account: string, region: string) => ({
  ...tls,
  's3:x-amz-acl': 'bucket-owner-full-control',
  'aws:SourceAccount': account,
  'aws:SourceArn': `arn:aws:logs:${region}:${account}:log-group:app`,
});
const allowAll = (action: string) => [
  { name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] } as PolicyDocument },
];

interface Comparison {
  readonly name: string;
  readonly seed: () => PolicyDocument;
  readonly ours: () => PolicyDocument;
  /** Where the document sits: the resource policy, or the caller's identity policy. */
  readonly as: 'resource' | 'identity';
  readonly request: Omit<EvaluationCase, 'document' | 'name' | 'expect' | 'resourcePolicy'>;
  readonly seedDecision: 'Allowed' | 'Denied';
  readonly oursDecision: 'Allowed' | 'Denied';
}

const sameAccountExport = {
  seed: () => seed('awsdoc-2023-export-bucket-policy-same-account-console-random-prefix.json'),
  ours: () =>
    exportBucketPolicy({
      partition: 'aws',
      region: 'us-west-2',
      bucketName: 'my-exported-logs',
      prefix: 'random-string',
      access: { mode: 'same-account', accountId: A },
    }),
  as: 'resource' as const,
};
const crossRoleExport = {
  seed: () => seed('awsdoc-2023-export-bucket-policy-cross-account-iam-role.json', { SendingAccountID: B }),
  ours: () =>
    exportBucketPolicy({
      partition: 'aws',
      region: 'us-east-2',
      bucketName: 'my-exported-logs',
      prefix: 'random-string',
      access: { mode: 'cross-account-role', sendingAccountId: B, roleName: 'CWLExportUser' },
    }),
  as: 'resource' as const,
};
const exportObject = { resource: 'arn:aws:s3:::my-exported-logs/random-string/task-1/app/000000.gz', resourceAccount: A, action: 's3:PutObject' };

const kinesisTrust = {
  seed: () => seed('awsdoc-cwl-to-kinesis-trust-policy.json', { ':region:': ':us-east-1:', 'logs.region.': 'logs.us-east-1.' }),
  ours: () => cloudWatchLogsTrustPolicy({ partition: 'aws', region: 'us-east-1', sourceAccountIds: ['123456789012'] }),
  as: 'resource' as const,
};
const assumeByLogs = {
  principal: 'logs.us-east-1.amazonaws.com',
  action: 'sts:AssumeRole',
  resource: 'arn:aws:iam::123456789012:role/CWLtoKinesisRole',
  resourceAccount: '123456789012',
};

const comparisons: Comparison[] = [
  {
    name: 'same-account export: CloudWatch Logs writes an export object',
    ...sameAccountExport,
    request: { ...exportObject, principal: 'logs.us-west-2.amazonaws.com', context: exportCtx(A, 'us-west-2') },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'same-account export: CloudWatch Logs writes for another account (confused deputy)',
    ...sameAccountExport,
    request: { ...exportObject, principal: 'logs.us-west-2.amazonaws.com', context: exportCtx(OUT, 'us-west-2') },
    seedDecision: 'Allowed',
    oursDecision: 'Denied',
  },
  {
    name: 'same-account export: a write over plain HTTP',
    ...sameAccountExport,
    request: { ...exportObject, principal: 'logs.us-west-2.amazonaws.com', context: { ...exportCtx(A, 'us-west-2'), 'aws:SecureTransport': 'false' } },
    seedDecision: 'Allowed',
    oursDecision: 'Denied',
  },
  {
    name: 'same-account export: a write without the bucket-owner-full-control ACL',
    ...sameAccountExport,
    request: { ...exportObject, principal: 'logs.us-west-2.amazonaws.com', context: { ...exportCtx(A, 'us-west-2'), 's3:x-amz-acl': 'private' } },
    seedDecision: 'Denied',
    oursDecision: 'Denied',
  },
  {
    name: 'same-account export: the ACL check on the bucket',
    ...sameAccountExport,
    request: {
      ...exportObject,
      action: 's3:GetBucketAcl',
      resource: 'arn:aws:s3:::my-exported-logs',
      principal: 'logs.us-west-2.amazonaws.com',
      context: { ...tls, 'aws:SourceAccount': A, 'aws:SourceArn': `arn:aws:logs:us-west-2:${A}:log-group:app` },
    },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'cross-account role export: the sending role writes with the ACL',
    ...crossRoleExport,
    request: {
      ...exportObject,
      principal: `arn:aws:iam::${B}:role/CWLExportUser`,
      context: { ...tls, 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:PrincipalArn': `arn:aws:iam::${B}:role/CWLExportUser` },
      identityPolicies: allowAll('s3:PutObject'),
    },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'cross-account role export: another role of the sending account writes with the ACL',
    ...crossRoleExport,
    request: {
      ...exportObject,
      principal: `arn:aws:iam::${B}:role/Intern`,
      context: { ...tls, 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:PrincipalArn': `arn:aws:iam::${B}:role/Intern` },
      identityPolicies: allowAll('s3:PutObject'),
    },
    seedDecision: 'Denied',
    oursDecision: 'Denied',
  },
  {
    name: 'cross-account role export: CloudWatch Logs writes for the sending account',
    ...crossRoleExport,
    request: { ...exportObject, principal: 'logs.us-east-2.amazonaws.com', context: exportCtx(B, 'us-east-2') },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'cross-account role export: the sending role writes outside the prefix',
    ...crossRoleExport,
    request: {
      ...exportObject,
      resource: 'arn:aws:s3:::my-exported-logs/other/x.gz',
      principal: `arn:aws:iam::${B}:role/CWLExportUser`,
      context: { ...tls, 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:PrincipalArn': `arn:aws:iam::${B}:role/CWLExportUser` },
      identityPolicies: allowAll('s3:PutObject'),
    },
    seedDecision: 'Denied',
    oursDecision: 'Denied',
  },
  {
    name: 'CloudWatch Logs to Kinesis trust: CloudWatch Logs of the account assumes the role',
    ...kinesisTrust,
    request: { ...assumeByLogs, context: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:123456789012:log-group:app' } },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'CloudWatch Logs to Kinesis trust: CloudWatch Logs acting for another account',
    ...kinesisTrust,
    request: { ...assumeByLogs, context: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${OUT}:log-group:app` } },
    seedDecision: 'Denied',
    oursDecision: 'Denied',
  },
  {
    name: 'CloudWatch Logs to Kinesis permissions: PutRecord on the stream',
    seed: () => seed('awsdoc-cwl-to-kinesis-permissions-policy.json', { ':region:': ':us-east-1:' }),
    ours: () =>
      logsToKinesisPolicy({ partition: 'aws', region: 'us-east-1', accountId: '123456789012', streamName: 'RootAccess', roleName: 'CWLtoKinesisRole' }),
    as: 'identity',
    request: {
      principal: 'arn:aws:iam::123456789012:role/CWLtoKinesisRole',
      action: 'kinesis:PutRecord',
      resource: 'arn:aws:kinesis:us-east-1:123456789012:stream/RootAccess',
      resourceAccount: '123456789012',
      context: tls,
    },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'CloudWatch Logs to Firehose permissions: PutRecordBatch on the delivery stream',
    seed: () => seed('awsdoc-cwl-to-firehose-permissions-policy.json', { ':region:': ':us-east-1:' }),
    ours: () => logsToFirehosePolicy({ partition: 'aws', region: 'us-east-1', accountId: '123456789012', deliveryStreamName: 'my-delivery-stream' }),
    as: 'identity',
    request: {
      principal: 'arn:aws:iam::123456789012:role/CWLtoFirehoseRole',
      action: 'firehose:PutRecordBatch',
      resource: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/my-delivery-stream',
      resourceAccount: '123456789012',
      context: tls,
    },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'CloudWatch Logs to Firehose permissions: deleting the delivery stream (firehose:* in the seed)',
    seed: () => seed('awsdoc-cwl-to-firehose-permissions-policy.json', { ':region:': ':us-east-1:' }),
    ours: () => logsToFirehosePolicy({ partition: 'aws', region: 'us-east-1', accountId: '123456789012', deliveryStreamName: 'my-delivery-stream' }),
    as: 'identity',
    request: {
      principal: 'arn:aws:iam::123456789012:role/CWLtoFirehoseRole',
      action: 'firehose:DeleteDeliveryStream',
      resource: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/my-delivery-stream',
      resourceAccount: '123456789012',
      context: tls,
    },
    seedDecision: 'Allowed',
    oursDecision: 'Denied',
  },
  {
    name: 'destination policy (accounts): the sender account subscribes',
    seed: () => seed('awsdoc-cross-account-destination-access-policy-account.json', { ':region:': ':us-east-1:' }),
    ours: () =>
      logDestinationPolicy({ partition: 'aws', region: 'us-east-1', accountId: '999999999999', destinationName: 'testDestination', senderAccountIds: [A] }),
    as: 'resource',
    request: {
      principal: `arn:aws:iam::${A}:role/log-admin`,
      action: 'logs:PutSubscriptionFilter',
      resource: 'arn:aws:logs:us-east-1:999999999999:destination:testDestination',
      resourceAccount: '999999999999',
      context: tls,
      identityPolicies: allowAll('logs:PutSubscriptionFilter'),
    },
    seedDecision: 'Allowed',
    oursDecision: 'Allowed',
  },
  {
    name: 'destination policy (organization): a member of another organization subscribes',
    seed: () => seed('awsdoc-cross-account-destination-access-policy-org.json', { ':region:': ':us-east-1:' }),
    ours: () =>
      logDestinationPolicy({
        partition: 'aws',
        region: 'us-east-1',
        accountId: '999999999999',
        destinationName: 'testDestination',
        senderAccountIds: [A],
        organizationId: 'o-1234567890',
      }),
    as: 'resource',
    request: {
      principal: `arn:aws:iam::${OUT}:role/log-admin`,
      action: 'logs:PutSubscriptionFilter',
      resource: 'arn:aws:logs:us-east-1:999999999999:destination:testDestination',
      resourceAccount: '999999999999',
      context: { ...tls, 'aws:PrincipalOrgID': 'o-0000000000' },
      identityPolicies: allowAll('logs:PutSubscriptionFilter'),
    },
    seedDecision: 'Denied',
    oursDecision: 'Denied',
  },
];

async function decide(c: Comparison, doc: PolicyDocument): Promise<'Allowed' | 'Denied'> {
  const placed =
    c.as === 'resource' ? { resourcePolicy: doc } : { identityPolicies: [...(c.request.identityPolicies ?? []), { name: 'under-test', policy: doc }] };
  const { decision } = await evaluate({ ...c.request, ...placed, document: '1 export bucket, same account', name: c.name, expect: 'Allowed' });
  return simplify(decision);
}
const simplify = (d: Decision): 'Allowed' | 'Denied' => (d === 'Allowed' ? 'Allowed' : 'Denied');

(present ? describe : describe.skip)('conformance with AWS documented policies (shared fixture corpus)', () => {
  test.each(comparisons.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const seedDecision = await decide(c, c.seed());
    const oursDecision = await decide(c, c.ours());
    expect({ seed: seedDecision, ours: oursDecision }).toEqual({ seed: c.seedDecision, ours: c.oursDecision });
  });
});

import { readdirSync } from 'fs';
import { join, resolve } from 'path';
import { PolicyDocument } from '../../policies';
import { evaluate, EvaluationCase, outcome } from '../policies/evaluate';
import { FoundDocument, findDocuments, synthesizeExample } from './policy-requests';

/**
 * The two halves of a cross-account grant live in different stacks (an identity policy in the
 * sending account, a bucket or key policy in the receiving one). Each half is proven on its own
 * elsewhere; here both halves, as synthesized from one example, decide the same request together.
 */

const examples = resolve(__dirname, '..', '..', 'examples');
const ORG = 'o-a1b2c3d4e5';

function documents(example: string): FoundDocument[] {
  const synthesized = synthesizeExample(join(examples, `${example}.json`));
  return synthesized.stacks.flatMap((s) => findDocuments(synthesized.example, s));
}

function pick(docs: FoundDocument[], stack: string, match: (d: FoundDocument) => boolean, what: string): FoundDocument {
  const found = docs.filter((d) => d.stack.name === stack && match(d));
  if (found.length !== 1 || !found[0].document) throw new Error(`expected one ${what} in stack ${stack}, found ${found.length}`);
  return found[0];
}
const policy = (d: FoundDocument): PolicyDocument => d.document!;

type Case = Omit<EvaluationCase, 'document' | 'expect'> & { readonly expect: 'Allowed' | 'Denied' };

function check(cases: Case[]) {
  test.each(cases.map((c) => [`${c.name} → ${c.expect}`, c] as const))('%s', async (_title, c) => {
    const { decision } = await evaluate({ ...c, document: '10 central bucket' });
    expect(outcome(c.expect, decision)).toBe(c.expect);
  });
}

describe('firehose-central: source account Firehose role against the central bucket and key', () => {
  const docs = documents('firehose-central');
  const delivery = pick(
    docs,
    'source',
    (d) => d.type === 'aws_iam_role_policy' && d.holder?.name === 'cwl-siem-firehose-cwl-siem-central',
    'delivery role policy',
  );
  const bucketPolicy = pick(docs, 'central', (d) => d.type === 'aws_s3_bucket_policy', 'central bucket policy');
  const keyPolicy = pick(docs, 'central', (d) => d.type === 'aws_kms_key', 'central key policy');
  const siemTrust = pick(docs, 'central', (d) => d.type === 'aws_iam_role' && String(d.subjectArn).endsWith(':role/cwl-siem-siem-reader'), 'SIEM role trust');
  const role = delivery.holder!;
  const bucket = 'acme-cwl-siem-central-111122223333';
  const keyArn = keyPolicy.subjectArn!;
  const write: Omit<Case, 'expect'> = {
    name: 'the delivery role writes under its own prefix',
    principal: role.principal,
    action: 's3:PutObject',
    resource: `arn:aws:s3:::${bucket}/cwl/444455556666/2026/11/22/10/cwl-siem-central-1-2026-11-22-10-00-00-abc`,
    resourceAccount: '111122223333',
    context: { 'aws:SecureTransport': 'true', 'aws:PrincipalOrgID': ORG, 'aws:PrincipalArn': role.arn, 'aws:PrincipalAccount': '444455556666' },
    identityPolicies: [{ name: 'delivery', policy: policy(delivery) }],
    resourcePolicy: policy(bucketPolicy),
  };
  const dataKey: Omit<Case, 'expect'> = {
    name: 'the delivery role gets a data key from the central key through S3, found by its alias',
    principal: role.principal,
    action: 'kms:GenerateDataKey',
    resource: keyArn,
    resourceAccount: '111122223333',
    context: {
      'aws:SecureTransport': 'true',
      'aws:PrincipalOrgID': ORG,
      'aws:PrincipalArn': role.arn,
      'kms:ViaService': 's3.us-east-1.amazonaws.com',
      'kms:ResourceAliases': ['alias/cwl-siem-central'],
      'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}`,
    },
    engineUnrecognizedContextKeys: ['kms:EncryptionContext:aws:s3:arn'],
    identityPolicies: [{ name: 'delivery', policy: policy(delivery) }],
    resourcePolicy: policy(keyPolicy),
  };
  check([
    { ...write, expect: 'Allowed' },
    {
      ...write,
      name: 'the delivery role writes its error output',
      resource: `arn:aws:s3:::${bucket}/cwl-errors/444455556666/processing-failed/x`,
      expect: 'Allowed',
    },
    {
      ...write,
      name: "the delivery role writes under another account's prefix (its own policy forbids)",
      resource: `arn:aws:s3:::${bucket}/cwl/555566667777/x`,
      expect: 'Denied',
    },
    { ...write, name: 'the same role outside the organization writes', context: { ...write.context, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }, expect: 'Denied' },
    { ...write, name: 'the delivery role writes over plain HTTP', context: { ...write.context, 'aws:SecureTransport': 'false' }, expect: 'Denied' },
    { ...dataKey, expect: 'Allowed' },
    {
      ...dataKey,
      name: 'the delivery role gets a data key from a key with another alias',
      context: { ...dataKey.context, 'kms:ResourceAliases': ['alias/other'] },
      expect: 'Denied',
    },
    {
      ...dataKey,
      name: 'the delivery role gets a data key directly, not through S3',
      context: { ...dataKey.context, 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' },
      expect: 'Denied',
    },
    {
      ...dataKey,
      name: "the delivery role gets a data key for an object in another account's folder",
      context: { ...dataKey.context, 'aws:PrincipalAccount': '444455556666', 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}/cwl/555566667777/x` },
      expect: 'Denied',
    },
    {
      ...write,
      name: "a member account's own role allowed s3:PutObject on * writes in another account's folder (the bucket policy forbids)",
      principal: 'arn:aws:sts::555566667777:assumed-role/cwl-siem-firehose-x/s',
      resource: `arn:aws:s3:::${bucket}/cwl/444455556666/planted`,
      context: { ...write.context, 'aws:PrincipalArn': 'arn:aws:iam::555566667777:role/cwl-siem-firehose-x', 'aws:PrincipalAccount': '555566667777' },
      identityPolicies: [{ name: 'own', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] } }],
      expect: 'Denied',
    },
    {
      ...write,
      name: "the same role writes in its own account's folder",
      principal: 'arn:aws:sts::555566667777:assumed-role/cwl-siem-firehose-x/s',
      resource: `arn:aws:s3:::${bucket}/cwl/555566667777/x`,
      context: { ...write.context, 'aws:PrincipalArn': 'arn:aws:iam::555566667777:role/cwl-siem-firehose-x', 'aws:PrincipalAccount': '555566667777' },
      identityPolicies: [{ name: 'own', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] } }],
      expect: 'Allowed',
    },
    {
      name: 'the SIEM account assumes the SIEM role with the external id',
      principal: 'arn:aws:iam::777788889999:role/siem-connector',
      action: 'sts:AssumeRole',
      resource: siemTrust.subjectArn!,
      resourceAccount: '111122223333',
      context: { 'aws:SecureTransport': 'true', 'sts:ExternalId': 'acme-siem-7f3c9a2e' },
      identityPolicies: [{ name: 'assume', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } }],
      resourcePolicy: policy(siemTrust),
      expect: 'Allowed',
    },
  ]);
});

describe.each(['user', 'role'] as const)('export-cross-account-%s: the sending identity against the bucket in the other account', (kind) => {
  const docs = documents(`export-cross-account-${kind}`);
  const bucketPolicy = pick(
    docs,
    docs.find((d) => d.type === 'aws_s3_bucket_policy')!.stack.name,
    (d) => d.type === 'aws_s3_bucket_policy',
    'export bucket policy',
  );
  // The sender's export-collector policy; a sender with a state table holds its collector-state policy beside it.
  const isSenderPolicy = (d: FoundDocument) =>
    d.type === (kind === 'user' ? 'aws_iam_user_policy' : 'aws_iam_role_policy') && d.address.includes('export-collector');
  const identity = pick(docs, docs.find(isSenderPolicy)!.stack.name, isSenderPolicy, 'sender policy');
  const holder = identity.holder!;
  const bucketArn = JSON.stringify(policy(bucketPolicy)).match(/arn:aws:s3:::[a-z0-9.-]+/)![0];
  const prefix = JSON.stringify(policy(identity)).match(/"s3:prefix":"([^"*]+)\*"/)![1];
  const caller = { 'aws:PrincipalArn': holder.arn, 'aws:PrincipalAccount': identity.stack.accountId };
  const tls = { 'aws:SecureTransport': 'true', ...caller };
  const base: Case = {
    name: 'the sender writes an export object with bucket-owner-full-control',
    principal: holder.principal,
    action: 's3:PutObject',
    resource: `${bucketArn}/${prefix}task-1/app/000000.gz`,
    resourceAccount: bucketPolicy.stack.accountId,
    context: { ...tls, 's3:x-amz-acl': 'bucket-owner-full-control' },
    identityPolicies: [{ name: 'sender', policy: policy(identity) }],
    resourcePolicy: policy(bucketPolicy),
    expect: 'Allowed',
  };
  const other = kind === 'user' ? `arn:aws:iam::${identity.stack.accountId}:user/intern` : `arn:aws:iam::${identity.stack.accountId}:role/intern`;
  const stranger = {
    principal: kind === 'user' ? other : `arn:aws:sts::${identity.stack.accountId}:assumed-role/intern/s`,
    context: { ...base.context, 'aws:PrincipalArn': other },
  };
  check([
    base,
    { ...base, name: 'the sender writes without the ACL', context: tls, expect: 'Denied' },
    { ...base, name: 'the sender reads back an export object', action: 's3:GetObject', context: tls, expect: 'Allowed' },
    { ...base, name: 'the sender deletes a delivered export object', action: 's3:DeleteObject', context: tls, expect: 'Allowed' },
    {
      ...base,
      name: 'the sender lists the export prefix',
      action: 's3:ListBucket',
      resource: bucketArn,
      context: { ...tls, 's3:prefix': `${prefix}task-1/` },
      expect: 'Allowed',
    },
    { ...base, name: 'the sender reads outside the prefix', action: 's3:GetObject', resource: `${bucketArn}/other/x`, context: tls, expect: 'Denied' },
    { ...base, ...stranger, name: 'another identity of the sending account with the same policy writes (the bucket pins the sender)', expect: 'Denied' },
  ]);

  test('the bucket policy names no principal the sending stack creates, so it applies before that stack exists', () => {
    const principals = policy(bucketPolicy).Statement.flatMap((st) =>
      st.Principal && typeof st.Principal === 'object' ? [st.Principal.AWS ?? []].flat() : [],
    );
    expect(principals.length).toBeGreaterThan(0);
    expect(principals.filter((p) => !/^arn:aws:iam::\d{12}:root$/.test(String(p)))).toEqual([]);
  });
});

describe("export-cross-account-role: the key policy statements the bucket stack outputs, with the sender stack's identity", () => {
  const docs = documents('export-cross-account-role');
  const statements = pick(docs, 'export-bucket', (d) => d.address === 'output.export_kms_key_policy', 'export_kms_key_policy output');
  const identity = pick(docs, 'export-sender', (d) => d.type === 'aws_iam_role_policy' && d.address.includes('export-collector'), 'sender policy');
  const keyArn = statements.subjectArn!;
  // The key owner's policy: AWS's default (IAM decides in the key account) plus what the output asks for.
  const keyPolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Default', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      ...policy(statements).Statement,
    ],
  };
  const decrypt: Case = {
    name: 'the sender decrypts an exported object through S3 (the GetObject of its collector)',
    principal: identity.holder!.principal,
    action: 'kms:Decrypt',
    resource: keyArn,
    resourceAccount: '111122223333',
    context: {
      'aws:SecureTransport': 'true',
      'aws:PrincipalArn': identity.holder!.arn,
      'aws:PrincipalAccount': '444455556666',
      'kms:ViaService': 's3.us-east-1.amazonaws.com',
      'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-cwl-exports-111122223333',
    },
    engineUnrecognizedContextKeys: ['kms:EncryptionContext:aws:s3:arn'],
    identityPolicies: [{ name: 'sender', policy: policy(identity) }],
    resourcePolicy: keyPolicy,
    expect: 'Allowed',
  };
  const logs: Case = {
    name: "CloudWatch Logs gets a data key for the sender's export task",
    principal: 'logs.us-east-1.amazonaws.com',
    action: 'kms:GenerateDataKey',
    resource: keyArn,
    resourceAccount: '111122223333',
    context: { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': 'arn:aws:logs:us-east-1:444455556666:log-group:/app' },
    identityPolicies: [],
    resourcePolicy: keyPolicy,
    expect: 'Allowed',
  };
  check([
    decrypt,
    {
      ...decrypt,
      name: 'the sender decrypts through S3 with the key policy as AWS creates it (without the output)',
      resourcePolicy: { ...keyPolicy, Statement: keyPolicy.Statement.slice(0, 1) },
      expect: 'Denied',
    },
    {
      ...decrypt,
      name: 'the sender decrypts directly, not through S3',
      context: { ...decrypt.context, 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' },
      expect: 'Denied',
    },
    logs,
    {
      ...logs,
      name: 'CloudWatch Logs gets a data key for an export task of another account',
      context: { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': 'arn:aws:logs:us-east-1:999999999999:log-group:/app' },
      expect: 'Denied',
    },
    {
      ...logs,
      name: 'CloudWatch Logs gets a data key with the key policy as AWS creates it',
      resourcePolicy: { ...keyPolicy, Statement: keyPolicy.Statement.slice(0, 1) },
      expect: 'Denied',
    },
  ]);
});

describe.each(
  readdirSync(examples)
    .filter((f) => f.endsWith('.json'))
    .sort(),
)('%s: no policy names a principal that another stack creates', (file) => {
  // S3, SQS, KMS and IAM refuse a policy whose principal does not exist yet ("Invalid principal in
  // policy"); a principal created by another stack would make the stacks' first apply depend on order.
  const synthesized = synthesizeExample(join(examples, file));
  const created = synthesized.stacks.flatMap((s) =>
    (['aws_iam_role', 'aws_iam_user'] as const).flatMap((type) =>
      Object.values(s.tf.resource?.[type] ?? {}).map((r) => ({
        stack: s.stack.name,
        arn: `arn:${s.stack.partition}:iam::${s.stack.accountId}:${type === 'aws_iam_role' ? 'role' : 'user'}/${String(r.name)}`,
      })),
    ),
  );
  const docs = synthesized.stacks.flatMap((s) => findDocuments(synthesized.example, s)).filter((d) => d.kind !== 'identity');

  test('every principal is an account, a service, or a role or user of its own stack', () => {
    expect(docs.length).toBeGreaterThan(0);
    const foreign = docs.flatMap((d) =>
      d.statements.flatMap((st) => {
        const p = st.Principal;
        const aws = p && typeof p === 'object' ? [p.AWS ?? []].flat().map(String) : [];
        return aws.filter((a) => created.some((c) => c.arn === a && c.stack !== d.stack.name)).map((a) => `${d.stack.name} ${d.address} ${st.Sid}: ${a}`);
      }),
    );
    expect(foreign).toEqual([]);
  });
});

describe('kinesis-destination: the destination policy and the delivery role trust admit the same senders', () => {
  const docs = documents('kinesis-destination');
  const destination = pick(docs, 'receiver', (d) => d.type === 'aws_cloudwatch_log_destination_policy', 'destination policy');
  const trust = pick(
    docs,
    'receiver',
    (d) => d.type === 'aws_iam_role' && String(d.subjectArn).includes(':role/cwl-siem-cwl-to-kinesis-'),
    'delivery role trust',
  );
  const admitted = JSON.stringify(policy(destination))
    .match(/arn:aws:iam::\d{12}:root/g)!
    .map((root) => root.split(':')[4]);
  const unlistedMember = '210987654321';
  const subscribe = (account: string, org: string): Omit<Case, 'expect'> => ({
    name: `a role of ${account} (organization ${org}) creates a subscription filter to the destination`,
    principal: `arn:aws:sts::${account}:assumed-role/log-admin/s`,
    action: 'logs:PutSubscriptionFilter',
    resource: destination.subjectArn!,
    resourceAccount: '111122223333',
    context: { 'aws:SecureTransport': 'true', 'aws:PrincipalOrgID': org, 'aws:PrincipalAccount': account },
    identityPolicies: [
      { name: 'logs', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:PutSubscriptionFilter', Resource: '*' }] } },
    ],
    resourcePolicy: policy(destination),
  });
  const deliver = (account: string): Omit<Case, 'expect'> => ({
    name: `CloudWatch Logs assumes the delivery role for a log group of ${account}`,
    principal: 'logs.us-east-1.amazonaws.com',
    action: 'sts:AssumeRole',
    resource: trust.subjectArn!,
    resourceAccount: '111122223333',
    context: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${account}:log-group:/aws/lambda/orders:*`, 'aws:SourceAccount': account },
    resourcePolicy: policy(trust),
  });

  test('the example lists the sender stack account', () => {
    expect(admitted).toEqual(['444455556666']);
  });
  check([
    ...admitted.flatMap((a): Case[] => [
      { ...subscribe(a, ORG), expect: 'Allowed' },
      { ...deliver(a), expect: 'Allowed' },
      { ...subscribe(a, 'o-zzzzzzzzzz'), expect: 'Denied' },
    ]),
    { ...subscribe(unlistedMember, ORG), expect: 'Denied' },
    { ...deliver(unlistedMember), expect: 'Denied' },
  ]);
});

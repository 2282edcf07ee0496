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
  const delivery = pick(docs, 'source', (d) => d.type === 'aws_iam_role_policy' && d.holder?.name === 'cwl-siem-firehose-cwl-siem-central', 'delivery role policy');
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
    { ...write, name: 'the delivery role writes its error output', resource: `arn:aws:s3:::${bucket}/cwl-errors/444455556666/processing-failed/x`, expect: 'Allowed' },
    { ...write, name: "the delivery role writes under another account's prefix (its own policy forbids)", resource: `arn:aws:s3:::${bucket}/cwl/555566667777/x`, expect: 'Denied' },
    { ...write, name: 'the same role outside the organization writes', context: { ...write.context, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }, expect: 'Denied' },
    { ...write, name: 'the delivery role writes over plain HTTP', context: { ...write.context, 'aws:SecureTransport': 'false' }, expect: 'Denied' },
    { ...dataKey, expect: 'Allowed' },
    { ...dataKey, name: 'the delivery role gets a data key from a key with another alias', context: { ...dataKey.context, 'kms:ResourceAliases': ['alias/other'] }, expect: 'Denied' },
    { ...dataKey, name: 'the delivery role gets a data key directly, not through S3', context: { ...dataKey.context, 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' }, expect: 'Denied' },
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
  const bucketPolicy = pick(docs, docs.find((d) => d.type === 'aws_s3_bucket_policy')!.stack.name, (d) => d.type === 'aws_s3_bucket_policy', 'export bucket policy');
  const identity = pick(docs, docs.find((d) => d.type === (kind === 'user' ? 'aws_iam_user_policy' : 'aws_iam_role_policy'))!.stack.name, (d) => d.type === (kind === 'user' ? 'aws_iam_user_policy' : 'aws_iam_role_policy'), 'sender policy');
  const holder = identity.holder!;
  const bucketArn = JSON.stringify(policy(bucketPolicy)).match(/arn:aws:s3:::[a-z0-9.-]+/)![0];
  const prefix = JSON.stringify(policy(identity)).match(/"s3:prefix":"([^"*]+)\*"/)![1];
  const base: Case = {
    name: 'the sender writes an export object with bucket-owner-full-control',
    principal: holder.principal,
    action: 's3:PutObject',
    resource: `${bucketArn}/${prefix}task-1/app/000000.gz`,
    resourceAccount: bucketPolicy.stack.accountId,
    context: { 'aws:SecureTransport': 'true', 's3:x-amz-acl': 'bucket-owner-full-control' },
    identityPolicies: [{ name: 'sender', policy: policy(identity) }],
    resourcePolicy: policy(bucketPolicy),
    expect: 'Allowed',
  };
  check([
    base,
    { ...base, name: 'the sender writes without the ACL', context: { 'aws:SecureTransport': 'true' }, expect: 'Denied' },
    { ...base, name: 'the sender reads back an export object', action: 's3:GetObject', context: { 'aws:SecureTransport': 'true' }, expect: 'Allowed' },
    { ...base, name: 'the sender deletes a delivered export object', action: 's3:DeleteObject', context: { 'aws:SecureTransport': 'true' }, expect: 'Allowed' },
    { ...base, name: 'the sender lists the export prefix', action: 's3:ListBucket', resource: bucketArn, context: { 'aws:SecureTransport': 'true', 's3:prefix': `${prefix}task-1/` }, expect: 'Allowed' },
    { ...base, name: 'the sender reads outside the prefix', action: 's3:GetObject', resource: `${bucketArn}/other/x`, context: { 'aws:SecureTransport': 'true' }, expect: 'Denied' },
  ]);
});

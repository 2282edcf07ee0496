import {
  centralBucketPolicy,
  centralKeyPolicy,
  cloudWatchLogsTrustPolicy,
  collectorExecutionPolicy,
  collectorStatePolicy,
  ecsTasksTrustPolicy,
  exportBucketPolicy,
  ExportBucketPolicyProps,
  exportCollectorPolicy,
  exportKeyPolicy,
  firehoseDeliveryRolePolicy,
  firehoseDeliveryTrustPolicy,
  kinesisReaderPolicy,
  logDestinationPolicy,
  logsToFirehosePolicy,
  logsToKinesisPolicy,
  notificationQueuePolicy,
  PolicyDocument,
  siemReaderPolicy,
  siemReaderTrustPolicy,
} from '../../policies';
import { DocumentName, EvaluationCase, Expectation, NamedPolicy } from './evaluate';

/**
 * Requests against the seventeen documents, built from the real policy functions: for each document
 * the requests it exists to allow, and the near misses it must deny.
 *
 * The setting: account 111111111111 owns the log groups, the export bucket, the central bucket, the
 * notification queue, the central key and the log destination; 222222222222 is a member account that
 * sends logs; 333333333333 is the SIEM's account; 444444444444 is an outsider. The organization is
 * o-a1b2c3d4e5; o-zzzzzzzzzz is somebody else's.
 */

const LOGS_ACCOUNT = '111111111111';
const SENDING_ACCOUNT = '222222222222';
const SIEM_ACCOUNT = '333333333333';
const OUTSIDER = '444444444444';
/** A member account of the organization that the log destination and the Kinesis role's trust do not list. */
const UNLISTED_MEMBER = '555555555555';
const ORG = 'o-a1b2c3d4e5';
const OTHER_ORG = 'o-zzzzzzzzzz';
const REGION = 'us-east-1';
const LOGS_PRINCIPAL = 'logs.us-east-1.amazonaws.com';

const EXPORT_BUCKET = 'acme-cwl-exports';
const EXPORT_PREFIX = 'exports/cwl';
const CENTRAL_BUCKET = 'acme-central-logs';
const CENTRAL_PREFIX = 'cwl';
const QUEUE = 'cwl-siem-notifications';
const STREAM = 'cwl-siem-stream';
const DELIVERY_STREAM = 'cwl-to-central';
const DESTINATION = 'cwl-siem-destination';
const EXTERNAL_ID = 'siem-7f3a9c2e-tenant-42';
const CENTRAL_KEY = `arn:aws:kms:${REGION}:${LOGS_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const STREAM_KEY = `arn:aws:kms:${REGION}:${LOGS_ACCOUNT}:key/5678efab-56ef-78ab-90cd-567890abcdef`;
const OTHER_KEY = `arn:aws:kms:${REGION}:${LOGS_ACCOUNT}:key/9999aaaa-99aa-99aa-99aa-999999999999`;
const EXPORT_KEY = `arn:aws:kms:${REGION}:${LOGS_ACCOUNT}:key/0e0e0e0e-1a1a-2b2b-3c3c-4d4d4d4d4d4d`;

// ---- ARN and context helpers -------------------------------------------------------------------

type Context = Readonly<Record<string, string | readonly string[]>>;
type Request = Omit<EvaluationCase, 'document' | 'name' | 'expect'>;

const object = (bucket: string, key: string, partition = 'aws'): string => `arn:${partition}:s3:::${bucket}/${key}`;
const bucketArn = (bucket: string, partition = 'aws'): string => `arn:${partition}:s3:::${bucket}`;
const roleArn = (account: string, name: string): string => `arn:aws:iam::${account}:role/${name}`;
const userArn = (account: string, name: string): string => `arn:aws:iam::${account}:user/${name}`;
/** What a role's credentials present as the calling principal. */
const session = (account: string, role: string): string => `arn:aws:sts::${account}:assumed-role/${role}/cwl-siem-session`;
const logGroup = (account: string, name: string, region = REGION, partition = 'aws'): string => `arn:${partition}:logs:${region}:${account}:log-group:${name}`;
const queueArn = (name: string, account = LOGS_ACCOUNT): string => `arn:aws:sqs:${REGION}:${account}:${name}`;
const streamArn = (name: string, region = REGION): string => `arn:aws:kinesis:${region}:${LOGS_ACCOUNT}:stream/${name}`;
const deliveryStreamArn = (name: string, region = REGION): string => `arn:aws:firehose:${region}:${SENDING_ACCOUNT}:deliverystream/${name}`;
const destinationArn = (name: string): string => `arn:aws:logs:${REGION}:${LOGS_ACCOUNT}:destination:${name}`;

/** A request over TLS, with the given context keys. */
const tls = (context: Context = {}): Context => ({ 'aws:SecureTransport': 'true', ...context });
/** The same context over plain HTTP. */
const http = (context: Context): Context => ({ ...context, 'aws:SecureTransport': 'false' });
const without = (context: Context, ...keys: string[]): Context => Object.fromEntries(Object.entries(context).filter(([key]) => !keys.includes(key)));

const FULL_CONTROL = { 's3:x-amz-acl': 'bucket-owner-full-control' } as const;

/** What CloudWatch Logs presents when an export task of `account` writes to S3. */
const exportService = (account: string, extra: Context = FULL_CONTROL): Context =>
  tls({ ...extra, 'aws:SourceAccount': account, 'aws:SourceArn': logGroup(account, '/app/api') });

// ---- Policies that are not the library's: what a caller's own account attaches ------------------

const allow = (name: string, actions: readonly string[], resource = '*'): NamedPolicy => ({
  name,
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] },
});
const S3_ADMIN = allow('s3-admin', ['s3:*']);
const SQS_ADMIN = allow('sqs-admin', ['sqs:*']);
const KMS_ADMIN = allow('kms-admin', ['kms:*']);
const LOGS_ADMIN = allow('logs-admin', ['logs:*']);
const ASSUME_ANY_ROLE = allow('assume-any-role', ['sts:AssumeRole']);

/** The key policy AWS creates by default: the account's IAM policies decide. */
const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

const identity = (name: string, policy: PolicyDocument): NamedPolicy => ({ name, policy });

/**
 * The request context IAM adds for a caller of an IAM user or role: `aws:PrincipalArn` (the role's ARN
 * for a session) and `aws:PrincipalAccount`. Service principals get none. Keys the case sets win.
 */
function asCaller(c: EvaluationCase): EvaluationCase {
  const m = /^arn:([\w-]+):(iam|sts)::(\d{12}):(user\/.+|assumed-role\/([^/]+)\/.+)$/.exec(c.principal);
  if (!m) return c;
  const [, partition, , account, rest, role] = m;
  const principalArn = role ? `arn:${partition}:iam::${account}:role/${role}` : `arn:${partition}:iam::${account}:${rest}`;
  return { ...c, context: { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': account, ...c.context } };
}

/** Cases of one document that share a base request; each case changes what it is about. */
function family(document: DocumentName, base: Request) {
  return (name: string, expect: Expectation, change: Partial<Request> = {}): EvaluationCase => ({ ...base, ...change, document, name, expect });
}

// ---- 1-3 export bucket ----------------------------------------------------------------------

const exportBucket = (access: ExportBucketPolicyProps['access'], options: Partial<ExportBucketPolicyProps> = {}): PolicyDocument =>
  exportBucketPolicy({ partition: 'aws', region: REGION, bucketName: EXPORT_BUCKET, prefix: EXPORT_PREFIX, access, ...options });

const sameAccountBucket = exportBucket({ mode: 'same-account', accountId: LOGS_ACCOUNT });
const EXPORTED = object(EXPORT_BUCKET, `${EXPORT_PREFIX}/3f2a9c1e-task/api-1/000000.gz`);
const doc1 = family('1 export bucket, same account', {
  principal: LOGS_PRINCIPAL,
  action: 's3:PutObject',
  resource: EXPORTED,
  resourceAccount: LOGS_ACCOUNT,
  context: exportService(LOGS_ACCOUNT),
  resourcePolicy: sameAccountBucket,
});
const cnBucket = exportBucketPolicy({
  partition: 'aws-cn',
  region: 'cn-north-1',
  bucketName: EXPORT_BUCKET,
  prefix: EXPORT_PREFIX,
  access: { mode: 'same-account', accountId: LOGS_ACCOUNT },
});
const cnExport = tls({ ...FULL_CONTROL, 'aws:SourceAccount': LOGS_ACCOUNT, 'aws:SourceArn': logGroup(LOGS_ACCOUNT, '/app/api', 'cn-north-1', 'aws-cn') });
const CN_EXPORTED = object(EXPORT_BUCKET, `${EXPORT_PREFIX}/3f2a9c1e-task/api-1/000000.gz`, 'aws-cn');

const document1: EvaluationCase[] = [
  doc1('CloudWatch Logs writes under the prefix with bucket-owner-full-control', 'Allowed'),
  doc1('CloudWatch Logs checks the bucket ACL', 'Allowed', {
    action: 's3:GetBucketAcl',
    resource: bucketArn(EXPORT_BUCKET),
    context: exportService(LOGS_ACCOUNT, {}),
  }),
  doc1('CloudWatch Logs writes its aws-logs-write-test object at the prefix', 'Allowed', {
    resource: object(EXPORT_BUCKET, `${EXPORT_PREFIX}/aws-logs-write-test`),
  }),
  doc1('CloudWatch Logs writes without an x-amz-acl header', 'Denied', { context: without(exportService(LOGS_ACCOUNT), 's3:x-amz-acl') }),
  doc1('CloudWatch Logs writes with x-amz-acl private', 'Denied', { context: exportService(LOGS_ACCOUNT, { 's3:x-amz-acl': 'private' }) }),
  doc1('CloudWatch Logs writes outside the prefix', 'Denied', { resource: object(EXPORT_BUCKET, 'other/000000.gz') }),
  doc1('CloudWatch Logs writes under a sibling prefix that only starts like it (exports/cwl-old/)', 'Denied', {
    resource: object(EXPORT_BUCKET, 'exports/cwl-old/000000.gz'),
  }),
  doc1('CloudWatch Logs writes for another account (aws:SourceAccount 444444444444)', 'Denied', { context: exportService(OUTSIDER) }),
  doc1('CloudWatch Logs writes with the right SourceAccount but another account log group as SourceArn', 'Denied', {
    context: tls({ ...FULL_CONTROL, 'aws:SourceAccount': LOGS_ACCOUNT, 'aws:SourceArn': logGroup(OUTSIDER, '/app/api') }),
  }),
  doc1('CloudWatch Logs writes for a log group of another region (SourceArn in us-west-2)', 'Denied', {
    context: tls({ ...FULL_CONTROL, 'aws:SourceAccount': LOGS_ACCOUNT, 'aws:SourceArn': logGroup(LOGS_ACCOUNT, '/app/api', 'us-west-2') }),
  }),
  doc1('CloudWatch Logs writes with no aws:SourceAccount or aws:SourceArn (default confused-deputy conditions)', 'Denied', {
    context: without(exportService(LOGS_ACCOUNT), 'aws:SourceAccount', 'aws:SourceArn'),
  }),
  doc1('confusedDeputyConditions false: CloudWatch Logs writes with no aws:SourceAccount or aws:SourceArn', 'Allowed', {
    context: without(exportService(LOGS_ACCOUNT), 'aws:SourceAccount', 'aws:SourceArn'),
    resourcePolicy: exportBucket({ mode: 'same-account', accountId: LOGS_ACCOUNT }, { confusedDeputyConditions: false }),
  }),
  doc1('confusedDeputyConditions false: CloudWatch Logs still needs bucket-owner-full-control', 'Denied', {
    context: tls({}),
    resourcePolicy: exportBucket({ mode: 'same-account', accountId: LOGS_ACCOUNT }, { confusedDeputyConditions: false }),
  }),
  doc1('CloudWatch Logs of another region (logs.us-west-2.amazonaws.com) writes', 'Denied', { principal: 'logs.us-west-2.amazonaws.com' }),
  doc1('CloudWatch Logs reads an exported object (s3:GetObject is not granted to the service)', 'Denied', {
    action: 's3:GetObject',
    context: exportService(LOGS_ACCOUNT, {}),
  }),
  doc1('An outsider role with s3:* in its own account writes under the prefix', 'Denied', {
    principal: session(OUTSIDER, 'attacker'),
    context: tls(FULL_CONTROL),
    identityPolicies: [S3_ADMIN],
  }),
  doc1('aws-cn: CloudWatch Logs (logs.cn-north-1.amazonaws.com.cn) writes under the prefix', 'Allowed', {
    principal: 'logs.cn-north-1.amazonaws.com.cn',
    resource: CN_EXPORTED,
    context: cnExport,
    resourcePolicy: cnBucket,
  }),
  doc1('aws-cn: the principal spelled logs.cn-north-1.amazonaws.com (aws suffix) writes', 'Denied', {
    principal: 'logs.cn-north-1.amazonaws.com',
    resource: CN_EXPORTED,
    context: cnExport,
    resourcePolicy: cnBucket,
  }),
  doc1('aws-cn: a SourceArn spelled arn:aws:logs:cn-north-1 (aws partition)', 'Denied', {
    principal: 'logs.cn-north-1.amazonaws.com.cn',
    resource: CN_EXPORTED,
    context: { ...cnExport, 'aws:SourceArn': logGroup(LOGS_ACCOUNT, '/app/api', 'cn-north-1', 'aws') },
    resourcePolicy: cnBucket,
  }),
];

const USER = 'cwl-exporter';
const userBucket = exportBucket({ mode: 'cross-account-user', sendingAccountId: SENDING_ACCOUNT, userName: USER });
/** The sending account's side: the collector policy for a bucket in another account. */
const senderCollector = identity(
  'export-collector',
  exportCollectorPolicy({ partition: 'aws', region: REGION, accountId: SENDING_ACCOUNT, bucketName: EXPORT_BUCKET, prefix: EXPORT_PREFIX }),
);
const doc2 = family('2 export bucket, cross-account user', {
  principal: userArn(SENDING_ACCOUNT, USER),
  action: 's3:PutObject',
  resource: EXPORTED,
  resourceAccount: LOGS_ACCOUNT,
  context: tls(FULL_CONTROL),
  identityPolicies: [senderCollector],
  resourcePolicy: userBucket,
});

const document2: EvaluationCase[] = [
  doc2('CloudWatch Logs writes for the sending account', 'Allowed', {
    principal: LOGS_PRINCIPAL,
    context: exportService(SENDING_ACCOUNT),
    identityPolicies: [],
  }),
  doc2('CloudWatch Logs checks the bucket ACL for the sending account', 'Allowed', {
    principal: LOGS_PRINCIPAL,
    action: 's3:GetBucketAcl',
    resource: bucketArn(EXPORT_BUCKET),
    context: exportService(SENDING_ACCOUNT, {}),
    identityPolicies: [],
  }),
  doc2('CloudWatch Logs writes for the bucket owner account (only the sending account is trusted)', 'Denied', {
    principal: LOGS_PRINCIPAL,
    context: exportService(LOGS_ACCOUNT),
    identityPolicies: [],
  }),
  doc2('CloudWatch Logs writes for an outsider account', 'Denied', { principal: LOGS_PRINCIPAL, context: exportService(OUTSIDER), identityPolicies: [] }),
  doc2('The sending user writes under the prefix with bucket-owner-full-control', 'Allowed'),
  doc2('The sending user writes without an x-amz-acl header', 'Denied', { context: tls() }),
  doc2('The sending user writes with x-amz-acl bucket-owner-read', 'Denied', { context: tls({ 's3:x-amz-acl': 'bucket-owner-read' }) }),
  doc2('The sending user writes outside the prefix', 'Denied', { resource: object(EXPORT_BUCKET, 'other/000000.gz') }),
  doc2('The sending user writes without an identity policy of its own (cross-account needs both sides)', 'Denied', { identityPolicies: [] }),
  doc2('The sending user lists the prefix', 'Allowed', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': `${EXPORT_PREFIX}/` }),
  }),
  doc2('The sending user lists another prefix', 'Denied', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': 'other/' }),
  }),
  doc2('The sending user reads an exported object', 'Allowed', { action: 's3:GetObject', context: tls() }),
  doc2('The sending user deletes an exported object', 'Allowed', { action: 's3:DeleteObject', context: tls() }),
  doc2('The sending user reads an object outside the prefix', 'Denied', {
    action: 's3:GetObject',
    resource: object(EXPORT_BUCKET, 'other/secret.json'),
    context: tls(),
  }),
  doc2('grantCollectorRead false: the sending user reads an exported object', 'Denied', {
    action: 's3:GetObject',
    context: tls(),
    resourcePolicy: exportBucket({ mode: 'cross-account-user', sendingAccountId: SENDING_ACCOUNT, userName: USER }, { grantCollectorRead: false }),
  }),
  doc2('grantCollectorRead false: the sending user still writes', 'Allowed', {
    resourcePolicy: exportBucket({ mode: 'cross-account-user', sendingAccountId: SENDING_ACCOUNT, userName: USER }, { grantCollectorRead: false }),
  }),
  doc2('Another user of the sending account with s3:* writes', 'Denied', { principal: userArn(SENDING_ACCOUNT, 'intern'), identityPolicies: [S3_ADMIN] }),
  doc2('A role of the sending account named like the user writes', 'Denied', { principal: session(SENDING_ACCOUNT, USER) }),
  doc2('Another user of the sending account, allowed s3:PutObject by its own account, writes with the ACL (aws:PrincipalArn pins the user)', 'Denied', {
    principal: userArn(SENDING_ACCOUNT, 'intern'),
    identityPolicies: [senderCollector],
  }),
  doc2('Another user of the sending account reads an exported object', 'Denied', {
    principal: userArn(SENDING_ACCOUNT, 'intern'),
    action: 's3:GetObject',
    context: tls(),
    identityPolicies: [S3_ADMIN],
  }),
  doc2('The sending user deletes the bucket policy (not granted)', 'Denied', {
    action: 's3:DeleteBucketPolicy',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls(),
    identityPolicies: [S3_ADMIN],
  }),
];

const ROLE = 'cwl-export-collector';
const roleBucket = exportBucket({ mode: 'cross-account-role', sendingAccountId: SENDING_ACCOUNT, roleName: ROLE });
const doc3 = family('3 export bucket, cross-account role', {
  principal: session(SENDING_ACCOUNT, ROLE),
  action: 's3:PutObject',
  resource: EXPORTED,
  resourceAccount: LOGS_ACCOUNT,
  context: tls(FULL_CONTROL),
  identityPolicies: [senderCollector],
  resourcePolicy: roleBucket,
});

const document3: EvaluationCase[] = [
  doc3('A session of the sending role writes under the prefix with bucket-owner-full-control', 'Allowed'),
  doc3('The sending role writes without an x-amz-acl header', 'Denied', { context: tls() }),
  doc3('The sending role writes with x-amz-acl public-read', 'Denied', { context: tls({ 's3:x-amz-acl': 'public-read' }) }),
  doc3('The sending role writes to another bucket', 'Denied', { resource: object('acme-other-bucket', `${EXPORT_PREFIX}/x.gz`) }),
  doc3('The sending role lists the prefix', 'Allowed', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': `${EXPORT_PREFIX}/3f2a9c1e-task/` }),
  }),
  doc3('The sending role lists the whole bucket (no s3:prefix)', 'Denied', { action: 's3:ListBucket', resource: bucketArn(EXPORT_BUCKET), context: tls() }),
  doc3('The sending role reads an exported object', 'Allowed', { action: 's3:GetObject', context: tls() }),
  doc3('The sending role reads an object outside the prefix', 'Denied', {
    action: 's3:GetObject',
    resource: object(EXPORT_BUCKET, 'exports/other/x.gz'),
    context: tls(),
  }),
  doc3('A role of an outsider account with the same name writes', 'Denied', { principal: session(OUTSIDER, ROLE) }),
  doc3('A user of the sending account named like the role writes', 'Denied', { principal: userArn(SENDING_ACCOUNT, ROLE) }),
  doc3('Another role of the sending account with the sender policy writes with the ACL (aws:PrincipalArn pins the role)', 'Denied', {
    principal: session(SENDING_ACCOUNT, 'ci-deployer'),
  }),
  doc3('Another role of the sending account lists the prefix', 'Denied', {
    principal: session(SENDING_ACCOUNT, 'ci-deployer'),
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': `${EXPORT_PREFIX}/` }),
    identityPolicies: [S3_ADMIN],
  }),
  doc3('CloudWatch Logs writes for the sending account', 'Allowed', {
    principal: LOGS_PRINCIPAL,
    context: exportService(SENDING_ACCOUNT),
    identityPolicies: [],
  }),
  doc3('CloudWatch Logs writes with the sending SourceAccount but an outsider log group as SourceArn', 'Denied', {
    principal: LOGS_PRINCIPAL,
    context: tls({ ...FULL_CONTROL, 'aws:SourceAccount': SENDING_ACCOUNT, 'aws:SourceArn': logGroup(OUTSIDER, '/app/api') }),
    identityPolicies: [],
  }),
  doc3('CloudWatch Logs writes with no aws:SourceAccount (default confused-deputy conditions)', 'Denied', {
    principal: LOGS_PRINCIPAL,
    context: without(exportService(SENDING_ACCOUNT), 'aws:SourceAccount'),
    identityPolicies: [],
  }),
  doc3('confusedDeputyConditions false: CloudWatch Logs writes for any account', 'Allowed', {
    principal: LOGS_PRINCIPAL,
    context: exportService(OUTSIDER),
    identityPolicies: [],
    resourcePolicy: exportBucket({ mode: 'cross-account-role', sendingAccountId: SENDING_ACCOUNT, roleName: ROLE }, { confusedDeputyConditions: false }),
  }),
];

// ---- 4 TLS-only deny, checked inside every bucket policy ---------------------------------------

const ADMIN = session(LOGS_ACCOUNT, 'platform-admin');
const doc4 = family('4 TLS-only deny in bucket policies', {
  principal: ADMIN,
  action: 's3:PutObject',
  resource: EXPORTED,
  resourceAccount: LOGS_ACCOUNT,
  context: tls(FULL_CONTROL),
  identityPolicies: [S3_ADMIN],
  resourcePolicy: sameAccountBucket,
});

/** A delivered object of the sending account: the central bucket admits each account only under `<prefix>/<its account>/`. */
const CENTRAL_OBJECT = object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/${SENDING_ACCOUNT}/2025/01/31/12/cwl-to-central-1-2025-01-31-12-00-00-abcd.gz`);
const centralBucket = centralBucketPolicy({ partition: 'aws', region: REGION, bucketName: CENTRAL_BUCKET, prefix: CENTRAL_PREFIX, organizationId: ORG });

const document4: EvaluationCase[] = [
  doc4("An admin role of the bucket's own account writes over TLS", 'Allowed'),
  doc4("An admin role of the bucket's own account writes over plain HTTP", 'ExplicitlyDenied', { context: http(FULL_CONTROL) }),
  doc4("An admin role of the bucket's own account changes the bucket policy over plain HTTP", 'ExplicitlyDenied', {
    action: 's3:PutBucketPolicy',
    resource: bucketArn(EXPORT_BUCKET),
    context: http({}),
  }),
  doc4('An admin role reads an object outside the prefix over plain HTTP (the deny covers the whole bucket)', 'ExplicitlyDenied', {
    action: 's3:GetObject',
    resource: object(EXPORT_BUCKET, 'other/readme.txt'),
    context: http({}),
  }),
  doc4('CloudWatch Logs writes over plain HTTP', 'ExplicitlyDenied', {
    principal: LOGS_PRINCIPAL,
    context: http(exportService(LOGS_ACCOUNT)),
    identityPolicies: [],
  }),
  doc4('CloudWatch Logs writes with no aws:SecureTransport key (a service on its own network)', 'Allowed', {
    principal: LOGS_PRINCIPAL,
    context: without(exportService(LOGS_ACCOUNT), 'aws:SecureTransport'),
    identityPolicies: [],
  }),
  doc4('The cross-account sending user reads an exported object over plain HTTP', 'ExplicitlyDenied', {
    principal: userArn(SENDING_ACCOUNT, USER),
    action: 's3:GetObject',
    context: http({}),
    identityPolicies: [senderCollector],
    resourcePolicy: userBucket,
  }),
  doc4('The cross-account sending role lists the prefix over plain HTTP', 'ExplicitlyDenied', {
    principal: session(SENDING_ACCOUNT, ROLE),
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: http({ 's3:prefix': `${EXPORT_PREFIX}/` }),
    identityPolicies: [senderCollector],
    resourcePolicy: roleBucket,
  }),
  doc4('An organization writer writes to the central bucket over plain HTTP', 'ExplicitlyDenied', {
    principal: session(SENDING_ACCOUNT, 'firehose-delivery'),
    resource: CENTRAL_OBJECT,
    context: http({ 'aws:PrincipalOrgID': ORG }),
    resourcePolicy: centralBucket,
  }),
  doc4("The central bucket's own admin role reads over plain HTTP", 'ExplicitlyDenied', {
    action: 's3:GetObject',
    resource: CENTRAL_OBJECT,
    context: http({}),
    resourcePolicy: centralBucket,
  }),
  doc4('aws-cn: CloudWatch Logs writes to the aws-cn bucket over plain HTTP', 'ExplicitlyDenied', {
    principal: 'logs.cn-north-1.amazonaws.com.cn',
    resource: CN_EXPORTED,
    context: http(cnExport),
    identityPolicies: [],
    resourcePolicy: cnBucket,
  }),
];

// ---- 5 export collector identity --------------------------------------------------------------

const collector = identity(
  'export-collector',
  exportCollectorPolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, bucketName: EXPORT_BUCKET, prefix: EXPORT_PREFIX }),
);
const namedGroupsCollector = identity(
  'export-collector',
  exportCollectorPolicy({
    partition: 'aws',
    region: REGION,
    accountId: LOGS_ACCOUNT,
    bucketName: EXPORT_BUCKET,
    prefix: EXPORT_PREFIX,
    logGroupNames: ['/app/api'],
  }),
);
/** The collector of a bucket encrypted with a customer managed key. */
const keyedCollector = identity(
  'export-collector',
  exportCollectorPolicy({
    partition: 'aws',
    region: REGION,
    accountId: LOGS_ACCOUNT,
    bucketName: EXPORT_BUCKET,
    prefix: EXPORT_PREFIX,
    bucketKmsKeyArn: EXPORT_KEY,
  }),
);
const keyedSenderCollector = identity(
  'export-collector',
  exportCollectorPolicy({
    partition: 'aws',
    region: REGION,
    accountId: SENDING_ACCOUNT,
    bucketName: EXPORT_BUCKET,
    prefix: EXPORT_PREFIX,
    bucketKmsKeyArn: EXPORT_KEY,
  }),
);
/** A key policy that also lets the sending account's IAM policies use the key (what the user must add in the cross-account modes). */
const keyPolicyWithSender: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    ...defaultKeyPolicy(LOGS_ACCOUNT).Statement,
    { Sid: 'SendingAccountDecrypts', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${SENDING_ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' },
  ],
};
/** What S3 asks KMS for when the collector's GetObject reads an exported object of the encrypted bucket. */
const decryptExported = (via: string | undefined, change: Partial<Request> = {}): Partial<Request> => ({
  action: 'kms:Decrypt',
  resource: EXPORT_KEY,
  context: tls(via === undefined ? {} : { 'kms:ViaService': via }),
  identityPolicies: [keyedCollector],
  resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  ...change,
});
const doc5 = family('5 export collector identity', {
  principal: session(LOGS_ACCOUNT, 'cwl-export-collector'),
  action: 'logs:CreateExportTask',
  resource: logGroup(LOGS_ACCOUNT, '/app/api'),
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  identityPolicies: [collector],
});

const document5: EvaluationCase[] = [
  doc5('The collector creates an export task for a log group of its account', 'Allowed'),
  doc5('The collector creates an export task for a log group in another region', 'Denied', { resource: logGroup(LOGS_ACCOUNT, '/app/api', 'us-west-2') }),
  doc5('The collector creates an export task for a log group of another account', 'Denied', {
    resource: logGroup(OUTSIDER, '/app/api'),
    resourceAccount: OUTSIDER,
  }),
  doc5('logGroupNames [/app/api]: the collector exports /app/api', 'Allowed', { identityPolicies: [namedGroupsCollector] }),
  doc5('logGroupNames [/app/api]: the collector exports /app/payments', 'Denied', {
    resource: logGroup(LOGS_ACCOUNT, '/app/payments'),
    identityPolicies: [namedGroupsCollector],
  }),
  doc5('logGroupNames [/app/api]: the collector exports /app/api-internal, a name that starts like it', 'Denied', {
    resource: logGroup(LOGS_ACCOUNT, '/app/api-internal'),
    identityPolicies: [namedGroupsCollector],
  }),
  doc5('The collector describes export tasks', 'Allowed', { action: 'logs:DescribeExportTasks', resource: '*' }),
  doc5('The collector cancels an export task', 'Allowed', { action: 'logs:CancelExportTask', resource: '*' }),
  doc5('The collector discovers log groups', 'Allowed', { action: 'logs:DescribeLogGroups', resource: '*' }),
  doc5('The collector deletes a log group (not granted)', 'Denied', { action: 'logs:DeleteLogGroup' }),
  doc5('The collector lists the prefix', 'Allowed', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': `${EXPORT_PREFIX}/` }),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('The collector lists with s3:prefix exports/cwl, without the trailing slash (only exports/cwl/* is granted)', 'Denied', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': EXPORT_PREFIX }),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('The collector lists another prefix', 'Denied', {
    action: 's3:ListBucket',
    resource: bucketArn(EXPORT_BUCKET),
    context: tls({ 's3:prefix': 'other/' }),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('The collector reads an exported object', 'Allowed', { action: 's3:GetObject', resource: EXPORTED, resourcePolicy: sameAccountBucket }),
  doc5('The collector deletes an exported object', 'Allowed', { action: 's3:DeleteObject', resource: EXPORTED, resourcePolicy: sameAccountBucket }),
  doc5('The collector reads an object of another bucket of its account', 'Denied', {
    action: 's3:GetObject',
    resource: object('acme-payroll', `${EXPORT_PREFIX}/x.gz`),
  }),
  doc5('The collector, the CreateExportTask caller, may write under the prefix with bucket-owner-full-control (AWS checks it)', 'Allowed', {
    action: 's3:PutObject',
    resource: EXPORTED,
    context: tls(FULL_CONTROL),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('The collector writes under the prefix without bucket-owner-full-control', 'Denied', {
    action: 's3:PutObject',
    resource: EXPORTED,
    context: tls({ 's3:x-amz-acl': 'private' }),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('The collector writes outside the prefix', 'Denied', {
    action: 's3:PutObject',
    resource: object(EXPORT_BUCKET, 'other/000000.gz'),
    context: tls(FULL_CONTROL),
    resourcePolicy: sameAccountBucket,
  }),
  doc5('Cross-account bucket: the collector writes with bucket-owner-full-control', 'Allowed', {
    action: 's3:PutObject',
    resource: EXPORTED,
    context: tls(FULL_CONTROL),
    identityPolicies: [senderCollector],
    principal: session(SENDING_ACCOUNT, ROLE),
    resourcePolicy: roleBucket,
  }),
  doc5('Cross-account bucket: the collector writes without bucket-owner-full-control', 'Denied', {
    action: 's3:PutObject',
    resource: EXPORTED,
    context: tls({ 's3:x-amz-acl': 'private' }),
    identityPolicies: [senderCollector],
    principal: session(SENDING_ACCOUNT, ROLE),
    resourcePolicy: roleBucket,
  }),
  doc5('bucketKmsKeyArn: the collector reads an exported object of the encrypted bucket', 'Allowed', {
    action: 's3:GetObject',
    resource: EXPORTED,
    identityPolicies: [keyedCollector],
    resourcePolicy: sameAccountBucket,
  }),
  doc5(
    "bucketKmsKeyArn: S3 decrypts an exported object with the bucket key for the collector's GetObject",
    'Allowed',
    decryptExported('s3.us-east-1.amazonaws.com'),
  ),
  doc5('bucketKmsKeyArn: the collector decrypts with another key through S3', 'Denied', decryptExported('s3.us-east-1.amazonaws.com', { resource: OTHER_KEY })),
  doc5(
    'bucketKmsKeyArn: the collector decrypts with the bucket key through SQS (wrong kms:ViaService)',
    'Denied',
    decryptExported('sqs.us-east-1.amazonaws.com'),
  ),
  doc5('bucketKmsKeyArn: the collector decrypts with the bucket key through S3 of another region', 'Denied', decryptExported('s3.eu-west-1.amazonaws.com')),
  doc5('bucketKmsKeyArn: the collector decrypts with the bucket key directly (no kms:ViaService)', 'Denied', decryptExported(undefined)),
  doc5(
    'bucketKmsKeyArn: the collector gets a data key through S3 (only Decrypt is granted)',
    'Denied',
    decryptExported('s3.us-east-1.amazonaws.com', { action: 'kms:GenerateDataKey' }),
  ),
  doc5(
    'No bucketKmsKeyArn: the collector decrypts with the bucket key through S3 (no KMS grant)',
    'Denied',
    decryptExported('s3.us-east-1.amazonaws.com', { identityPolicies: [collector] }),
  ),
  doc5('Cross-account bucket and bucketKmsKeyArn: the sending collector decrypts through S3, the key policy allowing its account', 'Allowed', {
    ...decryptExported('s3.us-east-1.amazonaws.com'),
    principal: session(SENDING_ACCOUNT, ROLE),
    identityPolicies: [keyedSenderCollector],
    resourcePolicy: keyPolicyWithSender,
  }),
  doc5("Cross-account bucket and bucketKmsKeyArn: the sending collector decrypts through S3, the key policy naming only the bucket's account", 'Denied', {
    ...decryptExported('s3.us-east-1.amazonaws.com'),
    principal: session(SENDING_ACCOUNT, ROLE),
    identityPolicies: [keyedSenderCollector],
  }),
];

// ---- 6 CloudWatch Logs -> Kinesis: trust and permissions ---------------------------------------

const KINESIS_ROLE = 'cwl-to-kinesis';
/** The one sender list of the log destination (document 14) in front of the stream, which the role trusts too. */
const DESTINATION_SENDERS = [SENDING_ACCOUNT];
const kinesisTrust = cloudWatchLogsTrustPolicy({ partition: 'aws', region: REGION, sourceAccountIds: [LOGS_ACCOUNT, ...DESTINATION_SENDERS] });
const toKinesis = identity(
  'cwl-to-kinesis',
  logsToKinesisPolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, streamName: STREAM, roleName: KINESIS_ROLE, kmsKeyArn: STREAM_KEY }),
);
const assumeLogsRole = (account: string, region = REGION, partition = 'aws'): Context => ({
  'aws:SourceArn': logGroup(account, '/app/api', region, partition),
});
const doc6 = family('6 CloudWatch Logs to Kinesis role', {
  principal: LOGS_PRINCIPAL,
  action: 'sts:AssumeRole',
  resource: roleArn(LOGS_ACCOUNT, KINESIS_ROLE),
  resourceAccount: LOGS_ACCOUNT,
  context: assumeLogsRole(LOGS_ACCOUNT),
  resourcePolicy: kinesisTrust,
});
const asKinesisRole: Partial<Request> = {
  principal: session(LOGS_ACCOUNT, KINESIS_ROLE),
  action: 'kinesis:PutRecord',
  resource: streamArn(STREAM),
  context: tls(),
  identityPolicies: [toKinesis],
  resourcePolicy: undefined,
};
const cnTrust = cloudWatchLogsTrustPolicy({ partition: 'aws-cn', region: 'cn-north-1', sourceAccountIds: [LOGS_ACCOUNT] });

const document6: EvaluationCase[] = [
  doc6('CloudWatch Logs assumes the role for a log group of the stream account', 'Allowed'),
  doc6('CloudWatch Logs assumes the role for a log group of a listed sending account', 'Allowed', { context: assumeLogsRole(SENDING_ACCOUNT) }),
  doc6('CloudWatch Logs assumes the role for an unlisted account', 'Denied', { context: assumeLogsRole(OUTSIDER) }),
  doc6('CloudWatch Logs assumes the role for an organization member the destination does not list (membership never widens the trust)', 'Denied', {
    context: { ...assumeLogsRole(UNLISTED_MEMBER), 'aws:SourceAccount': UNLISTED_MEMBER, 'aws:SourceOrgID': ORG },
  }),
  doc6('CloudWatch Logs assumes the role with a SourceArn of another region', 'Denied', { context: assumeLogsRole(LOGS_ACCOUNT, 'us-west-2') }),
  doc6('CloudWatch Logs assumes the role with no aws:SourceArn', 'Denied', { context: {} }),
  doc6('CloudWatch Logs of another region (logs.us-west-2.amazonaws.com) assumes the role', 'Denied', { principal: 'logs.us-west-2.amazonaws.com' }),
  doc6('Firehose (firehose.amazonaws.com) assumes the role', 'Denied', { principal: 'firehose.amazonaws.com', context: { 'aws:SourceAccount': LOGS_ACCOUNT } }),
  doc6('An outsider role allowed sts:AssumeRole in its account assumes the role', 'Denied', {
    principal: session(OUTSIDER, 'attacker'),
    identityPolicies: [ASSUME_ANY_ROLE],
    context: {},
  }),
  doc6('aws-cn: logs.cn-north-1.amazonaws.com.cn assumes the role', 'Allowed', {
    principal: 'logs.cn-north-1.amazonaws.com.cn',
    resource: `arn:aws-cn:iam::${LOGS_ACCOUNT}:role/${KINESIS_ROLE}`,
    context: assumeLogsRole(LOGS_ACCOUNT, 'cn-north-1', 'aws-cn'),
    resourcePolicy: cnTrust,
  }),
  doc6('aws-cn: the principal spelled logs.cn-north-1.amazonaws.com assumes the role', 'Denied', {
    principal: 'logs.cn-north-1.amazonaws.com',
    resource: `arn:aws-cn:iam::${LOGS_ACCOUNT}:role/${KINESIS_ROLE}`,
    context: assumeLogsRole(LOGS_ACCOUNT, 'cn-north-1', 'aws-cn'),
    resourcePolicy: cnTrust,
  }),
  doc6('The role puts a record into the stream', 'Allowed', asKinesisRole),
  doc6('The role puts a batch of records into the stream', 'Allowed', { ...asKinesisRole, action: 'kinesis:PutRecords' }),
  doc6('The role puts a record into another stream', 'Denied', { ...asKinesisRole, resource: streamArn('payments-events') }),
  doc6('The role deletes the stream (not granted)', 'Denied', { ...asKinesisRole, action: 'kinesis:DeleteStream' }),
  doc6('The role reads the stream (not granted)', 'Denied', { ...asKinesisRole, action: 'kinesis:GetRecords' }),
  doc6('The role passes itself', 'Allowed', { ...asKinesisRole, action: 'iam:PassRole', resource: roleArn(LOGS_ACCOUNT, KINESIS_ROLE) }),
  doc6('The role passes another role', 'Denied', { ...asKinesisRole, action: 'iam:PassRole', resource: roleArn(LOGS_ACCOUNT, 'platform-admin') }),
  doc6('The role gets a data key of the stream key through Kinesis', 'Allowed', {
    ...asKinesisRole,
    action: 'kms:GenerateDataKey',
    resource: STREAM_KEY,
    context: tls({ 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' }),
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc6('The role gets a data key of the stream key through S3 (wrong kms:ViaService)', 'Denied', {
    ...asKinesisRole,
    action: 'kms:GenerateDataKey',
    resource: STREAM_KEY,
    context: tls({ 'kms:ViaService': 's3.us-east-1.amazonaws.com' }),
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc6('The role gets a data key directly (no kms:ViaService)', 'Denied', {
    ...asKinesisRole,
    action: 'kms:GenerateDataKey',
    resource: STREAM_KEY,
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc6('The role decrypts with the stream key through Kinesis (only GenerateDataKey is granted)', 'Denied', {
    ...asKinesisRole,
    action: 'kms:Decrypt',
    resource: STREAM_KEY,
    context: tls({ 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' }),
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
];

// ---- 7 Kinesis reader -------------------------------------------------------------------------

const reader = identity(
  'kinesis-reader',
  kinesisReaderPolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, streamName: STREAM, kmsKeyArn: STREAM_KEY }),
);
const doc7 = family('7 Kinesis reader', {
  principal: session(LOGS_ACCOUNT, 'cwl-kinesis-collector'),
  action: 'kinesis:GetRecords',
  resource: streamArn(STREAM),
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  identityPolicies: [reader],
});
const viaKinesis = tls({ 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' });

const document7: EvaluationCase[] = [
  ...['kinesis:ListShards', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords'].map((action) =>
    doc7(`The reader calls ${action} on the stream`, 'Allowed', { action }),
  ),
  doc7('The reader gets records from another stream', 'Denied', { resource: streamArn('payments-events') }),
  doc7('The reader gets records from a stream of the same name in another region', 'Denied', { resource: streamArn(STREAM, 'eu-west-1') }),
  doc7('The reader puts a record (not granted)', 'Denied', { action: 'kinesis:PutRecord' }),
  doc7('The reader deletes the stream (not granted)', 'Denied', { action: 'kinesis:DeleteStream' }),
  doc7('The reader decrypts with the stream key through Kinesis', 'Allowed', {
    action: 'kms:Decrypt',
    resource: STREAM_KEY,
    context: viaKinesis,
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc7('The reader decrypts with the stream key through S3 (wrong kms:ViaService)', 'Denied', {
    action: 'kms:Decrypt',
    resource: STREAM_KEY,
    context: tls({ 'kms:ViaService': 's3.us-east-1.amazonaws.com' }),
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc7('The reader decrypts with the stream key through Kinesis of another region', 'Denied', {
    action: 'kms:Decrypt',
    resource: STREAM_KEY,
    context: tls({ 'kms:ViaService': 'kinesis.eu-west-1.amazonaws.com' }),
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc7('The reader decrypts with another key through Kinesis', 'Denied', {
    action: 'kms:Decrypt',
    resource: OTHER_KEY,
    context: viaKinesis,
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
  doc7('The reader generates a data key (not granted)', 'Denied', {
    action: 'kms:GenerateDataKey',
    resource: STREAM_KEY,
    context: viaKinesis,
    resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  }),
];

// ---- 8 CloudWatch Logs -> Firehose: trust and permissions --------------------------------------

const FIREHOSE_ROLE = 'cwl-to-firehose';
const firehoseTrust = cloudWatchLogsTrustPolicy({ partition: 'aws', region: REGION, sourceAccountIds: [SENDING_ACCOUNT] });
const toFirehose = identity(
  'cwl-to-firehose',
  logsToFirehosePolicy({ partition: 'aws', region: REGION, accountId: SENDING_ACCOUNT, deliveryStreamName: DELIVERY_STREAM }),
);
const doc8 = family('8 CloudWatch Logs to Firehose role', {
  principal: LOGS_PRINCIPAL,
  action: 'sts:AssumeRole',
  resource: roleArn(SENDING_ACCOUNT, FIREHOSE_ROLE),
  resourceAccount: SENDING_ACCOUNT,
  context: assumeLogsRole(SENDING_ACCOUNT),
  resourcePolicy: firehoseTrust,
});
const asFirehoseRole: Partial<Request> = {
  principal: session(SENDING_ACCOUNT, FIREHOSE_ROLE),
  action: 'firehose:PutRecord',
  resource: deliveryStreamArn(DELIVERY_STREAM),
  context: tls(),
  identityPolicies: [toFirehose],
  resourcePolicy: undefined,
};

const document8: EvaluationCase[] = [
  doc8('CloudWatch Logs assumes the role for a log group of the sending account', 'Allowed'),
  doc8('CloudWatch Logs assumes the role for the central account (not listed)', 'Denied', { context: assumeLogsRole(LOGS_ACCOUNT) }),
  doc8('CloudWatch Logs assumes the role with no aws:SourceArn', 'Denied', { context: {} }),
  doc8('CloudWatch Logs of another region (logs.eu-west-1.amazonaws.com) assumes the role', 'Denied', { principal: 'logs.eu-west-1.amazonaws.com' }),
  doc8('Firehose (firehose.amazonaws.com) assumes the role', 'Denied', {
    principal: 'firehose.amazonaws.com',
    context: { 'aws:SourceAccount': SENDING_ACCOUNT },
  }),
  doc8('The role puts a record into the delivery stream', 'Allowed', asFirehoseRole),
  doc8('The role puts a record batch into the delivery stream', 'Allowed', { ...asFirehoseRole, action: 'firehose:PutRecordBatch' }),
  doc8('The role puts a record into another delivery stream of the account', 'Denied', { ...asFirehoseRole, resource: deliveryStreamArn('billing-events') }),
  doc8('The role puts a record into a delivery stream of the same name in another region', 'Denied', {
    ...asFirehoseRole,
    resource: deliveryStreamArn(DELIVERY_STREAM, 'us-west-2'),
  }),
  doc8('The role deletes the delivery stream (not granted)', 'Denied', { ...asFirehoseRole, action: 'firehose:DeleteDeliveryStream' }),
  doc8('The role updates the delivery stream destination (not granted)', 'Denied', { ...asFirehoseRole, action: 'firehose:UpdateDestination' }),
];

// ---- 9 Firehose delivery role and its trust ----------------------------------------------------

const DELIVERY_ROLE = 'firehose-delivery';
const ERROR_LOG_GROUP = '/aws/kinesisfirehose/cwl-to-central';
const deliveryTrust = firehoseDeliveryTrustPolicy({ partition: 'aws', accountId: SENDING_ACCOUNT });
const delivery = identity(
  'firehose-delivery',
  firehoseDeliveryRolePolicy({
    partition: 'aws',
    region: REGION,
    accountId: SENDING_ACCOUNT,
    bucketName: CENTRAL_BUCKET,
    prefix: `${CENTRAL_PREFIX}/${SENDING_ACCOUNT}`,
    errorOutputPrefix: `${CENTRAL_PREFIX}-errors/${SENDING_ACCOUNT}`,
    kmsKeyArn: CENTRAL_KEY,
    errorLogGroupName: ERROR_LOG_GROUP,
    errorLogStreamName: 'DestinationDelivery',
  }),
);
const centralKey = centralKeyPolicy({
  partition: 'aws',
  region: REGION,
  accountId: LOGS_ACCOUNT,
  organizationId: ORG,
  bucketName: CENTRAL_BUCKET,
  prefix: CENTRAL_PREFIX,
});
const doc9 = family('9 Firehose delivery role', {
  principal: session(SENDING_ACCOUNT, DELIVERY_ROLE),
  action: 's3:PutObject',
  resource: CENTRAL_OBJECT,
  resourceAccount: LOGS_ACCOUNT,
  context: tls({ 'aws:PrincipalOrgID': ORG }),
  identityPolicies: [delivery],
  resourcePolicy: centralBucket,
});
const asFirehose: Partial<Request> = {
  principal: 'firehose.amazonaws.com',
  action: 'sts:AssumeRole',
  resource: roleArn(SENDING_ACCOUNT, DELIVERY_ROLE),
  resourceAccount: SENDING_ACCOUNT,
  context: { 'sts:ExternalId': SENDING_ACCOUNT },
  identityPolicies: [],
  resourcePolicy: deliveryTrust,
};
/** Firehose writing an object through S3 with SSE-KMS: S3 asks KMS for a data key with this context. */
const dataKeyForObject = (objectArn: string, via = 's3.us-east-1.amazonaws.com'): Partial<Request> => ({
  action: 'kms:GenerateDataKey',
  resource: CENTRAL_KEY,
  context: tls({ 'aws:PrincipalOrgID': ORG, 'kms:ViaService': via, 'kms:EncryptionContext:aws:s3:arn': objectArn }),
  resourcePolicy: centralKey,
  engineUnrecognizedContextKeys: ['kms:EncryptionContext:aws:s3:arn'],
});
const errorStream = (stream: string): string => `${logGroup(SENDING_ACCOUNT, ERROR_LOG_GROUP)}:log-stream:${stream}`;

const document9: EvaluationCase[] = [
  doc9('Firehose assumes the delivery role for its own account (sts:ExternalId = the account id, as Firehose documents)', 'Allowed', asFirehose),
  doc9('Firehose assumes the delivery role for another account (sts:ExternalId 444444444444)', 'Denied', {
    ...asFirehose,
    context: { 'sts:ExternalId': OUTSIDER },
  }),
  doc9('Firehose assumes the delivery role with no sts:ExternalId', 'Denied', { ...asFirehose, context: {} }),
  doc9('Firehose assumes the delivery role with only aws:SourceAccount of its account (not the documented form)', 'Denied', {
    ...asFirehose,
    context: { 'aws:SourceAccount': SENDING_ACCOUNT },
  }),
  doc9('CloudWatch Logs assumes the delivery role', 'Denied', { ...asFirehose, principal: LOGS_PRINCIPAL }),
  doc9('The delivery role writes a delivered object under its prefix in the central bucket', 'Allowed'),
  doc9('The delivery role writes a failed record under the error prefix', 'Allowed', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}-errors/${SENDING_ACCOUNT}/processing-failed/2025/01/31/x.gz`),
  }),
  doc9('The delivery role aborts a multipart upload under its prefix', 'Allowed', { action: 's3:AbortMultipartUpload' }),
  doc9('The delivery role writes under the central prefix but outside its own prefixes', 'Denied', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/other-team/x.gz`),
  }),
  doc9("The delivery role writes under another account's folder of the central prefix", 'Denied', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/${OUTSIDER}/x.gz`),
  }),
  doc9('The delivery role writes to another bucket', 'Denied', { resource: object('acme-other-bucket', `${CENTRAL_PREFIX}/firehose/x.gz`) }),
  doc9('The delivery role reads a delivered object (not granted)', 'Denied', { action: 's3:GetObject' }),
  doc9('The delivery role gets the bucket location', 'Allowed', { action: 's3:GetBucketLocation', resource: bucketArn(CENTRAL_BUCKET) }),
  doc9('The delivery role lists multipart uploads of the bucket', 'Allowed', { action: 's3:ListBucketMultipartUploads', resource: bucketArn(CENTRAL_BUCKET) }),
  doc9('The delivery role lists the bucket (not granted)', 'Denied', {
    action: 's3:ListBucket',
    resource: bucketArn(CENTRAL_BUCKET),
    context: tls({ 'aws:PrincipalOrgID': ORG, 's3:prefix': `${CENTRAL_PREFIX}/` }),
  }),
  doc9('The delivery role writes to its error log stream', 'Allowed', {
    action: 'logs:PutLogEvents',
    resource: errorStream('DestinationDelivery'),
    resourceAccount: SENDING_ACCOUNT,
    context: tls(),
    resourcePolicy: undefined,
  }),
  doc9('The delivery role writes to another log stream of the error log group', 'Denied', {
    action: 'logs:PutLogEvents',
    resource: errorStream('BackupDelivery'),
    resourceAccount: SENDING_ACCOUNT,
    context: tls(),
    resourcePolicy: undefined,
  }),
  doc9('The delivery role gets a data key through S3 for an object under its prefix', 'Allowed', dataKeyForObject(CENTRAL_OBJECT)),
  doc9('The delivery role gets a data key through S3 with the bucket as context (S3 Bucket Keys)', 'Allowed', dataKeyForObject(bucketArn(CENTRAL_BUCKET))),
  doc9(
    'The delivery role gets a data key through S3 for an object of another bucket',
    'Denied',
    dataKeyForObject(object('acme-other-bucket', `${CENTRAL_PREFIX}/firehose/x.gz`)),
  ),
  doc9(
    'The delivery role gets a data key through S3 for an object outside its prefixes',
    'Denied',
    dataKeyForObject(object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/other-team/x.gz`)),
  ),
  doc9('The delivery role gets a data key through SQS (wrong kms:ViaService)', 'Denied', dataKeyForObject(CENTRAL_OBJECT, 'sqs.us-east-1.amazonaws.com')),
];

// ---- 10 central bucket ------------------------------------------------------------------------

const writerBucket = centralBucketPolicy({
  partition: 'aws',
  region: REGION,
  bucketName: CENTRAL_BUCKET,
  prefix: CENTRAL_PREFIX,
  organizationId: ORG,
  writerRoleNames: [DELIVERY_ROLE],
});
const MEMBER_WRITER = identity('member-writer', {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: '*' }],
});
const doc10 = family('10 central bucket', {
  principal: session(SENDING_ACCOUNT, 'log-shipper'),
  action: 's3:PutObject',
  resource: CENTRAL_OBJECT,
  resourceAccount: LOGS_ACCOUNT,
  context: tls({ 'aws:PrincipalOrgID': ORG }),
  identityPolicies: [MEMBER_WRITER],
  resourcePolicy: centralBucket,
});
const document10: EvaluationCase[] = [
  doc10("A role of a member account writes under the prefix, in its own account's folder", 'Allowed'),
  doc10("A role of a member account writes its error output in its own account's folder", 'Allowed', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}-errors/${SENDING_ACCOUNT}/processing-failed/x.gz`),
  }),
  doc10("A role of a member account writes in another member account's folder (the SIEM would attribute it to that account)", 'Denied', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/210987654321/2025/01/31/12/planted.gz`),
  }),
  doc10("A role of a member account writes error output in another member account's folder", 'Denied', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}-errors/210987654321/x.gz`),
  }),
  doc10('A role of a member account writes directly under the prefix, outside any account folder', 'Denied', {
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/x.gz`),
  }),
  doc10('A role of a member account gets the bucket location', 'Allowed', { action: 's3:GetBucketLocation', resource: bucketArn(CENTRAL_BUCKET) }),
  doc10('A role of another organization writes under the prefix', 'Denied', {
    principal: session(OUTSIDER, 'log-shipper'),
    context: tls({ 'aws:PrincipalOrgID': OTHER_ORG }),
  }),
  doc10('A role of an account in no organization writes under the prefix', 'Denied', { principal: session(OUTSIDER, 'log-shipper'), context: tls() }),
  doc10('A role of a member account writes outside the prefix', 'Denied', { resource: object(CENTRAL_BUCKET, 'finance/ledger.csv') }),
  doc10('A role of a member account reads a delivered object (not granted)', 'Denied', { action: 's3:GetObject', identityPolicies: [S3_ADMIN] }),
  doc10('A role of a member account deletes a delivered object (not granted)', 'Denied', { action: 's3:DeleteObject', identityPolicies: [S3_ADMIN] }),
  doc10('A role of a member account without an identity policy writes (cross-account needs both sides)', 'Denied', { identityPolicies: [] }),
  doc10('writerRoleNames [firehose-delivery]: the delivery role of a member account writes', 'Allowed', {
    principal: session(SENDING_ACCOUNT, DELIVERY_ROLE),
    context: tls({ 'aws:PrincipalOrgID': ORG, 'aws:PrincipalArn': roleArn(SENDING_ACCOUNT, DELIVERY_ROLE) }),
    resourcePolicy: writerBucket,
  }),
  doc10('writerRoleNames [firehose-delivery]: another role of a member account writes', 'Denied', {
    context: tls({ 'aws:PrincipalOrgID': ORG, 'aws:PrincipalArn': roleArn(SENDING_ACCOUNT, 'log-shipper') }),
    resourcePolicy: writerBucket,
  }),
  doc10('writerRoleNames [firehose-delivery]: a role of that name outside the organization writes', 'Denied', {
    principal: session(OUTSIDER, DELIVERY_ROLE),
    context: tls({ 'aws:PrincipalOrgID': OTHER_ORG, 'aws:PrincipalArn': roleArn(OUTSIDER, DELIVERY_ROLE) }),
    resourcePolicy: writerBucket,
  }),
  doc10('CloudWatch Logs export task of a member account writes (no path exports into the central bucket)', 'Denied', {
    principal: LOGS_PRINCIPAL,
    context: tls({ ...FULL_CONTROL, 'aws:SourceOrgID': ORG, 'aws:SourceAccount': SENDING_ACCOUNT }),
    identityPolicies: [],
  }),
];

// ---- 11 notification queue --------------------------------------------------------------------

const queue = notificationQueuePolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, queueName: QUEUE, bucketName: CENTRAL_BUCKET });
const s3Notification = (bucket: string, account: string): Context => tls({ 'aws:SourceArn': bucketArn(bucket), 'aws:SourceAccount': account });
const siemReader = identity(
  'siem-reader',
  siemReaderPolicy({
    partition: 'aws',
    region: REGION,
    accountId: LOGS_ACCOUNT,
    queueName: QUEUE,
    bucketName: CENTRAL_BUCKET,
    prefix: CENTRAL_PREFIX,
    kmsKeyArn: CENTRAL_KEY,
  }),
);
const doc11 = family('11 notification queue', {
  principal: 's3.amazonaws.com',
  action: 'sqs:SendMessage',
  resource: queueArn(QUEUE),
  resourceAccount: LOGS_ACCOUNT,
  context: s3Notification(CENTRAL_BUCKET, LOGS_ACCOUNT),
  resourcePolicy: queue,
});

const document11: EvaluationCase[] = [
  doc11('S3 sends an ObjectCreated notification for the central bucket', 'Allowed'),
  doc11('S3 sends a notification for another bucket', 'Denied', { context: s3Notification('acme-other-bucket', LOGS_ACCOUNT) }),
  doc11('S3 sends a notification for a bucket of that name owned by another account', 'Denied', { context: s3Notification(CENTRAL_BUCKET, OUTSIDER) }),
  doc11('S3 sends a notification with no aws:SourceAccount', 'Denied', { context: without(s3Notification(CENTRAL_BUCKET, LOGS_ACCOUNT), 'aws:SourceAccount') }),
  doc11('S3 sends a notification with no aws:SourceArn', 'Denied', { context: without(s3Notification(CENTRAL_BUCKET, LOGS_ACCOUNT), 'aws:SourceArn') }),
  doc11('S3 sends a notification over plain HTTP', 'ExplicitlyDenied', { context: http(s3Notification(CENTRAL_BUCKET, LOGS_ACCOUNT)) }),
  doc11('SNS (sns.amazonaws.com) sends a message', 'Denied', { principal: 'sns.amazonaws.com' }),
  doc11('S3 sends a notification to another queue (the policy names one queue)', 'Denied', { resource: queueArn('payments-queue') }),
  doc11('S3 purges the queue (not granted)', 'Denied', { action: 'sqs:PurgeQueue' }),
  doc11('An outsider role with sqs:* in its own account sends a message', 'Denied', {
    principal: session(OUTSIDER, 'attacker'),
    context: tls(),
    identityPolicies: [SQS_ADMIN],
  }),
  doc11("The queue account's SIEM reader receives messages over TLS", 'Allowed', {
    principal: session(LOGS_ACCOUNT, 'siem-reader'),
    action: 'sqs:ReceiveMessage',
    context: tls(),
    identityPolicies: [siemReader],
  }),
  doc11("The queue account's SIEM reader receives messages over plain HTTP", 'ExplicitlyDenied', {
    principal: session(LOGS_ACCOUNT, 'siem-reader'),
    action: 'sqs:ReceiveMessage',
    context: http({}),
    identityPolicies: [siemReader],
  }),
  doc11('bucketAccountId 222222222222: S3 sends a notification for the bucket of that account', 'Allowed', {
    context: s3Notification(CENTRAL_BUCKET, SENDING_ACCOUNT),
    resourcePolicy: notificationQueuePolicy({
      partition: 'aws',
      region: REGION,
      accountId: LOGS_ACCOUNT,
      queueName: QUEUE,
      bucketName: CENTRAL_BUCKET,
      bucketAccountId: SENDING_ACCOUNT,
    }),
  }),
  doc11('bucketAccountId 222222222222: S3 sends a notification for a bucket of that name in the queue account', 'Denied', {
    resourcePolicy: notificationQueuePolicy({
      partition: 'aws',
      region: REGION,
      accountId: LOGS_ACCOUNT,
      queueName: QUEUE,
      bucketName: CENTRAL_BUCKET,
      bucketAccountId: SENDING_ACCOUNT,
    }),
  }),
];

// ---- 12 SIEM reader: trust and permissions ----------------------------------------------------

const SIEM_ROLE = 'siem-reader';
const siemTrust = siemReaderTrustPolicy({ partition: 'aws', siemAccountId: SIEM_ACCOUNT, externalId: EXTERNAL_ID });
const siemPollerTrust = siemReaderTrustPolicy({
  partition: 'aws',
  siemAccountId: SIEM_ACCOUNT,
  externalId: EXTERNAL_ID,
  siemPrincipalArn: roleArn(SIEM_ACCOUNT, 'siem-poller'),
});
const doc12 = family('12 SIEM reader role', {
  principal: session(SIEM_ACCOUNT, 'siem-poller'),
  action: 'sts:AssumeRole',
  resource: roleArn(LOGS_ACCOUNT, SIEM_ROLE),
  resourceAccount: LOGS_ACCOUNT,
  context: { 'sts:ExternalId': EXTERNAL_ID },
  identityPolicies: [ASSUME_ANY_ROLE],
  resourcePolicy: siemTrust,
});
const asSiemReader: Partial<Request> = {
  principal: session(LOGS_ACCOUNT, SIEM_ROLE),
  action: 'sqs:ReceiveMessage',
  resource: queueArn(QUEUE),
  context: tls(),
  identityPolicies: [siemReader],
  resourcePolicy: queue,
};
/** The dead-letter queue (default name, no queue policy) and the errors queue CentralLogging creates. */
const DLQ = `${QUEUE}-dlq`;
const ERROR_QUEUE = `${QUEUE}-errors`;
const ERROR_OBJECT = object(
  CENTRAL_BUCKET,
  `${CENTRAL_PREFIX}-errors/${SENDING_ACCOUNT}/processing-failed/2025/01/31/12/cwl-to-central-1-2025-01-31-12-00-00-abcd`,
);
const siemReaderWithErrors = identity(
  'siem-reader-with-errors',
  siemReaderPolicy({
    partition: 'aws',
    region: REGION,
    accountId: LOGS_ACCOUNT,
    queueName: QUEUE,
    bucketName: CENTRAL_BUCKET,
    prefix: CENTRAL_PREFIX,
    errorQueueName: ERROR_QUEUE,
    kmsKeyArn: CENTRAL_KEY,
  }),
);
const onDeadLetters: Partial<Request> = { ...asSiemReader, resource: queueArn(DLQ), resourcePolicy: undefined };
const onErrorQueue = (policy: NamedPolicy): Partial<Request> => ({
  ...asSiemReader,
  resource: queueArn(ERROR_QUEUE),
  identityPolicies: [policy],
  resourcePolicy: notificationQueuePolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, queueName: ERROR_QUEUE, bucketName: CENTRAL_BUCKET }),
});
const readErrorObject = (policy: NamedPolicy): Partial<Request> => ({
  ...asSiemReader,
  action: 's3:GetObject',
  resource: ERROR_OBJECT,
  identityPolicies: [policy],
  resourcePolicy: centralBucket,
});
const siemDecrypt = (via: string): Partial<Request> => ({
  ...asSiemReader,
  action: 'kms:Decrypt',
  resource: CENTRAL_KEY,
  context: tls({ 'kms:ViaService': via }),
  resourcePolicy: centralKey,
});

const document12: EvaluationCase[] = [
  doc12('A role of the SIEM account assumes the reader role with the external id', 'Allowed'),
  doc12('A role of the SIEM account assumes the reader role with a wrong external id', 'Denied', { context: { 'sts:ExternalId': 'siem-guess' } }),
  doc12('A role of the SIEM account assumes the reader role without an external id', 'Denied', { context: {} }),
  doc12('A role of an outsider account assumes the reader role with the right external id', 'Denied', { principal: session(OUTSIDER, 'siem-poller') }),
  doc12('A role of the SIEM account without sts:AssumeRole in its own policies assumes the reader role', 'Denied', { identityPolicies: [] }),
  doc12('siemPrincipalArn siem-poller: that role assumes the reader role with the external id', 'Allowed', { resourcePolicy: siemPollerTrust }),
  doc12('siemPrincipalArn siem-poller: another role of the SIEM account assumes the reader role', 'Denied', {
    principal: session(SIEM_ACCOUNT, 'siem-analyst'),
    resourcePolicy: siemPollerTrust,
  }),
  ...(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'] as const).map((action) =>
    doc12(`The reader role calls ${action} on the notification queue`, 'Allowed', { ...asSiemReader, action }),
  ),
  doc12('The reader role sends a message to the notification queue (not granted)', 'Denied', { ...asSiemReader, action: 'sqs:SendMessage' }),
  doc12('The reader role receives from another queue', 'Denied', { ...asSiemReader, resource: queueArn('payments-queue'), resourcePolicy: undefined }),
  doc12('The reader role reads a delivered object', 'Allowed', {
    ...asSiemReader,
    action: 's3:GetObject',
    resource: CENTRAL_OBJECT,
    resourcePolicy: centralBucket,
  }),
  doc12('The reader role reads an object outside the prefix', 'Denied', {
    ...asSiemReader,
    action: 's3:GetObject',
    resource: object(CENTRAL_BUCKET, 'finance/ledger.csv'),
    resourcePolicy: centralBucket,
  }),
  doc12('The reader role writes an object (not granted)', 'Denied', {
    ...asSiemReader,
    action: 's3:PutObject',
    resource: object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/injected.gz`),
    context: tls(FULL_CONTROL),
    resourcePolicy: centralBucket,
  }),
  doc12('The reader role deletes a delivered object (not granted)', 'Denied', {
    ...asSiemReader,
    action: 's3:DeleteObject',
    resource: CENTRAL_OBJECT,
    resourcePolicy: centralBucket,
  }),
  doc12('The reader role decrypts through S3', 'Allowed', siemDecrypt('s3.us-east-1.amazonaws.com')),
  doc12('The reader role decrypts through SQS', 'Allowed', siemDecrypt('sqs.us-east-1.amazonaws.com')),
  doc12('The reader role decrypts through Kinesis (wrong kms:ViaService)', 'Denied', siemDecrypt('kinesis.us-east-1.amazonaws.com')),
  doc12('The reader role decrypts directly (no kms:ViaService)', 'Denied', { ...siemDecrypt('s3.us-east-1.amazonaws.com'), context: tls() }),
  doc12('The reader role generates a data key through S3 (not granted)', 'Denied', {
    ...siemDecrypt('s3.us-east-1.amazonaws.com'),
    action: 'kms:GenerateDataKey',
  }),
  ...(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'] as const).map((action) =>
    doc12(`The reader role consumes the dead-letter queue with ${action}`, 'Allowed', { ...onDeadLetters, action }),
  ),
  doc12('The reader role sends a message to the dead-letter queue (not granted)', 'Denied', { ...onDeadLetters, action: 'sqs:SendMessage' }),
  doc12('The reader role purges the dead-letter queue (not granted)', 'Denied', { ...onDeadLetters, action: 'sqs:PurgeQueue' }),
  doc12('Error notifications on: the reader role reads an object of the error output', 'Allowed', readErrorObject(siemReaderWithErrors)),
  doc12('Error notifications off: the reader role reads an object of the error output', 'Denied', readErrorObject(siemReader)),
  doc12('Error notifications on: the reader role writes under the error output (not granted)', 'Denied', {
    ...readErrorObject(siemReaderWithErrors),
    action: 's3:PutObject',
    context: tls(FULL_CONTROL),
  }),
  ...(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'] as const).map((action) =>
    doc12(`Error notifications on: the reader role consumes the errors queue with ${action}`, 'Allowed', { ...onErrorQueue(siemReaderWithErrors), action }),
  ),
  doc12('Error notifications on: the reader role sends a message to the errors queue (not granted)', 'Denied', {
    ...onErrorQueue(siemReaderWithErrors),
    action: 'sqs:SendMessage',
  }),
  doc12('Error notifications off: the reader role receives from the errors queue', 'Denied', onErrorQueue(siemReader)),
];

// ---- 13 central KMS key -----------------------------------------------------------------------

const KEY_ADMIN = 'key-admin';
const namedAdminsKey = centralKeyPolicy({
  partition: 'aws',
  region: REGION,
  accountId: LOGS_ACCOUNT,
  organizationId: ORG,
  bucketName: CENTRAL_BUCKET,
  prefix: CENTRAL_PREFIX,
  adminPrincipalArns: [roleArn(LOGS_ACCOUNT, KEY_ADMIN)],
});
const doc13 = family('13 central KMS key', {
  principal: session(LOGS_ACCOUNT, 'siem-reader'),
  action: 'kms:Decrypt',
  resource: CENTRAL_KEY,
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  identityPolicies: [allow('decrypt-central-key', ['kms:Decrypt'], CENTRAL_KEY)],
  resourcePolicy: centralKey,
});
/** A member account's writer asking for a data key as S3 does for it: with the object (or bucket) as encryption context. */
const orgWriter = (org: string, via?: string, s3Arn: string = bucketArn(CENTRAL_BUCKET)): Partial<Request> => ({
  principal: session(SENDING_ACCOUNT, DELIVERY_ROLE),
  action: 'kms:GenerateDataKey',
  context: tls({ 'aws:PrincipalOrgID': org, ...(via === undefined ? {} : { 'kms:ViaService': via }), 'kms:EncryptionContext:aws:s3:arn': s3Arn }),
  identityPolicies: [KMS_ADMIN],
  engineUnrecognizedContextKeys: ['kms:EncryptionContext:aws:s3:arn'],
});
const VIA_S3 = 's3.us-east-1.amazonaws.com';
/** S3 using the key for a bucket's event notifications into the encrypted queue. */
const s3ForBucket = (bucket: string, account: string): Partial<Request> => ({
  principal: 's3.amazonaws.com',
  action: 'kms:GenerateDataKey',
  context: tls({ 'aws:SourceArn': bucketArn(bucket), 'aws:SourceAccount': account }),
  identityPolicies: [],
});

const document13: EvaluationCase[] = [
  doc13('A role of the key account with an identity policy decrypts (use delegated to IAM)', 'Allowed'),
  doc13('A role of the key account without an identity policy decrypts', 'Denied', { identityPolicies: [] }),
  doc13('A role of the key account with kms:* schedules key deletion (root administers)', 'Allowed', {
    action: 'kms:ScheduleKeyDeletion',
    identityPolicies: [KMS_ADMIN],
  }),
  doc13(
    'An organization writer gets a data key through S3 for the central bucket (S3 Bucket Keys: the bucket ARN as context)',
    'Allowed',
    orgWriter(ORG, VIA_S3),
  ),
  doc13("An organization writer gets a data key through S3 for an object in its own account's folder", 'Allowed', orgWriter(ORG, VIA_S3, CENTRAL_OBJECT)),
  doc13(
    "An organization writer gets a data key through S3 for an object in another account's folder",
    'Denied',
    orgWriter(ORG, VIA_S3, object(CENTRAL_BUCKET, `${CENTRAL_PREFIX}/210987654321/x.gz`)),
  ),
  doc13(
    'An organization writer gets a data key through S3 for another bucket of the organization',
    'Denied',
    orgWriter(ORG, VIA_S3, bucketArn('acme-member-bucket')),
  ),
  doc13('An organization writer gets a data key through S3 with no encryption context', 'Denied', {
    ...orgWriter(ORG, VIA_S3),
    context: tls({ 'aws:PrincipalOrgID': ORG, 'kms:ViaService': VIA_S3 }),
    engineUnrecognizedContextKeys: undefined,
  }),
  doc13('An organization writer decrypts through S3 (multipart upload)', 'Allowed', { ...orgWriter(ORG, VIA_S3), action: 'kms:Decrypt' }),
  doc13('An organization writer gets a data key through SQS (wrong kms:ViaService)', 'Denied', orgWriter(ORG, 'sqs.us-east-1.amazonaws.com')),
  doc13('An organization writer gets a data key through S3 of another region', 'Denied', orgWriter(ORG, 's3.eu-west-1.amazonaws.com')),
  doc13('An organization writer gets a data key directly (no kms:ViaService)', 'Denied', orgWriter(ORG)),
  doc13('A writer of another organization gets a data key through S3', 'Denied', {
    ...orgWriter(OTHER_ORG, VIA_S3),
    principal: session(OUTSIDER, DELIVERY_ROLE),
  }),
  doc13('An organization writer encrypts directly (kms:Encrypt is not granted to the organization)', 'Denied', {
    ...orgWriter(ORG, VIA_S3),
    action: 'kms:Encrypt',
  }),
  doc13('An organization writer schedules key deletion', 'Denied', { ...orgWriter(ORG, VIA_S3), action: 'kms:ScheduleKeyDeletion' }),
  doc13(
    'S3 gets a data key for the central bucket of the key account (notifications into the encrypted queue)',
    'Allowed',
    s3ForBucket(CENTRAL_BUCKET, LOGS_ACCOUNT),
  ),
  doc13('S3 gets a data key for another bucket of the organization', 'Denied', s3ForBucket('acme-member-bucket', SENDING_ACCOUNT)),
  doc13('S3 gets a data key for a bucket named like the central one in another account', 'Denied', s3ForBucket(CENTRAL_BUCKET, OUTSIDER)),
  doc13('S3 gets a data key with no aws:SourceArn', 'Denied', {
    ...s3ForBucket(CENTRAL_BUCKET, LOGS_ACCOUNT),
    context: tls({ 'aws:SourceAccount': LOGS_ACCOUNT }),
  }),
  doc13('CloudWatch Logs of a member account encrypts (no path gives the central key to CloudWatch Logs)', 'Denied', {
    principal: LOGS_PRINCIPAL,
    action: 'kms:Encrypt',
    context: tls({ 'aws:SourceOrgID': ORG, 'aws:SourceAccount': SENDING_ACCOUNT }),
    identityPolicies: [],
  }),
  doc13('CloudWatch Logs of a member account decrypts', 'Denied', {
    principal: LOGS_PRINCIPAL,
    action: 'kms:Decrypt',
    context: tls({ 'aws:SourceOrgID': ORG, 'aws:SourceAccount': SENDING_ACCOUNT }),
    identityPolicies: [],
  }),
  doc13('An outsider role with kms:* in its own account decrypts', 'Denied', { principal: session(OUTSIDER, 'attacker'), identityPolicies: [KMS_ADMIN] }),
  doc13('adminPrincipalArns [key-admin]: the key admin schedules key deletion without an identity policy', 'Allowed', {
    principal: session(LOGS_ACCOUNT, KEY_ADMIN),
    action: 'kms:ScheduleKeyDeletion',
    identityPolicies: [],
    resourcePolicy: namedAdminsKey,
  }),
  doc13('adminPrincipalArns [key-admin]: the key admin decrypts without an identity policy (administration is not use)', 'Denied', {
    principal: session(LOGS_ACCOUNT, KEY_ADMIN),
    identityPolicies: [],
    resourcePolicy: namedAdminsKey,
  }),
  doc13('adminPrincipalArns [key-admin]: another role with kms:* schedules key deletion', 'Denied', {
    principal: session(LOGS_ACCOUNT, 'platform-admin'),
    action: 'kms:ScheduleKeyDeletion',
    identityPolicies: [KMS_ADMIN],
    resourcePolicy: namedAdminsKey,
  }),
  doc13('adminPrincipalArns [key-admin]: a role with an identity policy still decrypts (use stays delegated)', 'Allowed', { resourcePolicy: namedAdminsKey }),
];

// ---- 14 log destination -----------------------------------------------------------------------

const accountsDestination = logDestinationPolicy({
  partition: 'aws',
  region: REGION,
  accountId: LOGS_ACCOUNT,
  destinationName: DESTINATION,
  senderAccountIds: DESTINATION_SENDERS,
});
const orgDestination = logDestinationPolicy({
  partition: 'aws',
  region: REGION,
  accountId: LOGS_ACCOUNT,
  destinationName: DESTINATION,
  senderAccountIds: DESTINATION_SENDERS,
  organizationId: ORG,
});
const doc14 = family('14 log destination', {
  principal: session(SENDING_ACCOUNT, 'log-admin'),
  action: 'logs:PutSubscriptionFilter',
  resource: destinationArn(DESTINATION),
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  identityPolicies: [LOGS_ADMIN],
  resourcePolicy: accountsDestination,
});

const document14: EvaluationCase[] = [
  doc14('accounts mode: a role of the sender account subscribes to the destination', 'Allowed'),
  doc14('accounts mode: a role of an outsider account subscribes', 'Denied', { principal: session(OUTSIDER, 'log-admin') }),
  doc14('accounts mode: a role of the SIEM account subscribes', 'Denied', { principal: session(SIEM_ACCOUNT, 'log-admin') }),
  doc14('accounts mode: a role of the sender account without its own logs permissions subscribes', 'Denied', { identityPolicies: [] }),
  doc14('accounts mode: a role of the sender account subscribes to another destination', 'Denied', { resource: destinationArn('billing-destination') }),
  doc14('accounts mode: a role of the sender account deletes the destination (not granted)', 'Denied', { action: 'logs:DeleteDestination' }),
  doc14('accounts mode: a role of the sender account replaces the destination policy (not granted)', 'Denied', { action: 'logs:PutDestinationPolicy' }),
  doc14('accounts mode: a role of an organization member the destination does not list subscribes', 'Denied', {
    principal: session(UNLISTED_MEMBER, 'log-admin'),
    context: tls({ 'aws:PrincipalOrgID': ORG }),
  }),
  doc14('organizationId guard: a role of the listed sender account, a member of the organization, subscribes', 'Allowed', {
    context: tls({ 'aws:PrincipalOrgID': ORG }),
    resourcePolicy: orgDestination,
  }),
  doc14('organizationId guard: a role of the listed sender account, now in another organization, subscribes', 'Denied', {
    context: tls({ 'aws:PrincipalOrgID': OTHER_ORG }),
    resourcePolicy: orgDestination,
  }),
  doc14('organizationId guard: a role of the listed sender account, in no organization (no aws:PrincipalOrgID), subscribes', 'Denied', {
    resourcePolicy: orgDestination,
  }),
  doc14('organizationId guard: a role of an unlisted member account of the organization subscribes (the organization never widens the list)', 'Denied', {
    principal: session(UNLISTED_MEMBER, 'log-admin'),
    context: tls({ 'aws:PrincipalOrgID': ORG }),
    resourcePolicy: orgDestination,
  }),
  doc14('organizationId guard: a role of another organization subscribes', 'Denied', {
    principal: session(OUTSIDER, 'log-admin'),
    context: tls({ 'aws:PrincipalOrgID': OTHER_ORG }),
    resourcePolicy: orgDestination,
  }),
  doc14('organizationId guard: a role of the listed sender account, a member, deletes the destination (not granted)', 'Denied', {
    action: 'logs:DeleteDestination',
    context: tls({ 'aws:PrincipalOrgID': ORG }),
    resourcePolicy: orgDestination,
  }),
];

// ---- 15 export bucket key statements (for a customer managed key the toolkit does not manage) ----

/** The account's key policy: AWS's default (IAM decides) plus the statements the toolkit asks for. */
const exportKey = (access: ExportBucketPolicyProps['access']): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    ...defaultKeyPolicy(LOGS_ACCOUNT).Statement,
    ...exportKeyPolicy({ partition: 'aws', region: REGION, bucketName: EXPORT_BUCKET, prefix: EXPORT_PREFIX, access }).Statement,
  ],
});
const sameAccountKey = exportKey({ mode: 'same-account', accountId: LOGS_ACCOUNT });
const roleKey = exportKey({ mode: 'cross-account-role', sendingAccountId: SENDING_ACCOUNT, roleName: ROLE });
const doc15 = family('15 export bucket key statements', {
  principal: LOGS_PRINCIPAL,
  action: 'kms:GenerateDataKey',
  resource: EXPORT_KEY,
  resourceAccount: LOGS_ACCOUNT,
  context: exportService(LOGS_ACCOUNT, {}),
  identityPolicies: [],
  resourcePolicy: sameAccountKey,
});
/** The sending role's GetObject of an exported object, as S3 asks KMS to decrypt it. */
const senderDecrypt = (change: Partial<Request> = {}): Partial<Request> => ({
  principal: session(SENDING_ACCOUNT, ROLE),
  action: 'kms:Decrypt',
  context: tls({ 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': bucketArn(EXPORT_BUCKET) }),
  identityPolicies: [keyedSenderCollector],
  resourcePolicy: roleKey,
  engineUnrecognizedContextKeys: ['kms:EncryptionContext:aws:s3:arn'],
  ...change,
});

const document15: EvaluationCase[] = [
  doc15('CloudWatch Logs gets a data key for an export task of the bucket account', 'Allowed'),
  doc15('CloudWatch Logs decrypts for an export task of the bucket account (multipart writes)', 'Allowed', { action: 'kms:Decrypt' }),
  doc15('CloudWatch Logs gets a data key for an export task of an outsider account', 'Denied', { context: exportService(OUTSIDER, {}) }),
  doc15('CloudWatch Logs gets a data key with no aws:SourceArn', 'Denied', { context: without(exportService(LOGS_ACCOUNT, {}), 'aws:SourceArn') }),
  doc15('CloudWatch Logs of another region gets a data key', 'Denied', { principal: 'logs.us-west-2.amazonaws.com' }),
  doc15('CloudWatch Logs re-encrypts with the key (not granted)', 'Denied', { action: 'kms:ReEncryptTo' }),
  doc15('Cross-account role: CloudWatch Logs gets a data key for an export task of the sending account', 'Allowed', {
    context: exportService(SENDING_ACCOUNT, {}),
    resourcePolicy: roleKey,
  }),
  doc15('Cross-account role: CloudWatch Logs gets a data key for the bucket account (only the sender exports)', 'Denied', { resourcePolicy: roleKey }),
  doc15('Cross-account role: the sending role decrypts an exported object through S3 of the bucket', 'Allowed', senderDecrypt()),
  doc15(
    'Cross-account role: the sending role decrypts with an object of the prefix as context (no Bucket Key)',
    'Allowed',
    senderDecrypt({
      context: tls({ 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': EXPORTED }),
    }),
  ),
  doc15(
    'Cross-account role: the sending role decrypts an object of another bucket',
    'Denied',
    senderDecrypt({
      context: tls({ 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': bucketArn('acme-other-bucket') }),
    }),
  ),
  doc15(
    'Cross-account role: the sending role decrypts through SQS',
    'Denied',
    senderDecrypt({
      context: tls({ 'kms:ViaService': 'sqs.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': bucketArn(EXPORT_BUCKET) }),
    }),
  ),
  doc15(
    'Cross-account role: another role of the sending account with the same identity policy decrypts',
    'Denied',
    senderDecrypt({ principal: session(SENDING_ACCOUNT, 'ci-deployer') }),
  ),
  doc15('Cross-account role: the sending role gets a data key (not granted)', 'Denied', senderDecrypt({ action: 'kms:GenerateDataKey' })),
  doc15('Cross-account role: the sending role decrypts without an identity policy of its own', 'Denied', senderDecrypt({ identityPolicies: [] })),
];

// ---- 16 collector state table -----------------------------------------------------------------

const STATE_TABLE = 'cwl-siem-kinesis-state';
const STATE_KEY = STREAM_KEY;
const tableArn = (name: string, region = REGION, account = LOGS_ACCOUNT): string => `arn:aws:dynamodb:${region}:${account}:table/${name}`;
const statePolicy = identity(
  'collector-state',
  collectorStatePolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, tableName: STATE_TABLE, kmsKeyArn: STATE_KEY }),
);
const doc16 = family('16 collector state table', {
  principal: session(LOGS_ACCOUNT, 'cwl-kinesis-collector'),
  action: 'dynamodb:UpdateItem',
  resource: tableArn(STATE_TABLE),
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  // The reader holds its stream policy beside the state policy, as the toolkit attaches both.
  identityPolicies: [reader, statePolicy],
});
const viaDynamodb = tls({ 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' });
const decryptStateKey = { action: 'kms:Decrypt', resource: STATE_KEY, context: viaDynamodb, resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT) };

const document16: EvaluationCase[] = [
  ...['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'].map((action) =>
    doc16(`The collector calls ${action} on its state table`, 'Allowed', { action }),
  ),
  doc16('The collector updates an item of another table', 'Denied', { resource: tableArn('orders') }),
  doc16('The collector updates an item of a table of the same name in another region', 'Denied', { resource: tableArn(STATE_TABLE, 'eu-west-1') }),
  doc16('The collector queries an index of its table (no index is granted)', 'Denied', {
    action: 'dynamodb:Query',
    resource: `${tableArn(STATE_TABLE)}/index/LeaseOwnerToLeaseKeyIndex`,
  }),
  doc16('The collector queries its table (not a call it makes)', 'Denied', { action: 'dynamodb:Query' }),
  doc16('The collector writes a batch (not a call it makes)', 'Denied', { action: 'dynamodb:BatchWriteItem' }),
  doc16('The collector creates a table', 'Denied', { action: 'dynamodb:CreateTable', resource: tableArn('cwl-siem-new') }),
  doc16('The collector deletes its table', 'Denied', { action: 'dynamodb:DeleteTable' }),
  doc16('The collector turns off deletion protection of its table (UpdateTable)', 'Denied', { action: 'dynamodb:UpdateTable' }),
  doc16('The collector turns off point-in-time recovery of its table', 'Denied', { action: 'dynamodb:UpdateContinuousBackups' }),
  doc16('The export collector (its own policies, not the state policy) updates an item of the table', 'Denied', {
    principal: session(LOGS_ACCOUNT, 'cwl-export-collector'),
    identityPolicies: [
      identity(
        'export-collector',
        exportCollectorPolicy({ partition: 'aws', region: REGION, accountId: LOGS_ACCOUNT, bucketName: EXPORT_BUCKET, prefix: EXPORT_PREFIX }),
      ),
    ],
  }),
  doc16('A reader role with the stream policy alone (no state table) updates an item of the table', 'Denied', { identityPolicies: [reader] }),
  doc16("A principal of another account with the collector's policy updates an item of the table (no resource policy admits it)", 'Denied', {
    principal: session(OUTSIDER, 'cwl-kinesis-collector'),
  }),
  doc16('The collector decrypts with the table key through DynamoDB (reading or writing items)', 'Allowed', decryptStateKey),
  doc16('The collector decrypts with the table key through DynamoDB of another region', 'Denied', {
    ...decryptStateKey,
    context: tls({ 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' }),
  }),
  doc16('The collector decrypts with the table key through S3 (wrong kms:ViaService)', 'Denied', {
    ...decryptStateKey,
    identityPolicies: [statePolicy],
    context: tls({ 'kms:ViaService': 's3.us-east-1.amazonaws.com' }),
  }),
  doc16('The collector decrypts with the table key directly (no kms:ViaService)', 'Denied', {
    ...decryptStateKey,
    identityPolicies: [statePolicy],
    context: tls(),
  }),
  doc16('The collector decrypts with another key through DynamoDB', 'Denied', { ...decryptStateKey, resource: OTHER_KEY }),
  doc16('The collector gets a data key of the table key (DynamoDB does that for the table, not for its callers)', 'Denied', {
    ...decryptStateKey,
    action: 'kms:GenerateDataKey',
  }),
  doc16('The collector creates a grant on the table key (only who creates the table needs it)', 'Denied', { ...decryptStateKey, action: 'kms:CreateGrant' }),
];

// ---- 17 collector execution role ----------------------------------------------------------------

// The identity ECS uses to start the deployed collector's task: pull its image, write its log stream, inject its secrets.
const EXECUTION_ROLE = 'cwl-siem-collector-execution';
const COLLECTOR_LOG_GROUP = '/cwl-siem/collector';
const COLLECTOR_REPOSITORY = `arn:aws:ecr:${REGION}:${LOGS_ACCOUNT}:repository/cwl-siem-collector`;
const HEC_SECRET = `arn:aws:secretsmanager:${REGION}:${LOGS_ACCOUNT}:secret:cwl-siem/hec-token-AbCdEf`;
const CA_SECRET = `arn:aws:secretsmanager:${REGION}:${LOGS_ACCOUNT}:secret:cwl-siem/ca-bundle-Gh1jKl`;
const PASSWORD_PARAMETER = `arn:aws:ssm:${REGION}:${LOGS_ACCOUNT}:parameter/cwl-siem/syslog-password`;
const SECRETS_KEY = CENTRAL_KEY;
const TASK_LOG_STREAM = `${logGroup(LOGS_ACCOUNT, COLLECTOR_LOG_GROUP)}:log-stream:collector/collector/0123456789abcdef`;
const executionPolicy = identity(
  'collector-execution',
  collectorExecutionPolicy({
    partition: 'aws',
    region: REGION,
    accountId: LOGS_ACCOUNT,
    logGroupName: COLLECTOR_LOG_GROUP,
    image: `${LOGS_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/cwl-siem-collector:1.4.0`,
    secretArns: [HEC_SECRET, CA_SECRET, PASSWORD_PARAMETER],
    secretsKmsKeyArn: SECRETS_KEY,
  }),
);
const doc17 = family('17 collector execution role', {
  principal: session(LOGS_ACCOUNT, EXECUTION_ROLE),
  action: 'secretsmanager:GetSecretValue',
  resource: HEC_SECRET,
  resourceAccount: LOGS_ACCOUNT,
  context: tls(),
  identityPolicies: [executionPolicy],
});
const decryptSecrets = (via?: string, resource = SECRETS_KEY): Partial<Request> => ({
  action: 'kms:Decrypt',
  resource,
  resourcePolicy: defaultKeyPolicy(LOGS_ACCOUNT),
  context: tls(via === undefined ? {} : { 'kms:ViaService': via }),
});
const assumeExecution = (context: Context, principal = 'ecs-tasks.amazonaws.com'): Partial<Request> => ({
  principal,
  action: 'sts:AssumeRole',
  resource: roleArn(LOGS_ACCOUNT, EXECUTION_ROLE),
  identityPolicies: [],
  resourcePolicy: ecsTasksTrustPolicy({ partition: 'aws', accountId: LOGS_ACCOUNT }),
  context: tls(context),
});

const document17: EvaluationCase[] = [
  doc17('ECS reads the HEC token secret', 'Allowed'),
  doc17('ECS reads the CA bundle secret', 'Allowed', { resource: CA_SECRET }),
  doc17('ECS reads the syslog password parameter', 'Allowed', { action: 'ssm:GetParameters', resource: PASSWORD_PARAMETER }),
  doc17('ECS creates the task log stream in the collector log group', 'Allowed', { action: 'logs:CreateLogStream', resource: TASK_LOG_STREAM }),
  doc17('ECS puts the container output into its stream', 'Allowed', { action: 'logs:PutLogEvents', resource: TASK_LOG_STREAM }),
  doc17('ECS gets an ECR authorization token', 'Allowed', { action: 'ecr:GetAuthorizationToken', resource: '*' }),
  doc17('ECS pulls the image from its repository', 'Allowed', { action: 'ecr:BatchGetImage', resource: COLLECTOR_REPOSITORY }),
  doc17('ECS downloads a layer of the image', 'Allowed', { action: 'ecr:GetDownloadUrlForLayer', resource: COLLECTOR_REPOSITORY }),
  doc17('ECS decrypts a secret with the secrets key through Secrets Manager', 'Allowed', decryptSecrets('secretsmanager.us-east-1.amazonaws.com')),
  doc17('ECS decrypts a SecureString parameter with the secrets key through SSM', 'Allowed', decryptSecrets('ssm.us-east-1.amazonaws.com')),
  doc17('ECS reads another secret of the account', 'Denied', { resource: `arn:aws:secretsmanager:${REGION}:${LOGS_ACCOUNT}:secret:prod/db-password-Zz9Yy8` }),
  doc17('ECS reads a secret whose name only starts like a declared one', 'Denied', { resource: `${HEC_SECRET}-old` }),
  doc17('ECS reads a secret of the same name in another region', 'Denied', { resource: HEC_SECRET.replace(REGION, 'eu-west-1') }),
  doc17('ECS reads another parameter', 'Denied', { action: 'ssm:GetParameters', resource: `arn:aws:ssm:${REGION}:${LOGS_ACCOUNT}:parameter/prod/db-password` }),
  doc17('ECS reads the declared parameter with GetParameter (not the call ECS makes)', 'Denied', { action: 'ssm:GetParameter', resource: PASSWORD_PARAMETER }),
  doc17('ECS reads a parameter named like the HEC token secret (only the declared parameter is granted)', 'Denied', {
    action: 'ssm:GetParameters',
    resource: `arn:aws:ssm:${REGION}:${LOGS_ACCOUNT}:parameter/cwl-siem/hec-token`,
  }),
  doc17('ECS changes a declared secret', 'Denied', { action: 'secretsmanager:PutSecretValue' }),
  doc17('ECS decrypts with the secrets key directly (no kms:ViaService)', 'Denied', decryptSecrets()),
  doc17('ECS decrypts with the secrets key through S3', 'Denied', decryptSecrets('s3.us-east-1.amazonaws.com')),
  doc17('ECS decrypts with the secrets key through Secrets Manager of another region', 'Denied', decryptSecrets('secretsmanager.eu-west-1.amazonaws.com')),
  doc17('ECS decrypts with another key through Secrets Manager', 'Denied', decryptSecrets('secretsmanager.us-east-1.amazonaws.com', OTHER_KEY)),
  doc17('ECS writes a log stream of another log group', 'Denied', {
    action: 'logs:PutLogEvents',
    resource: `${logGroup(LOGS_ACCOUNT, '/app/api')}:log-stream:collector/collector/0123456789abcdef`,
  }),
  doc17('ECS creates a log group', 'Denied', { action: 'logs:CreateLogGroup', resource: logGroup(LOGS_ACCOUNT, '/cwl-siem/other') }),
  doc17('ECS pulls an image of another repository', 'Denied', {
    action: 'ecr:BatchGetImage',
    resource: `arn:aws:ecr:${REGION}:${LOGS_ACCOUNT}:repository/other`,
  }),
  doc17('ECS pushes to its repository', 'Denied', { action: 'ecr:PutImage', resource: COLLECTOR_REPOSITORY }),
  doc17('ECS tasks of the account assume the role', 'Allowed', assumeExecution({ 'aws:SourceAccount': LOGS_ACCOUNT })),
  doc17(
    "ECS tasks of another account assume the role (a task definition naming this role's ARN)",
    'Denied',
    assumeExecution({ 'aws:SourceAccount': OUTSIDER }),
  ),
  doc17('ecs-tasks.amazonaws.com assumes the role without aws:SourceAccount', 'Denied', assumeExecution({})),
  doc17('Lambda (lambda.amazonaws.com) assumes the role', 'Denied', assumeExecution({ 'aws:SourceAccount': LOGS_ACCOUNT }, 'lambda.amazonaws.com')),
];

export const cases: readonly EvaluationCase[] = [
  ...document1,
  ...document2.map(asCaller),
  ...document3.map(asCaller),
  ...document4,
  ...document5.map(asCaller),
  ...document6,
  ...document7,
  ...document8,
  ...document9.map(asCaller),
  ...document10.map(asCaller),
  ...document11,
  ...document12,
  ...document13.map(asCaller),
  ...document14,
  ...document15.map(asCaller),
  ...document16.map(asCaller),
  ...document17.map(asCaller),
];

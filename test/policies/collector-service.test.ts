import {
  collectorExecutionPolicy,
  CollectorExecutionPolicyProps,
  ecsTasksTrustPolicy,
  parseImageReference,
  PolicyInputError,
  policyProblems,
  renderPolicy,
} from '../../policies';
import { CONTAINER_LOG_WRITE, ECR_PULL, PARAMETER_READ, SECRET_VALUE_READ } from '../../policies/perms';

/**
 * The task execution role of the deployed collector (document 17): its trust and its policy as the
 * library renders them, and their input checks.
 */

const A = '111111111111';
const REGION = 'us-east-1';
const LOG_GROUP = '/cwl-siem/collector';
const IMAGE = `${A}.dkr.ecr.${REGION}.amazonaws.com/cwl-siem-collector:1.4.0`;
const REPOSITORY = `arn:aws:ecr:${REGION}:${A}:repository/cwl-siem-collector`;
const HEC_SECRET = `arn:aws:secretsmanager:${REGION}:${A}:secret:cwl-siem/hec-token-AbCdEf`;
const CA_SECRET = `arn:aws:secretsmanager:${REGION}:${A}:secret:cwl-siem/ca-bundle-Gh1jKl`;
const PASSWORD_PARAMETER = `arn:aws:ssm:${REGION}:${A}:parameter/cwl-siem/syslog-password`;
const KEY = `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const base: CollectorExecutionPolicyProps = {
  partition: 'aws',
  region: REGION,
  accountId: A,
  logGroupName: LOG_GROUP,
  image: IMAGE,
  secretArns: [HEC_SECRET, CA_SECRET, PASSWORD_PARAMETER],
  secretsKmsKeyArn: KEY,
};

describe('parseImageReference', () => {
  test('splits registry, repository and tag or digest; an ECR registry gives its account, region and repository ARN', () => {
    expect(parseImageReference(IMAGE)).toEqual({
      registry: `${A}.dkr.ecr.${REGION}.amazonaws.com`,
      repository: 'cwl-siem-collector',
      tag: '1.4.0',
      ecr: { accountId: A, region: REGION, repositoryArn: REPOSITORY },
    });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`${A}.dkr.ecr.cn-north-1.amazonaws.com.cn/team/collector@${digest}`)).toEqual({
      registry: `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
      repository: 'team/collector',
      digest,
      ecr: { accountId: A, region: 'cn-north-1', repositoryArn: `arn:aws-cn:ecr:cn-north-1:${A}:repository/team/collector` },
    });
    expect(parseImageReference('ghcr.io/acme/cwl-siem-collector:1.4.0')).toEqual({ registry: 'ghcr.io', repository: 'acme/cwl-siem-collector', tag: '1.4.0' });
    expect(parseImageReference('public.ecr.aws/acme/collector:1')?.ecr).toBeUndefined();
  });

  test('refuses a reference without tag or digest, with both, or with an uppercase repository', () => {
    for (const bad of ['cwl-siem-collector', `cwl-siem-collector:1@sha256:${'a'.repeat(64)}`, 'Acme/Collector:1', 'collector:', 'collector@sha256:abc']) {
      expect(parseImageReference(bad)).toBeUndefined();
    }
  });
});

describe('collectorExecutionPolicy', () => {
  test('pulls from its ECR repository, writes its log streams, reads exactly the declared secrets and parameters, decrypts through their services', () => {
    const doc = collectorExecutionPolicy(base);
    expect(doc.Statement).toEqual([
      { Sid: 'PullImageAuthorization', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Sid: 'PullImage', Effect: 'Allow', Action: [...ECR_PULL], Resource: REPOSITORY },
      {
        Sid: 'WriteCollectorLogs',
        Effect: 'Allow',
        Action: [...CONTAINER_LOG_WRITE],
        Resource: `arn:aws:logs:${REGION}:${A}:log-group:${LOG_GROUP}:log-stream:*`,
      },
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: SECRET_VALUE_READ[0], Resource: [HEC_SECRET, CA_SECRET] },
      { Sid: 'ReadParameters', Effect: 'Allow', Action: PARAMETER_READ[0], Resource: PASSWORD_PARAMETER },
      {
        Sid: 'DecryptSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY,
        Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.us-east-1.amazonaws.com', 'ssm.us-east-1.amazonaws.com'] } },
      },
    ]);
    expect(policyProblems(doc, 'identity', 'aws')).toEqual([]);
  });

  test('an image of another registry gets no ECR grant; no secrets, no secret or key statement; a repeated ARN is granted once', () => {
    expect(collectorExecutionPolicy({ ...base, image: 'ghcr.io/acme/cwl-siem-collector:1.4.0', secretArns: [] }).Statement.map((s) => s.Sid)).toEqual([
      'WriteCollectorLogs',
    ]);
    expect(collectorExecutionPolicy({ ...base, secretArns: [HEC_SECRET, HEC_SECRET], secretsKmsKeyArn: undefined }).Statement.slice(3)).toEqual([
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: HEC_SECRET },
    ]);
  });

  test('Decrypt goes through the services and regions of the declared secrets only; a key reference stays as is', () => {
    const west = `arn:aws:ssm:eu-west-1:${A}:parameter/cwl-siem/token`;
    const doc = collectorExecutionPolicy({ ...base, secretArns: [west], secretsKmsKeyArn: '${aws_kms_key.secrets.arn}' });
    expect(doc.Statement.at(-1)).toEqual({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '${aws_kms_key.secrets.arn}',
      Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } },
    });
  });

  test('China: ARNs and service names of the partition', () => {
    const doc = collectorExecutionPolicy({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: A,
      logGroupName: LOG_GROUP,
      image: `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn/cwl-siem-collector:1`,
      secretArns: [`arn:aws-cn:secretsmanager:cn-north-1:${A}:secret:hec-AbCdEf`],
      secretsKmsKeyArn: `arn:aws-cn:kms:cn-north-1:${A}:key/k-1`,
    });
    expect(doc.Statement.map((s) => s.Resource)).toEqual([
      '*',
      `arn:aws-cn:ecr:cn-north-1:${A}:repository/cwl-siem-collector`,
      `arn:aws-cn:logs:cn-north-1:${A}:log-group:${LOG_GROUP}:log-stream:*`,
      `arn:aws-cn:secretsmanager:cn-north-1:${A}:secret:hec-AbCdEf`,
      `arn:aws-cn:kms:cn-north-1:${A}:key/k-1`,
    ]);
    expect(doc.Statement.at(-1)?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.cn-north-1.amazonaws.com.cn' } });
  });

  test('bad inputs are reported together, each with what was expected', () => {
    let error: unknown;
    try {
      collectorExecutionPolicy({
        ...base,
        region: 'us-east-7',
        logGroupName: 'has space',
        image: 'collector',
        secretArns: ['hec-token', `arn:aws-cn:secretsmanager:cn-north-1:${A}:secret:x-AbCdEf`, '${aws_secretsmanager_secret.x.arn}'],
        secretsKmsKeyArn: 'alias/secrets',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyInputError);
    expect((error as PolicyInputError).problems.map((p) => [p.param, p.value])).toEqual([
      ['region', 'us-east-7'],
      ['logGroupName', 'has space'],
      ['image', 'collector'],
      ['secretArns[0]', 'hec-token'],
      ['secretArns[1]', `arn:aws-cn:secretsmanager:cn-north-1:${A}:secret:x-AbCdEf`],
      ['secretArns[2]', '${aws_secretsmanager_secret.x.arn}'],
      ['secretsKmsKeyArn', 'alias/secrets'],
    ]);
    expect((error as Error).message).toContain('secretArns[0]: got "hec-token"; expected a literal Secrets Manager secret ARN');
    expect(() => collectorExecutionPolicy({ ...base, image: `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn/c:1` })).toThrow(
      /image: got .*; expected an ECR registry of partition aws: ECS does not pull across partitions/,
    );
  });
});

describe('ecsTasksTrustPolicy', () => {
  test('ecs-tasks.amazonaws.com acting for this account only', () => {
    expect(JSON.parse(renderPolicy(ecsTasksTrustPolicy({ partition: 'aws-cn', accountId: A })))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EcsTasksAssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': A } },
        },
      ],
    });
    expect(() => ecsTasksTrustPolicy({ partition: 'aws', accountId: '1' })).toThrow(/accountId: got "1"/);
  });
});

// The requests against document 17, evaluated with the IAM policy engine, are in evaluation-cases.ts.

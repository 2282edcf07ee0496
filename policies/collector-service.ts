import { logStreamArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { Partition, partitionOfRegion, viaService } from './partitions';
import * as perms from './perms';
import { ECS_TASKS_PRINCIPAL } from './statements';
import { PolicyDocument, Statement } from './types';

/**
 * The collector's task on ECS Fargate (document 17): the trust and the policy of its task execution
 * role, the identity ECS itself uses to start the task (pull the image, write the container's log
 * stream, read the secrets it injects). The collector's own calls use the task role, which is the
 * path's collector role and is not rendered here.
 */

// An image reference as Docker spells it: [registry/]path[:tag][@digest] (here exactly one of tag and digest).
const REGISTRY = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\\d{1,5})?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE = new RegExp(`^(?:(${REGISTRY})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(sha256:[a-f0-9]{64}))$`);
/** A private ECR registry: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`. */
const ECR_REGISTRY = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** An image reference, split. */
export interface ImageReference {
  /** Registry host (and port); absent for Docker Hub's short form (`node:20`). */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** When the registry is a private ECR registry: its account, region, and the repository's ARN. */
  readonly ecr?: { readonly accountId: string; readonly region: string; readonly repositoryArn: string };
}

/**
 * Splits an image reference (`<registry>/<repository>:<tag>` or `...@sha256:<64 hex>`, exactly one of
 * tag and digest); undefined when it is none. The partition of an ECR registry follows its host
 * (`amazonaws.com.cn` is China), so its repository ARN can be named in a policy.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  const m = IMAGE.exec(image);
  if (!m) return undefined;
  const [, registry, repository, tag, digest] = m;
  const ecr = registry === undefined ? null : ECR_REGISTRY.exec(registry);
  const region = ecr?.[2];
  const partition = region === undefined ? undefined : partitionOfRegion(region);
  return {
    ...(registry !== undefined && { registry }),
    repository,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
    ...(ecr &&
      partition && {
        ecr: { accountId: ecr[1], region: ecr[2], repositoryArn: `arn:${partition}:ecr:${ecr[2]}:${ecr[1]}:repository/${repository}` },
      }),
  };
}

/** What ECS can inject as a container secret: a Secrets Manager secret (whole) or an SSM parameter, by ARN. */
export interface SecretReference {
  readonly service: 'secretsmanager' | 'ssm';
  readonly region: string;
  readonly accountId: string;
  readonly arn: string;
}

const SECRET_ARN = /^arn:([\w-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const PARAMETER_ARN = /^arn:([\w-]+):ssm:([a-z0-9-]+):(\d{12}):parameter\/[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,1010}$/;

/** The service, region and account of a secret ARN of the partition; undefined when it is none. */
export function parseSecretArn(partition: Partition, arn: string): SecretReference | undefined {
  for (const [service, pattern] of [
    ['secretsmanager', SECRET_ARN],
    ['ssm', PARAMETER_ARN],
  ] as const) {
    const m = pattern.exec(arn);
    if (m && m[1] === partition && partitionOfRegion(m[2]) === partition) return { service, region: m[2], accountId: m[3], arn };
  }
  return undefined;
}

export interface EcsTasksTrustPolicyProps {
  readonly partition: Partition;
  /** Account whose ECS tasks may assume the role (the role's own account). */
  readonly accountId: string;
}

/**
 * Trust policy of a task execution role: `ecs-tasks.amazonaws.com` acting for this account only
 * (`aws:SourceAccount`, the confused-deputy guard), so no other account's task definition can use it.
 */
export function ecsTasksTrustPolicy(props: EcsTasksTrustPolicyProps): PolicyDocument {
  const fn = 'ecsTasksTrustPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const account = check.accountId('accountId', props.accountId);
  check.done();
  return finishDocument(fn, 'trust', partition, [
    {
      Sid: 'EcsTasksAssumeRole',
      Effect: 'Allow',
      Principal: { Service: ECS_TASKS_PRINCIPAL },
      Action: perms.ASSUME_ROLE,
      Condition: { StringEquals: { 'aws:SourceAccount': account } },
    },
  ]);
}

export interface CollectorExecutionPolicyProps {
  readonly partition: Partition;
  /** Region of the task and of its log group (the stack's). */
  readonly region: string;
  /** Account of the task and of its log group. */
  readonly accountId: string;
  /** The collector's log group, which the container's `awslogs` driver writes to. */
  readonly logGroupName: string;
  /**
   * The image reference of the task (`<registry>/<repository>:<tag>` or `...@sha256:<64 hex>`). A
   * private ECR image gets the ECR pull grant on its repository; any other registry gets none (a public
   * image needs no credentials).
   */
  readonly image: string;
  /**
   * ARNs of the Secrets Manager secrets and SSM parameters injected as container `secrets`, literal
   * (their ARN decides which call and which statement grant them).
   * @default none
   */
  readonly secretArns?: readonly string[];
  /**
   * Customer managed key the secrets (or SecureString parameters) are encrypted with, ARN or
   * Terraform reference: `kms:Decrypt` through Secrets Manager and SSM of the secrets' regions only.
   * Used only with `secretArns` (nothing to decrypt otherwise).
   * @default no key statement (AWS managed keys need no grant)
   */
  readonly secretsKmsKeyArn?: string;
}

/**
 * Identity policy of the collector's task execution role (document 17): with a private ECR image,
 * `ecr:GetAuthorizationToken` (no resource-level permissions, so `*`) and the layer and image reads
 * on that one repository; `logs:CreateLogStream`/`PutLogEvents` on the streams of the collector's log
 * group only; `secretsmanager:GetSecretValue` and `ssm:GetParameters` on exactly the declared ARNs;
 * `kms:Decrypt` on the secrets' key only through those services.
 */
export function collectorExecutionPolicy(props: CollectorExecutionPolicyProps): PolicyDocument {
  const fn = 'collectorExecutionPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const logGroup = check.logGroupName('logGroupName', props.logGroupName);
  const image = typeof props.image === 'string' ? parseImageReference(props.image) : undefined;
  check.require(
    image !== undefined,
    'image',
    props.image,
    'an image reference with exactly one of tag and digest, such as 111122223333.dkr.ecr.us-east-1.amazonaws.com/cwl-siem-collector:1.4.0 or ...@sha256:<64 hex digits>',
  );
  const ecrPartition = image?.ecr && partitionOfRegion(image.ecr.region);
  check.require(
    !image?.ecr || ecrPartition === partition,
    'image',
    props.image,
    `an ECR registry of partition ${partition}: ECS does not pull across partitions`,
  );
  const secretArns = props.secretArns ?? [];
  const secrets = Array.isArray(secretArns)
    ? secretArns.map((arn, i) => {
        const secret = typeof arn === 'string' ? parseSecretArn(partition, arn) : undefined;
        check.require(
          secret !== undefined,
          `secretArns[${i}]`,
          arn,
          `a literal Secrets Manager secret ARN (arn:${partition}:secretsmanager:<region>:<account>:secret:<name>-<6 characters>) or SSM parameter ARN (arn:${partition}:ssm:<region>:<account>:parameter/<name>)`,
        );
        return secret;
      })
    : [];
  check.require(Array.isArray(secretArns), 'secretArns', secretArns, 'a list of secret ARNs');
  const key = props.secretsKmsKeyArn === undefined ? undefined : check.arnOrReference('secretsKmsKeyArn', props.secretsKmsKeyArn, partition, 'kms');
  check.done();

  const statements: Statement[] = [];
  if (image?.ecr) {
    // GetAuthorizationToken supports no resource-level permissions: its Resource must be "*".
    statements.push({ Sid: 'PullImageAuthorization', Effect: 'Allow', Action: perms.ECR_AUTHORIZATION, Resource: '*' });
    statements.push({ Sid: 'PullImage', Effect: 'Allow', Action: perms.ECR_PULL, Resource: image.ecr.repositoryArn });
  }
  statements.push({
    Sid: 'WriteCollectorLogs',
    Effect: 'Allow',
    Action: perms.CONTAINER_LOG_WRITE,
    Resource: logStreamArn(partition, region, account, logGroup, '*'),
  });
  const found = secrets.filter((s): s is SecretReference => s !== undefined);
  const of = (service: SecretReference['service']) => [...new Map(found.filter((s) => s.service === service).map((s) => [s.arn, s])).values()];
  const secretsManager = of('secretsmanager');
  const parameters = of('ssm');
  if (secretsManager.length) {
    statements.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: perms.SECRET_VALUE_READ, Resource: oneOrList(secretsManager.map((s) => s.arn)) });
  }
  if (parameters.length) {
    statements.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: perms.PARAMETER_READ, Resource: oneOrList(parameters.map((s) => s.arn)) });
  }
  if (key && found.length) {
    const via = [...new Set([...secretsManager, ...parameters].map((s) => viaService(partition, s.service, s.region)))];
    statements.push({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: perms.KMS_DECRYPT,
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': oneOrList(via) } },
    });
  }
  return finishDocument(fn, 'identity', partition, statements);
}

import { PARTITION_FACTS, partitionOfRegion, regionSuggestion } from '../policies/partitions';
import { replaceEnvRefs, envReferences } from '../collector/src/config/env';
import { CollectorConfigError, parseCollectorConfig } from '../collector/src/config/load';
import type { ConfigProblem } from '../collector/src/config/problems';
import { unknownRegionMessage } from '../collector/src/config/regions';
import { SINK_DEFAULTS } from '../collector/src/sinks/config';
import { collectorLogGroupName } from '../modules/names';
import { destinationArnOf } from './defaults';
import { CollectorDeployConfig, StackConfig, ToolkitConfig } from './types';

/**
 * Rules across fields and stacks, which JSON Schema cannot express: regions AWS has, of the stack's partition,
 * unique names, ARNs of the stack's partition and region, and the two halves of each cross-account
 * path (export bucket and sender, destination and sender, Firehose and central bucket) agreeing.
 * They run on a validated config with every default applied.
 */

/** Every rule the config breaks, each at its JSONPath. */
export function ruleProblems(config: ToolkitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const stacks = config.stacks;
  const at = (i: number, rest = '') => `$.stacks[${i}]${rest}`;
  const named = (i: number) => `stack "${stacks[i].name}" at ${at(i)}`;

  const firstByName = new Map<string, number>();
  const bucketCreators = new Map<string, string>();
  stacks.forEach((s, i) => {
    const partition = partitionOfRegion(s.region);
    if (partition !== s.partition) {
      const example = PARTITION_FACTS[s.partition].example;
      problem(
        at(i, '.region'),
        partition
          ? `must be a region of partition ${s.partition} (such as ${example}), got "${s.region}", a region of ${partition}`
          : `must be a region of partition ${s.partition} (such as ${example}), got "${s.region}", which is no region of a supported partition${regionSuggestion(s.region, s.partition)}`,
      );
    }
    if (s.backend.type === 's3') {
      const message = unknownRegionMessage(s.backend.region);
      if (message) problem(at(i, '.backend.region'), message);
    }

    const first = firstByName.get(s.name);
    if (first === undefined) firstByName.set(s.name, i);
    else problem(at(i, '.name'), `must be unique, got "${s.name}", the name of ${at(first, '.name')} too`);

    for (const [rest, bucket] of [
      ['.export.bucketName', s.export?.bucketName],
      ['.central.bucketName', s.central?.bucketName],
    ] as const) {
      if (bucket === undefined) continue;
      const other = bucketCreators.get(bucket);
      if (other) problem(at(i, rest), `must be unique (S3 bucket names are global), got "${bucket}", also created by ${other}`);
      else bucketCreators.set(bucket, at(i, rest));
    }

    // A regional ARN comes with what must be of the stack's region and why; a global one (IAM) with false.
    const KEY = `key of region ${s.region}, the stack's (KMS keys are regional)`;
    const TOPIC = `topic of region ${s.region}, the stack's (CloudWatch alarms notify topics of their own region only)`;
    const arns: [string, string | undefined, string | false][] = [
      ['.export.kmsKeyArn', s.export?.kmsKeyArn, KEY],
      ['.kinesis.kmsKeyArn', s.kinesis?.kmsKeyArn, KEY],
      ['.firehose.destination.kmsKeyArn', s.firehose?.destination.kmsKeyArn, KEY],
      ['.exportSender.bucketKmsKeyArn', s.exportSender?.bucketKmsKeyArn, KEY],
      ['.central.alarmTopicArn', s.central?.alarmTopicArn, TOPIC],
    ];
    for (const { path, deploy } of collectorDeploys(s)) {
      for (const [name, arn] of Object.entries(deploy.secrets ?? {})) arns.push([`${path}.secrets.${name}`, arn, false]);
      // A secret may live in another region (ECS takes its full ARN); so may its key.
      arns.push([`${path}.secretsKmsKeyArn`, deploy.secretsKmsKeyArn, false]);
      arns.push([`${path}.alarms.topicArn`, deploy.alarms.topicArn, TOPIC]);
      arns.push([`${path}.clusterArn`, deploy.clusterArn, `cluster of region ${s.region}, the stack's (a service runs in its cluster's region)`]);
    }
    (s.kinesis?.reader.trustedPrincipalArns ?? []).forEach((a, k) => arns.push([`.kinesis.reader.trustedPrincipalArns[${k}]`, a, false]));
    for (const [base, identity] of [
      ['.export.collector', s.export?.collector],
      ['.exportSender.identity', s.exportSender?.identity],
    ] as const) {
      if (identity?.type === 'role') identity.trustedPrincipalArns.forEach((a, k) => arns.push([`${base}.trustedPrincipalArns[${k}]`, a, false]));
    }
    for (const [rest, arn, regional] of arns) {
      if (arn === undefined) continue;
      const [, arnPartition, , arnRegion] = arn.split(':');
      if (arnPartition !== s.partition) problem(at(i, rest), `must be an ARN of partition ${s.partition}, the stack's, got "${arn}"`);
      else if (regional && arnRegion !== s.region) problem(at(i, rest), `must be a ${regional}, got "${arn}"`);
    }
    for (const { path, deploy } of collectorDeploys(s)) {
      const account = deploy.clusterArn?.split(':')[4];
      if (account !== undefined && account !== s.accountId) {
        problem(
          at(i, `${path}.clusterArn`),
          `must be a cluster of account ${s.accountId}, the stack's (the service is created in it), got "${deploy.clusterArn}"`,
        );
      }
    }
    if (s.central?.errorNotifications && s.central.queueName.length > 73) {
      problem(
        at(i, '.central.queueName'),
        `must be at most 73 characters with errorNotifications, so that its errors queue "<queueName>-errors" fits the 80 characters SQS allows, got "${s.central.queueName}" (${s.central.queueName.length} characters)`,
      );
    }

    const access = s.export?.access;
    if (s.export?.collector && access && access.mode !== 'same-account') {
      problem(
        at(i, '.export.collector'),
        `is only for export.access mode same-account, got mode ${access.mode}: with cross-account access the collector is the sending stack's exportSender.identity`,
      );
    }
    if (access && access.mode !== 'same-account' && access.sendingAccountId === s.accountId) {
      problem(
        at(i, '.export.access.sendingAccountId'),
        `must be another account than the stack's own, got "${access.sendingAccountId}"; for exports from this account use mode same-account`,
      );
    }
    if (s.exportSender && s.exportSender.bucketAccountId === s.accountId) {
      problem(
        at(i, '.exportSender.bucketAccountId'),
        `must be another account than the stack's own, got "${s.exportSender.bucketAccountId}"; for a bucket in this account use export with access mode same-account`,
      );
    }
    if (s.destination && !s.kinesis) {
      problem(at(i, '.destination'), 'needs kinesis in the same stack (the destination forwards to its stream), got no kinesis');
    }
    s.destination?.senderAccountIds.forEach((sender, k) => {
      if (sender === s.accountId) {
        problem(
          at(i, `.destination.senderAccountIds[${k}]`),
          `must be another account than the stack's own, got "${sender}"; this account's log groups subscribe to the stream directly with kinesis.subscription`,
        );
      }
    });
    if (s.firehose?.processing.extractMessages && !s.firehose.processing.decompress) {
      problem(
        at(i, '.firehose.processing.extractMessages'),
        'needs decompress true: Firehose extracts messages only from decompressed records, got decompress false',
      );
    }
    if (s.firehose?.processing.extractMessages) {
      const sub = s.firehose.subscription;
      const groups = sub.logGroupNames ?? [];
      if (sub.accountPolicy || groups.length !== 1) {
        problem(
          at(i, '.firehose.processing.extractMessages'),
          'needs exactly one subscribed log group: extracted messages lose their log group and stream, so the collector can name only the one group the stream carries; ' +
            `got ${sub.accountPolicy ? 'subscription.accountPolicy (every log group of the account)' : `${groups.length} log groups in subscription.logGroupNames`}. ` +
            'Keep the envelope (extractMessages false) or give each log group its own delivery stream',
        );
      }
    }
    if (s.kinesis && !s.kinesis.reader.create && s.kinesis.reader.trustedPrincipalArns) {
      problem(at(i, '.kinesis.reader.trustedPrincipalArns'), 'applies only to a reader role the toolkit creates, got reader.create false');
    }

    const central = s.firehose && stacks.find((c) => c.central?.bucketName === s.firehose!.destination.bucketName)?.central;
    if (s.firehose && central) {
      if (!s.firehose.prefix.startsWith(`${central.prefix}/`)) {
        problem(
          at(i, '.firehose.prefix'),
          `must start with "${central.prefix}/": the central bucket ${central.bucketName} admits deliveries only under its prefix "${central.prefix}/", got "${s.firehose.prefix}"`,
        );
      }
      if (!s.firehose.errorOutputPrefix.startsWith(`${central.prefix}-errors/`)) {
        problem(
          at(i, '.firehose.errorOutputPrefix'),
          `must start with "${central.prefix}-errors/": the central bucket ${central.bucketName} admits error output only there, got "${s.firehose.errorOutputPrefix}"`,
        );
      }
    }

    const kSub = s.kinesis?.subscription;
    const fSub = s.firehose?.subscription;
    if (kSub?.accountPolicy && fSub?.accountPolicy) {
      problem(
        at(i, '.firehose.subscription.accountPolicy'),
        "cannot be used with kinesis.subscription.accountPolicy in the same stack: an account and region has only one account-level subscription filter policy; list one path's log groups in logGroupNames instead",
      );
    }
    const dSub = s.destinationSender?.subscription;
    if (dSub?.accountPolicy) {
      const other = kSub?.accountPolicy ? 'kinesis' : fSub?.accountPolicy ? 'firehose' : undefined;
      if (other) {
        problem(
          at(i, '.destinationSender.subscription.accountPolicy'),
          `cannot be used with ${other}.subscription.accountPolicy in the same stack: an account and region has only one account-level subscription filter policy; list one path's log groups in logGroupNames instead`,
        );
      }
    }
    dSub?.logGroupNames?.forEach((group, k) => {
      const alsoBy = (['kinesis', 'firehose'] as const).filter((path) => s[path]?.subscription.logGroupNames?.includes(group));
      const sameName = alsoBy.find((path) => s[path]!.subscription.filterName === dSub.filterName);
      if (alsoBy.length === 2) {
        problem(
          at(i, `.destinationSender.subscription.logGroupNames[${k}]`),
          `is also subscribed by kinesis.subscription and firehose.subscription; a log group holds at most two subscription filters, got "${group}" in all three`,
        );
      } else if (sameName) {
        problem(
          at(i, `.destinationSender.subscription.logGroupNames[${k}]`),
          `is also subscribed by ${sameName}.subscription with the same filter name "${dSub.filterName}"; a log group's filters need distinct names: set another filterName on one of them`,
        );
      }
    });
    if (kSub?.logGroupNames && fSub?.logGroupNames && kSub.filterName === fSub.filterName) {
      fSub.logGroupNames.forEach((group, k) => {
        if (kSub.logGroupNames!.includes(group)) {
          problem(
            at(i, `.firehose.subscription.logGroupNames[${k}]`),
            `is also subscribed by kinesis.subscription with the same filter name "${fSub.filterName}"; a log group's filters need distinct names: set another filterName on one of them`,
          );
        }
      });
    }
  });

  problems.push(...collectorDeployProblems(config));

  // Collector state tables: a DynamoDB table name is unique in its account and region.
  const tables = new Map<string, string>();
  stacks.forEach((s, i) => {
    const states = [
      ['.kinesis.collector.state', s.kinesis?.collector?.state],
      ['.export.collector.state', s.export?.collector?.state],
      ['.exportSender.collector.state', s.exportSender?.collector?.state],
    ] as const;
    for (const [rest, state] of states) {
      if (!state) continue;
      const key = `${s.accountId} ${s.region} ${state.tableName}`;
      const other = tables.get(key);
      if (other === undefined) tables.set(key, at(i, rest));
      else
        problem(
          at(i, `${rest}.tableName`),
          `must be unique in account ${s.accountId} and region ${s.region} (DynamoDB table names are), got "${state.tableName}", also the table of ${other}; set another tableName on one of them`,
        );
    }
  });

  // Export: the sending stack's identity must be the one the bucket stack lets write.
  stacks.forEach((s, i) => {
    const sender = s.exportSender;
    if (!sender) return;
    const b = stacks.findIndex((o, j) => j !== i && o.export?.bucketName === sender.bucketName);
    if (b < 0) return;
    const bucketStack = stacks[b];
    const access = bucketStack.export!.access;
    if (bucketStack.accountId !== sender.bucketAccountId) {
      problem(
        at(i, '.exportSender.bucketAccountId'),
        `must be "${bucketStack.accountId}", the account of ${named(b)} that creates bucket "${sender.bucketName}", got "${sender.bucketAccountId}"`,
      );
      return;
    }
    if (bucketStack.region !== s.region) {
      problem(
        at(i, '.exportSender.bucketName'),
        `must be a bucket of region ${s.region}, the stack's: the bucket policy of ${named(b)} lets CloudWatch Logs of ${bucketStack.region} write, got "${sender.bucketName}"`,
      );
    }
    if (access.mode === 'same-account') {
      problem(
        at(i, '.exportSender.identity'),
        `cannot export to bucket "${sender.bucketName}": its ${at(b, '.export.access')} mode is same-account, which lets no other account write; use cross-account-${sender.identity.type}`,
      );
      return;
    }
    const wanted = access.mode === 'cross-account-user' ? 'user' : 'role';
    if (sender.identity.type !== wanted) {
      problem(
        at(i, '.exportSender.identity.type'),
        `must be ${wanted}, as ${at(b, '.export.access')} mode ${access.mode} expects, got ${sender.identity.type}`,
      );
    } else {
      const [field, expected, given] =
        access.mode === 'cross-account-user'
          ? ['userName', access.userName, (sender.identity as { userName: string }).userName]
          : ['roleName', access.roleName, (sender.identity as { roleName: string }).roleName];
      if (expected !== given) {
        problem(at(i, `.exportSender.identity.${field}`), `must be "${expected}", the ${field} in ${at(b, '.export.access')}, got "${given}"`);
      }
    }
    if (access.sendingAccountId !== s.accountId) {
      problem(
        at(b, '.export.access.sendingAccountId'),
        `must be "${s.accountId}", the account of ${named(i)} whose exportSender writes to this bucket, got "${access.sendingAccountId}"`,
      );
    }
    if (bucketStack.export!.prefix !== sender.prefix) {
      problem(
        at(i, '.exportSender.prefix'),
        `must be "${bucketStack.export!.prefix}", the prefix in ${at(b, '.export')} the bucket policy lets it write under, got "${sender.prefix}"`,
      );
    }
    const bucketKey = bucketStack.export!.kmsKeyArn;
    if (sender.bucketKmsKeyArn !== bucketKey) {
      problem(
        at(i, '.exportSender.bucketKmsKeyArn'),
        bucketKey === undefined
          ? `must be left out: ${at(b, '.export')} encrypts bucket "${sender.bucketName}" with SSE-S3 (no kmsKeyArn), got "${sender.bucketKmsKeyArn}"`
          : `must be "${bucketKey}", the ${at(b, '.export.kmsKeyArn')} the exported objects are encrypted with, got "${sender.bucketKmsKeyArn}"`,
      );
    }
  });

  // Firehose delivers to a central bucket of the same region.
  stacks.forEach((s, i) => {
    if (!s.firehose) return;
    const bucket = s.firehose.destination.bucketName;
    const c = stacks.findIndex((o) => o.central?.bucketName === bucket);
    if (c >= 0 && stacks[c].region !== s.region) {
      problem(
        at(i, '.firehose.destination.bucketName'),
        `must be a central bucket in region ${s.region}, the stack's, got "${bucket}" in ${stacks[c].region} (${named(c)}); deploy the source stack in the central bucket's region`,
      );
    }
  });

  // A destination sender subscribes to a destination of another account in its own partition and
  // region (the destination role's trust names CloudWatch Logs of that region), which lists it.
  stacks.forEach((s, i) => {
    const d = s.destinationSender;
    if (!d) return;
    const path = at(i, '.destinationSender.destinationArn');
    if (d.destinationArn === undefined) {
      const listing = stacks.flatMap((r, j) => (j !== i && r.destination?.senderAccountIds.includes(s.accountId) ? [named(j)] : []));
      problem(
        path,
        listing.length === 0
          ? `is missing, and no destination of this config lists ${s.accountId}, the stack's account, in its senderAccountIds; give the ARN of the destination in the receiving account, or add "${s.accountId}" to the receiving stack's destination.senderAccountIds`
          : `is missing, and ${listing.length} destinations of this config list ${s.accountId} in their senderAccountIds (${listing.join(', ')}); give the ARN of the one to subscribe to`,
      );
      return;
    }
    const [, partition, , region, account] = d.destinationArn.split(':');
    const r = stacks.findIndex((o, j) => j !== i && destinationArnOf(o) === d.destinationArn);
    const given = `got "${d.destinationArn}"${r >= 0 ? `, the destination of ${named(r)}` : ''}`;
    if (account === s.accountId) {
      problem(
        path,
        `must be a destination of another account than ${s.accountId}, the stack's own, ${given}; this account's log groups subscribe to its stream directly with kinesis.subscription`,
      );
      return;
    }
    if (partition !== s.partition) {
      problem(path, `must be a destination of partition ${s.partition}, the stack's, ${given}`);
    } else if (region !== s.region) {
      problem(
        path,
        `must be a destination of region ${s.region}, the stack's: the destination's role trusts CloudWatch Logs of its own region only, ${given} in ${region}; deploy the sender stack in ${region}`,
      );
    }
    const senders = r >= 0 ? stacks[r].destination!.senderAccountIds : undefined;
    if (senders && !senders.includes(s.accountId)) {
      problem(
        at(r, '.destination.senderAccountIds'),
        `must include "${s.accountId}", the account of ${named(i)} whose destinationSender subscribes to this destination, got ${JSON.stringify(senders)}`,
      );
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// The collector deployed on ECS Fargate (`collector.deploy` of the Kinesis, export and central paths).

/** The collector mode each path's deployed collector runs. */
export type DeployedPipeline = 'kinesis' | 'export' | 'sqs';

/** The `collector.deploy` blocks of a stack, each with its path below the stack (`.kinesis.collector.deploy`) and its mode. */
export function collectorDeploys(stack: StackConfig): { path: string; pipeline: DeployedPipeline; deploy: CollectorDeployConfig }[] {
  const out: { path: string; pipeline: DeployedPipeline; deploy: CollectorDeployConfig }[] = [];
  if (stack.kinesis?.collector?.deploy) out.push({ path: '.kinesis.collector.deploy', pipeline: 'kinesis', deploy: stack.kinesis.collector.deploy });
  if (stack.export?.collector?.deploy) out.push({ path: '.export.collector.deploy', pipeline: 'export', deploy: stack.export.collector.deploy });
  if (stack.central?.collector?.deploy) out.push({ path: '.central.collector.deploy', pipeline: 'sqs', deploy: stack.central.collector.deploy });
  return out;
}

/**
 * The memory sizes Fargate allows per CPU size (Linux tasks), in MiB: 256 CPU units take 512, 1024 or
 * 2048; the others any multiple of 1024 from twice to eight times (4096: 7.5 times) their CPU units.
 */
export const FARGATE_MEMORY_MIB: Readonly<Record<CollectorDeployConfig['cpu'], { readonly values: readonly number[]; readonly words: string }>> = {
  256: { values: [512, 1024, 2048], words: '512, 1024 or 2048' },
  512: fargateSteps(1024, 4096),
  1024: fargateSteps(2048, 8192),
  2048: fargateSteps(4096, 16384),
  4096: fargateSteps(8192, 30720),
};

function fargateSteps(min: number, max: number): { values: number[]; words: string } {
  const values: number[] = [];
  for (let v = min; v <= max; v += 1024) values.push(v);
  return { values, words: `from ${min} to ${max} in steps of 1024` };
}

/**
 * The environment variables a sink block needs: each `${NAME}` it refers to (header values too,
 * which the sink resolves itself) and, for Splunk HEC, the variable of the token (`tokenEnv`).
 */
export function sinkEnvironmentNames(sink: Readonly<Record<string, unknown>>): string[] {
  const names = new Set(replaceEnvRefs(JSON.stringify(sink), {}).missing);
  if (sink.type === 'splunk-hec') names.add(typeof sink.tokenEnv === 'string' ? sink.tokenEnv : SINK_DEFAULTS['splunk-hec'].tokenEnv);
  return [...names];
}

/** A collector config around a path's sink, with a source of the path's mode that is valid by construction. */
function configAroundSink(stack: StackConfig, pipeline: DeployedPipeline, sink: unknown): Record<string, unknown> {
  const region = stack.region;
  const source =
    pipeline === 'kinesis'
      ? { type: 'kinesis', region, streamName: stack.kinesis!.streamName }
      : pipeline === 'export'
        ? { type: 'export', region, bucket: stack.export!.bucketName, prefix: stack.export!.prefix }
        : {
            type: 'sqs',
            region,
            queueUrl: `https://sqs.${region}.${PARTITION_FACTS[stack.partition].dnsSuffix}/${stack.accountId}/${stack.central!.queueName}`,
          };
  return { source, sink };
}

/** The problems of a sink block as the collector's own loader finds them (re-rooted at `sinkPath`); a value holding `${NAME}` is judged when the collector starts. */
function sinkProblems(stack: StackConfig, pipeline: DeployedPipeline, sink: unknown, sinkPath: string): ConfigProblem[] {
  const config = configAroundSink(stack, pipeline, sink);
  const refs = envReferences(config);
  const env = Object.fromEntries([...refs.names].map((n) => [n, 'placeholder']));
  try {
    parseCollectorConfig(config, sinkPath, env);
    return [];
  } catch (e) {
    if (!(e instanceof CollectorConfigError)) throw e;
    return e.problems
      .filter((p) => !refs.paths.has(p.path))
      .map((p) => ({ path: p.path.startsWith('$.sink') ? `${sinkPath}${p.path.slice('$.sink'.length)}` : sinkPath, message: p.message }));
  }
}

/**
 * Rules of the deployed collectors: Fargate's CPU and memory combinations, task counts in order and
 * within what the path's state allows, the sink as the collector's loader checks it, a secret for
 * every variable the sink needs, the collector role the tasks run as, and the collector's own log
 * group never subscribed (its logs would flow back through the pipeline it reads).
 */
export function collectorDeployProblems(config: ToolkitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const collectorGroup = collectorLogGroupName(config.namePrefix);
  const deployedIn = new Map<string, string>();

  config.stacks.forEach((s, i) => {
    const at = (rest: string) => `$.stacks[${i}]${rest}`;

    for (const path of ['.kinesis', '.firehose', '.destinationSender'] as const) {
      const groups = (path === '.kinesis' ? s.kinesis : path === '.firehose' ? s.firehose : s.destinationSender)?.subscription.logGroupNames ?? [];
      groups.forEach((group, k) => {
        if (group === collectorGroup) {
          problem(
            at(`${path}.subscription.logGroupNames[${k}]`),
            `must not be "${collectorGroup}", the collector's own log group: its logs would flow back through the pipeline it reads (account policies always leave it out)`,
          );
        }
      });
    }

    for (const { path, pipeline, deploy: d } of collectorDeploys(s)) {
      // The cluster, service and log group are named per region, the execution role (IAM) per account.
      const first = deployedIn.get(s.accountId);
      if (first === undefined) deployedIn.set(s.accountId, at(path));
      else {
        problem(
          at(path),
          `cannot be a second deployed collector in account ${s.accountId}, besides ${first}: both would be named ${config.namePrefix}-collector (service, cluster, log group ${collectorGroup}, execution role ${config.namePrefix}-collector-execution); deploy one of them, or the other from a config with another namePrefix`,
        );
      }
      const memory = FARGATE_MEMORY_MIB[d.cpu];
      if (!memory.values.includes(d.memoryMiB)) {
        problem(at(`${path}.memoryMiB`), `must be ${memory.words} with cpu ${d.cpu} (the combinations Fargate runs), got ${d.memoryMiB}`);
      }
      if (d.desiredCount < d.minCount) problem(at(`${path}.desiredCount`), `must be at least minCount (${d.minCount}), got ${d.desiredCount}`);
      if (d.maxCount < d.desiredCount) {
        problem(at(`${path}.maxCount`), `must be at least desiredCount (${d.desiredCount}) and minCount (${d.minCount}), got ${d.maxCount}`);
      }

      // Task storage on Fargate is lost whenever a task is replaced: state in files would start over on every deploy.
      if (pipeline !== 'sqs' && !(pipeline === 'kinesis' ? s.kinesis!.collector?.state : s.export!.collector?.state)) {
        const lost =
          pipeline === 'kinesis'
            ? "its checkpoints would restart at the source's startPosition (TRIM_HORIZON delivers the stream's retention again)"
            : 'its export progress would restart at startTime "now" (the windows since the last export skipped: events lost)';
        problem(
          at(`.${pipeline}.collector.state`),
          `is required with ${pipeline}.collector.deploy: a task's storage is lost whenever ECS replaces it (every deploy, scale-in, host retirement), so ${lost}; add "state": {"type": "dynamodb"} to the collector block (a table the tasks share, with ${pipeline === 'kinesis' ? 'leases' : 'a leader lease'} for several tasks)`,
        );
      }
      const capacity = s.kinesis?.capacity;
      if (pipeline === 'kinesis' && capacity?.mode === 'provisioned' && d.maxCount > capacity.shardCount) {
        problem(
          at(`${path}.maxCount`),
          `must be at most ${capacity.shardCount}, the stream's shardCount (kinesis.capacity): a shard is read by one task, more tasks would only wait, got ${d.maxCount}`,
        );
      }

      // The identity the tasks run as: the path's collector role, whose trust the toolkit writes.
      if (pipeline === 'kinesis' && !s.kinesis!.reader.create) {
        problem(
          at('.kinesis.reader.create'),
          `must be true with kinesis.collector.deploy, got false: the tasks run as the reader role "${s.kinesis!.reader.roleName}" and need a trust for ECS tasks, which the toolkit writes only into a role it creates; leave create out, or run the collector yourself`,
        );
      }
      if (pipeline === 'export' && s.export!.collector!.type !== 'role') {
        problem(
          at('.export.collector.type'),
          `must be role with export.collector.deploy, got ${s.export!.collector!.type}: ECS tasks run as a role (no access keys are handed to tasks)`,
        );
      }
      if (pipeline === 'sqs' && !s.central!.siem) {
        problem(
          at('.central.siem'),
          "is required with central.collector.deploy: the tasks run as the SIEM reader role, which the toolkit creates with central.siem; give accountId (the SIEM's account, or this one when only the deployed collector reads) and externalId",
        );
      }

      problems.push(...sinkProblems(s, pipeline, d.sink, at(`${path}.sink`)));
      const declared = Object.keys(d.secrets ?? {});
      const missing = sinkEnvironmentNames(d.sink).filter((n) => !declared.includes(n));
      if (missing.length) {
        problem(
          at(`${path}.secrets`),
          `must declare ${missing.join(', ')}, which the sink reads from the environment (\${NAME} or tokenEnv), got ${declared.length ? declared.join(', ') : 'none'}: give each the ARN of a Secrets Manager secret or SSM parameter holding it`,
        );
      }
    }
  });
  return problems;
}

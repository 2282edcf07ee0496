import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseS3Notification } from '../../collector/src/sources/sqs/s3-notifications';
import { Aws, SubscriptionPayload, waitFor } from './aws';
import { collect } from './collector';
import { checkOnce, Context, marker, PathResult, UNSUBSCRIBED_GROUP, writeOutputs } from './paths';
import { awsEventIdsInObject, Hook, jsonObjects, MotoProxy } from './proxy';
import { deployedCollectorConfig, MotoStack } from './stacks';

/** The Firehose and export paths: events reach S3 objects, and the collector reads them from there. */

/** Gzip members back to back, each a CloudWatch Logs subscription payload (what Firehose writes without processing). */
function firehosePayloads(data: Buffer): SubscriptionPayload[] {
  return jsonObjects(gunzipSync(data).toString('utf8')).map((o) => JSON.parse(o) as SubscriptionPayload);
}

/**
 * Notifications of the objects Firehose wrote, on the central queue. moto sends the notification of an
 * object another account writes to a queue of that name in the writer's account, where there is
 * none, and drops it; AWS sends it to the queue in the bucket owner's notification configuration.
 * For each object whose notification moto has not sent within a few seconds, the harness sends what
 * S3 would. Says how many came from where.
 */
async function objectNotifications(aws: Aws, queue: string, bucket: string, objects: ReadonlyMap<string, number>): Promise<string> {
  const unnamed = async (): Promise<string[]> => {
    // The collector's own reading of a notification (moto URL-encodes '/' in keys too, which decodes the same).
    const named = new Set((await aws.peekQueue(queue)).map(parseS3Notification).flatMap((n) => (n.kind === 'objects' ? n.objects.map((o) => o.key) : [])));
    return [...objects.keys()].filter((k) => !named.has(k));
  };
  const missing = await waitFor('', 5000, async () => ((await unnamed()).length === 0 ? [] : undefined)).catch(() => unnamed());
  if (missing.length) await aws.notifyObjectsCreated(queue, bucket, new Map(missing.map((k) => [k, objects.get(k)!])));
  const fromMoto = objects.size - missing.length;
  return `${objects.size} notification(s) on ${queue}${missing.length ? ` (${fromMoto} from moto, ${missing.length} sent by the harness: moto drops cross-account ones)` : ''}`;
}

/** Firehose: CloudWatch Logs of each source account → its delivery stream → the central bucket → notification on the queue → collector (SQS mode, SIEM role). */
export async function firehosePath(ctx: Context, central: MotoStack): Promise<PathResult> {
  const c = central.config.central!;
  const centralAws = await ctx.aws(central.config);
  const sources = ctx.stacks.filter((s) => s.config.firehose?.destination.bucketName === c.bucketName);
  const tag = marker();
  const expected = new Map<string, { logGroup: string; owner: string }>();
  for (const s of sources) {
    const aws = await ctx.aws(s.config);
    for (const group of s.config.firehose!.subscription.logGroupNames ?? []) {
      const messages = [1, 2].map((n) => `apply ${ctx.example} firehose ${tag} ${group} #${n}`);
      await aws.putEvents(group, `apply-${tag}`, messages);
      for (const m of messages) expected.set(m, { logGroup: group, owner: s.config.accountId });
    }
    await aws.putEvents(UNSUBSCRIBED_GROUP, `apply-${tag}`, [`apply ${ctx.example} firehose ${tag} unsubscribed`]);
  }
  // moto evaluates bucket policies without a request context, so the TLS-only deny refuses every read
  // (AWS sees aws:SecureTransport true over HTTPS). Checked in place, then removed for the reads.
  if (!(await centralAws.hasBucketPolicy(c.bucketName))) throw new Error(`the central bucket ${c.bucketName} has no bucket policy after apply`);
  await centralAws.deleteBucketPolicy(c.bucketName);
  if (expected.size === 0)
    return {
      path: 'firehose',
      stack: central.config.name,
      put: 0,
      arrived: 'nothing to put',
      delivered: 0,
      note: 'no source stack subscribes log groups here',
    };

  // moto ignores Firehose processors (decompression, message extraction): objects hold the gzip payloads as CloudWatch Logs sent them.
  const found = await waitFor(`${expected.size} events in objects under ${c.prefix}/`, 60000, async () => {
    const seen = new Map<string, { key: string; size: number; payload: SubscriptionPayload }>();
    for (const key of await centralAws.keys(c.bucketName, `${c.prefix}/`)) {
      const data = await centralAws.object(c.bucketName, key);
      for (const p of firehosePayloads(data)) for (const e of p.logEvents) seen.set(e.message, { key, size: data.length, payload: p });
    }
    return [...expected.keys()].every((m) => seen.has(m)) ? seen : undefined;
  });
  for (const [message, want] of expected) {
    const { key, payload } = found.get(message)!;
    if (!key.startsWith(`${c.prefix}/${want.owner}/`))
      throw new Error(`${JSON.stringify(message)} was delivered to ${key}, outside its account's folder ${c.prefix}/${want.owner}/`);
    if (payload.logGroup !== want.logGroup || payload.owner !== want.owner)
      throw new Error(`${JSON.stringify(message)} has envelope ${payload.logGroup}/${payload.owner}`);
  }
  if ([...found.keys()].some((m) => m.endsWith(' unsubscribed'))) throw new Error(`an event of ${UNSUBSCRIBED_GROUP} reached the central bucket`);
  const depth = await objectNotifications(centralAws, c.queueName, c.bucketName, new Map([...found.values()].map((f) => [f.key, f.size])));

  // moto's Firehose objects carry integer logEvents[].id (AWS: 56-digit strings): the collector reads them through a proxy that gives AWS's form.
  const objectsProxy = new MotoProxy(
    ctx.moto.port,
    {},
    { accepts: (path) => path.startsWith(`/${c.bucketName}/${c.prefix}/`) && /^[^?]*(\?x-id=GetObject)?$/.test(path), hook: awsEventIdsInObject },
  );
  const s3Endpoint = await objectsProxy.start();
  const outputs = await writeOutputs(ctx, central);
  const sourceOutputs = await Promise.all(sources.filter((s) => s !== central).map((s) => writeOutputs(ctx, s)));
  const run = await collect({
    fromTerraform: [
      '--mode',
      'sqs',
      ...(c.siem ? ['--external-id', c.siem.externalId] : []),
      '--set',
      `source.endpoint=${ctx.moto.endpoint}`,
      '--set',
      `source.s3.endpoint=${s3Endpoint}`,
      '--set',
      'source.s3.forcePathStyle=true',
      '--set',
      'source.waitTimeSeconds=1',
    ],
    outputFiles: [outputs, ...sourceOutputs],
    credentials: await ctx.moto.account(central.config.accountId),
    region: central.config.region,
    motoEndpoint: ctx.moto.endpoint,
    workDir: join(ctx.workDir, `${central.config.name}-sqs`),
    stateTable: false,
    deployed: await deployedCollectorConfig(central, 'sqs'),
    expected: [...expected.keys()],
    timeoutMs: 60000,
  }).finally(() => objectsProxy.stop());
  checkOnce(run.events, expected, `${central.config.name}: the collector's sqs delivery`);
  return {
    path: 'firehose',
    stack: central.config.name,
    put: expected.size,
    arrived: `${expected.size} in objects under ${c.prefix}/<account>/, ${depth}`,
    delivered: run.events.length,
  };
}

/**
 * moto writes an export task's objects under `<prefix>/<random id>/<stream>/000000.gz`; AWS writes
 * them under `<prefix>/<taskId>/<stream>/000000.gz`, which the collector reads. On each
 * CreateExportTask the proxy moves the new objects to where AWS puts them before it answers.
 */
function exportLayout(bucketAws: Aws, bucket: string, prefix: string): Hook {
  const done = new Set<string>();
  return async (answer) => {
    const taskId = (JSON.parse(answer.toString('utf8')) as { taskId: string }).taskId;
    for (const key of await bucketAws.keys(bucket, `${prefix}/`)) {
      const [folder, ...rest] = key.slice(prefix.length + 1).split('/');
      if (rest.length === 0 || done.has(folder)) continue;
      const target = `${prefix}/${taskId}/${rest.join('/')}`;
      await bucketAws.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}` }));
      await bucketAws.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
    done.add(taskId);
    return answer;
  };
}

/** Export: CreateExportTask by the collector's identity → objects under the prefix → collector (export mode) reads and deletes them. */
export async function exportPath(ctx: Context, stack: MotoStack): Promise<PathResult> {
  const s = stack.config;
  const bucket = s.export?.bucketName ?? s.exportSender!.bucketName;
  const prefix = s.export?.prefix ?? s.exportSender!.prefix;
  const bucketStack = ctx.stacks.find((o) => o.config.export?.bucketName === bucket)!.config;
  const aws = await ctx.aws(s);
  const bucketAws = await ctx.aws(bucketStack);
  const tag = marker();
  const group = `/cwl-siem-apply/export-${tag}`;
  await aws.createLogGroup(group);
  // Events of a past, settled window: the export mode exports only windows that have ended.
  const windowStart = Math.floor((Date.now() - 15 * 60000) / 60000) * 60000;
  const expected = new Map<string, { logGroup: string; owner: string }>();
  const messages = [1, 2, 3].map((n) => `apply ${ctx.example} export ${tag} #${n}`);
  await aws.putEvents(group, 'i-apply', messages, windowStart + 5000);
  for (const m of messages) expected.set(m, { logGroup: group, owner: s.accountId });

  if (!(await bucketAws.hasBucketPolicy(bucket))) throw new Error(`the export bucket ${bucket} has no bucket policy after apply`);
  // As for the central bucket: moto's policy evaluation has no request context, so the TLS-only deny refuses the collector's reads.
  await bucketAws.deleteBucketPolicy(bucket);

  const proxy = new MotoProxy(ctx.moto.port, { CreateExportTask: exportLayout(bucketAws, bucket, prefix) });
  const logsEndpoint = await proxy.start();
  try {
    const outputs = await writeOutputs(ctx, stack);
    const run = await collect({
      fromTerraform: [
        '--mode',
        'export',
        '--set',
        `source.endpoint=${logsEndpoint}`,
        '--set',
        `source.s3.endpoint=${ctx.moto.endpoint}`,
        '--set',
        'source.s3.forcePathStyle=true',
        '--set',
        `source.logGroups.include=${JSON.stringify([group])}`,
        '--set',
        `source.startTime=${new Date(windowStart).toISOString()}`,
        '--set',
        'source.windowSeconds=60',
        '--set',
        'source.settleSeconds=0',
        '--set',
        'source.maxWindowsPerTask=60',
        '--set',
        'source.pollIntervalSeconds=0.2',
      ],
      outputFiles: [outputs],
      credentials: await ctx.moto.account(s.accountId),
      region: s.region,
      motoEndpoint: ctx.moto.endpoint,
      workDir: join(ctx.workDir, `${s.name}-export`),
      stateTable: (s.export?.collector ?? s.exportSender?.collector)?.state !== undefined,
      deployed: await deployedCollectorConfig(stack, 'export'),
      expected: messages,
      timeoutMs: 90000,
    });
    checkOnce(run.events, expected, `${s.name}: the collector's export delivery`);
    const table = (s.export?.collector ?? s.exportSender?.collector)?.state?.tableName;
    let state: string | undefined;
    if (table) {
      // The collector kept its leader lease and the group's progress in the table the stack created.
      const keys = await aws.itemKeys(table);
      const wanted = ['export/leader', `export/group/${group}`];
      if (!wanted.every((k) => keys.includes(k)))
        throw new Error(`the state table ${table} holds ${JSON.stringify(keys)} after the run, expected ${wanted.join(' and ')}`);
      state = `leader lease and progress in the state table ${table}`;
    }
    const left = (await bucketAws.keys(bucket, `${prefix}/`)).filter((k) => !k.endsWith('aws-logs-write-test'));
    return {
      path: 'export',
      stack: s.name,
      put: expected.size,
      arrived: `export task objects under ${prefix}/ in ${bucket}${left.length ? `, ${left.length} left after delivery` : ', deleted after delivery'}`,
      delivered: run.events.length,
      note: state,
    };
  } finally {
    proxy.stop();
  }
}

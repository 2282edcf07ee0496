import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { destinationArnOf } from '../../config/load';
import { StackConfig, ToolkitConfig } from '../../config/types';
import { Aws, waitFor } from './aws';
import { collect, DeliveredEvent } from './collector';
import { Moto } from './moto';
import { awsEventIds, MotoProxy } from './proxy';
import { deployedCollectorConfig, MotoStack, outputsJson } from './stacks';

/**
 * The paths of an applied example: log events put into the subscribed groups must arrive where the
 * path says, and then at the real collector, each once.
 */

export interface PathResult {
  readonly path: string;
  readonly stack: string;
  /** Events put into subscribed log groups. */
  readonly put: number;
  /** Where they arrived on the AWS side (records, objects, notifications). */
  readonly arrived: string;
  /** Events the collector delivered to its file sink. */
  readonly delivered: number;
  readonly note?: string;
}

export interface Context {
  readonly example: string;
  readonly config: ToolkitConfig;
  readonly stacks: readonly MotoStack[];
  readonly moto: Moto;
  readonly workDir: string;
  readonly aws: (stack: StackConfig) => Promise<Aws>;
}

export const marker = (): string => randomBytes(4).toString('hex');
/** An event put from an unsubscribed group: it must arrive nowhere. */
export const UNSUBSCRIBED_GROUP = '/cwl-siem-apply/unsubscribed';

/** Log groups the stacks subscribe, by stack: the user's own in real life, created before the apply. */
export function subscribedGroups(stack: StackConfig): string[] {
  return [
    ...(stack.kinesis?.subscription.logGroupNames ?? []),
    ...(stack.firehose?.subscription.logGroupNames ?? []),
    ...(stack.destinationSender?.subscription.logGroupNames ?? []),
  ];
}

/** Each expected message delivered exactly once with its log group and owner; every id present and distinct. */
export function checkOnce(events: readonly DeliveredEvent[], expected: ReadonlyMap<string, { logGroup: string; owner: string }>, what: string): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const [message, want] of expected) {
    const got = events.filter((e) => e.message === message);
    if (got.length !== 1) problems.push(`${JSON.stringify(message)} delivered ${got.length} times`);
    else if (got[0].logGroup !== want.logGroup || got[0].owner !== want.owner)
      problems.push(`${JSON.stringify(message)} labelled ${got[0].logGroup}/${got[0].owner}, expected ${want.logGroup}/${want.owner}`);
  }
  for (const e of events) {
    if (!e.id) problems.push(`an event without id: ${JSON.stringify(e).slice(0, 200)}`);
    else if (ids.has(e.id)) problems.push(`id ${e.id} delivered twice`);
    ids.add(e.id);
  }
  if (problems.length) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

/** `terraform output -json` of a stack, written where `config from-terraform` reads it. */
export async function writeOutputs(ctx: Context, stack: MotoStack): Promise<string> {
  const file = join(ctx.workDir, `${stack.config.name}.outputs.json`);
  writeFileSync(file, await outputsJson(stack));
  return file;
}

/**
 * The log group moto delivers a destination's events to. moto has no cross-account destinations: it
 * reads a destination ARN as a log group's and writes a subscribed group's events into the group of
 * the destination's name in the destination's account (run.ts creates it before the apply, else the
 * sender's subscription filter cannot be created). AWS sends them on to the destination's target.
 */
export function destinationStandInGroup(receiver: StackConfig): string {
  return receiver.destination!.name;
}

/**
 * Does what a CloudWatch Logs destination does in AWS for the events `put` (by log group) into a
 * sender's groups: checks each group's subscription filter names the receiver's destination, that
 * moto routed the events there (into the stand-in group), and that the destination targets the
 * receiver's stream with a role of the receiver's account; then writes each group's events into that
 * stream as one gzip CloudWatch Logs payload with the sender's owner, group and filter, as AWS does.
 * (moto does not check IAM, so the record is written with the receiver account's own identity.)
 */
async function deliverThroughDestination(
  receiverAws: Aws,
  senderAws: Aws,
  receiver: StackConfig,
  sender: StackConfig,
  logStream: string,
  put: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  const destinationArn = destinationArnOf(receiver)!;
  const name = receiver.destination!.name;
  const target = await receiverAws.destination(name);
  if (!target) throw new Error(`the destination ${name} does not exist in ${receiver.accountId} after apply`);
  if (!target.targetArn.endsWith(`:${receiver.accountId}:stream/${receiver.kinesis!.streamName}`))
    throw new Error(`the destination ${name} targets ${target.targetArn}, not the stream ${receiver.kinesis!.streamName}`);
  if (!target.roleArn.startsWith(`arn:aws:iam::${receiver.accountId}:role/`))
    throw new Error(`the destination ${name} writes with ${target.roleArn}, not a role of ${receiver.accountId}`);
  const wanted = [...put.values()].flat();
  const routed = await waitFor(`${wanted.length} events of ${sender.name} routed to the destination ${name}`, 30000, async () => {
    const events = await receiverAws.streamEvents(destinationStandInGroup(receiver), logStream);
    return wanted.every((m) => events.some((e) => e.message === m)) ? events : undefined;
  });
  let n = 0;
  for (const [group, messages] of put) {
    const filter = (await senderAws.subscriptionFilters(group)).find((f) => f.destinationArn === destinationArn);
    if (!filter) throw new Error(`${sender.name}: ${group} has no subscription filter to ${destinationArn}`);
    const logEvents = routed
      .filter((e) => messages.includes(e.message))
      .map((e) => ({ id: String(e.timestamp * 1000 + n++).padStart(56, '0'), timestamp: e.timestamp, message: e.message }));
    const payload = { messageType: 'DATA_MESSAGE', owner: sender.accountId, logGroup: group, logStream, subscriptionFilters: [filter.name], logEvents };
    await receiverAws.putRecord(target.targetArn, gzipSync(JSON.stringify(payload)), `${group}/${logStream}`);
  }
}

/** Kinesis: CloudWatch Logs → stream (directly, or through a destination from sender accounts) → collector. */
export async function kinesisPath(ctx: Context, stack: MotoStack): Promise<PathResult> {
  const k = stack.config.kinesis!;
  const aws = await ctx.aws(stack.config);
  const expected = new Map<string, { logGroup: string; owner: string }>();
  const senders = ctx.stacks.filter((s) => s.config.destinationSender && destinationArnOf(stack.config) === s.config.destinationSender.destinationArn);
  const sources: { stack: StackConfig; groups: readonly string[] }[] = [
    { stack: stack.config, groups: k.subscription.logGroupNames ?? [] },
    ...senders.map((s) => ({ stack: s.config, groups: s.config.destinationSender!.subscription.logGroupNames ?? [] })),
  ].filter((s) => s.groups.length > 0);
  if (sources.length === 0) {
    return {
      path: 'kinesis',
      stack: stack.config.name,
      put: 0,
      arrived: 'nothing to put',
      delivered: 0,
      note: 'account-level subscription policy: not on moto',
    };
  }
  const tag = marker();
  const logStream = `apply-${tag}`;
  for (const source of sources) {
    const sourceAws = await ctx.aws(source.stack);
    const viaDestination = source.stack !== stack.config;
    if (viaDestination) await aws.createLogStream(destinationStandInGroup(stack.config), logStream);
    const put = new Map<string, string[]>();
    for (const group of source.groups) {
      const messages = [1, 2].map((n) => `apply ${ctx.example} kinesis ${tag} ${group} #${n}`);
      await sourceAws.putEvents(group, logStream, messages);
      put.set(group, messages);
      for (const m of messages) expected.set(m, { logGroup: group, owner: source.stack.accountId });
    }
    if (viaDestination) await deliverThroughDestination(aws, sourceAws, stack.config, source.stack, logStream, put);
  }
  const stray = `apply ${ctx.example} kinesis ${tag} unsubscribed`;
  await aws.putEvents(UNSUBSCRIBED_GROUP, `apply-${tag}`, [stray]);

  // moto delivers subscription data at once, with integer logEvents[].id (AWS: 56-digit strings).
  const payloads = await waitFor(`${expected.size} events in stream ${k.streamName}`, 60000, async () => {
    const p = await aws.streamPayloads(k.streamName);
    const seen = new Set(p.flatMap((x) => x.logEvents.map((e) => e.message)));
    return [...expected.keys()].every((m) => seen.has(m)) ? p : undefined;
  });
  for (const [message, want] of expected) {
    const p = payloads.find((x) => x.logEvents.some((e) => e.message === message))!;
    if (p.messageType !== 'DATA_MESSAGE' || p.logGroup !== want.logGroup || p.owner !== want.owner) {
      throw new Error(
        `stream record of ${JSON.stringify(message)} has envelope ${JSON.stringify({ ...p, logEvents: undefined })}, expected ${JSON.stringify(want)}`,
      );
    }
  }
  if (payloads.some((p) => p.logEvents.some((e) => e.message === stray)))
    throw new Error(`an event of the unsubscribed group ${UNSUBSCRIBED_GROUP} reached the stream`);

  const outputs = await writeOutputs(ctx, stack);
  const proxy = new MotoProxy(ctx.moto.port, { GetRecords: awsEventIds });
  const kinesisEndpoint = await proxy.start();
  const run = await collect({
    fromTerraform: ['--mode', 'kinesis', '--set', `source.endpoint=${kinesisEndpoint}`, '--set', 'source.pollIntervalMs=200'],
    outputFiles: [outputs],
    credentials: await ctx.moto.account(stack.config.accountId),
    region: stack.config.region,
    motoEndpoint: ctx.moto.endpoint,
    workDir: join(ctx.workDir, `${stack.config.name}-kinesis`),
    stateTable: k.collector?.state !== undefined,
    deployed: await deployedCollectorConfig(stack, 'kinesis'),
    expected: [...expected.keys()],
    timeoutMs: 60000,
  }).finally(() => proxy.stop());
  checkOnce(run.events, expected, `${stack.config.name}: the collector's kinesis delivery`);
  if (run.events.some((e) => e.message === stray)) throw new Error('the collector delivered an event of the unsubscribed group');
  const table = k.collector?.state?.tableName;
  let state: string | undefined;
  if (table) {
    // The collector kept its leases in the table the stack created: one item per shard, keyed by the shard id.
    const [shards, keys] = [await aws.shardIds(k.streamName), await aws.itemKeys(table)];
    const missing = shards.filter((id) => !keys.includes(id));
    if (missing.length) throw new Error(`the state table ${table} has no lease of ${missing.join(', ')} after the run (it holds ${JSON.stringify(keys)})`);
    state = `a lease per shard (${shards.length}) in the state table ${table}`;
  }
  return {
    path: 'kinesis',
    stack: stack.config.name,
    put: expected.size,
    arrived: `${expected.size} in stream ${k.streamName}, none from ${UNSUBSCRIBED_GROUP}`,
    delivered: run.events.length,
    note:
      [
        senders.length
          ? `${senders.map((s) => s.config.name).join(', ')} through destination ${stack.config.destination!.name}: routed by moto, written to the stream by the harness`
          : undefined,
        state,
      ]
        .filter((n) => n !== undefined)
        .join('; ') || undefined,
  };
}

import { App } from 'cdktf';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parseCollectorConfig } from '../../collector/src/config/load';
import { ConfigFromTerraformError } from '../../collector/src/outputs/read';
import { COLLECTOR_MODES, CollectorMode, configFromTerraform } from '../../collector/src/outputs/to-config';
import { loadConfig } from '../../config/load';
import { collectorDeploys } from '../../config/rules';
import { collectorConfigJson, stackOutputsAtSynth } from '../../modules/collector/collector-config';
import { StackConfig, ToolkitConfig } from '../../config/types';
import { addStacks } from '../../modules/stacks/app';

/**
 * The two halves of the project meet at the stack outputs: the toolkit declares them, `terraform
 * output -json` prints them after apply, and `cwl-siem-collector config from-terraform` turns them
 * into a collector config. Every example is synthesized here, its stacks' `output` blocks read back
 * from cdk.tf.json and given the values an apply would (literal values as synthesized, references
 * made plausible), and each stack must give a valid collector config for every mode its toolkit
 * config sets up. Renaming an output the collector reads fails this test.
 */

const examplesDir = resolve(__dirname, '..', '..', 'examples');
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

type TfJson = {
  output?: Record<string, { value: string; description?: string; sensitive?: boolean }>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

interface SynthesizedStack {
  readonly stack: StackConfig;
  /** `terraform output -json` as it would print after apply. */
  readonly outputs: Record<string, { value: string; type: string; sensitive: boolean }>;
  /** The synthesized expression of each output. */
  readonly expressions: Record<string, string>;
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const synthesized = new Map<string, { config: ToolkitConfig; stacks: SynthesizedStack[] }>();
function synth(example: string): { config: ToolkitConfig; stacks: SynthesizedStack[] } {
  const cached = synthesized.get(example);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-outputs-'));
  outdirs.push(outdir);
  const config = loadConfig(join(examplesDir, example));
  const app = new App({ outdir });
  const stacks = addStacks(app, config);
  app.synth();
  const result = {
    config,
    stacks: stacks.map((s) => {
      const stack = config.stacks.find((c) => c.name === s.node.id)!;
      const tf = JSON.parse(readFileSync(join(outdir, 'stacks', s.node.id, 'cdk.tf.json'), 'utf8')) as TfJson;
      const expressions = Object.fromEntries(Object.entries(tf.output ?? {}).map(([name, o]) => [name, o.value]));
      const outputs = Object.fromEntries(
        Object.entries(tf.output ?? {}).map(([name, o]) => [
          name,
          { value: applied(name, o.value, stack, tf), type: 'string', sensitive: o.sensitive === true },
        ]),
      );
      return { stack, outputs, expressions };
    }),
  };
  synthesized.set(example, result);
  return result;
}

/**
 * The value an output has after apply: a literal as synthesized; for a reference, what AWS would
 * return for that resource (an SQS queue's URL from its name, a KMS key's ARN).
 */
function applied(name: string, expression: string, stack: StackConfig, tf: TfJson): string {
  if (!expression.includes('${')) return expression;
  const ref = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/.exec(expression);
  if (!ref) throw new Error(`output ${name}: no plausible value for ${expression}`);
  const [, type, id, attribute] = ref;
  const resource = tf.resource[type]?.[id];
  if (!resource) throw new Error(`output ${name}: ${expression} refers to a resource the stack does not have`);
  const { partition, region, accountId } = stack;
  if (type === 'aws_sqs_queue' && attribute === 'url') return `https://sqs.${region}.amazonaws.com/${accountId}/${String(resource.name)}`;
  if (type === 'aws_sqs_queue' && attribute === 'arn') return `arn:${partition}:sqs:${region}:${accountId}:${String(resource.name)}`;
  if (type === 'aws_kms_key' && attribute === 'arn') return `arn:${partition}:kms:${region}:${accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  if (type === 'aws_iam_role' && attribute === 'arn') return `arn:${partition}:iam::${accountId}:role/${String(resource.name)}`;
  if (type === 'aws_iam_user' && attribute === 'arn') return `arn:${partition}:iam::${accountId}:user/${String(resource.name)}`;
  // Anything else the collector does not read; a recognizable stand-in (no "${") is enough.
  return `applied-${type}-${id}-${attribute}`;
}

const flat = (outputs: SynthesizedStack['outputs']): Record<string, string> => Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value]));

/** The modes a stack's toolkit config sets up, independently of the output names. */
function modesOf(stack: StackConfig): CollectorMode[] {
  const modes: CollectorMode[] = [];
  if (stack.kinesis) modes.push('kinesis');
  if (stack.export || stack.exportSender) modes.push('export');
  if (stack.central) modes.push('sqs');
  return modes;
}

/** The modes the collector sees in the outputs (what `--mode` accepts for them). */
const modesByOutputs = (outputs: Record<string, unknown>): CollectorMode[] =>
  COLLECTOR_MODES.filter((m) => ({ kinesis: 'kinesis_stream_name', export: 'export_bucket', sqs: 'queue_url' })[m] in outputs);

const placeholders = (config: unknown): NodeJS.ProcessEnv =>
  Object.fromEntries([...JSON.stringify(config).matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => [m[1], 'placeholder-value']));

/** What was produced, by example, stack and mode, for the coverage check at the end. */
const produced: { example: string; stack: string; mode: CollectorMode; assumeRole: 'role' | 'none'; state: 'file' | 'dynamodb'; notes: string[] }[] = [];

/**
 * Why a stack that sets up no collector mode needs none: its logs are delivered to another stack,
 * whose outputs feed the collector. Undefined for a stack that sets up a mode, or that would be a gap.
 */
function readElsewhere(stack: StackConfig): string | undefined {
  if (modesOf(stack).length > 0) return undefined;
  if (stack.destinationSender) return "its filters deliver to the receiving stack's destination, read there in kinesis mode";
  if (stack.firehose) return 'Firehose delivers to the central bucket, read there in sqs mode';
  return undefined;
}

const cases = examples.flatMap((example) => {
  const config = loadConfig(join(examplesDir, example));
  return config.stacks.map((s) => [example, s.name, modesOf(s).length > 0, readElsewhere(s)] as const);
});
/** Stacks that set up a collector mode: their outputs must give a config for each. */
const collectorCases = cases.filter(([, , feedsCollector]) => feedsCollector).map(([example, name]) => [example, name] as const);
/** Stacks that set up none, each with the reason it needs none (tested below, not skipped silently). */
const noCollectorCases = cases.filter(([, , feedsCollector]) => !feedsCollector).map(([example, name, , reason]) => [example, name, reason] as const);

test('there are examples, and each has stacks', () => {
  expect(examples.length).toBeGreaterThanOrEqual(7);
  expect(cases.length).toBeGreaterThanOrEqual(examples.length);
});

describe.each(cases)('%s, stack %s', (example, stackName) => {
  test('the outputs name exactly the collector modes the toolkit config sets up, and none is sensitive', () => {
    const { stack, outputs } = synth(example).stacks.find((s) => s.stack.name === stackName)!;
    expect(modesByOutputs(outputs)).toEqual(modesOf(stack));
    expect(outputs.region.value).toBe(stack.region);
    expect(outputs.account_id.value).toBe(stack.accountId);
    expect(
      Object.entries(outputs)
        .filter(([, o]) => o.sensitive)
        .map(([n]) => n),
    ).toEqual([]);
  });
});

describe.each(noCollectorCases)('%s, stack %s, which sets up no collector mode', (example, stackName, reason) => {
  test(`needs none (${reason ?? 'no reason known'}): every mode is refused as fitting no mode`, () => {
    // A stack that sets up no mode and delivers to no other stack would leave its logs unread.
    expect({ stack: stackName, reason }).toEqual({ stack: stackName, reason: expect.any(String) });
    const { outputs } = synth(example).stacks.find((s) => s.stack.name === stackName)!;
    for (const mode of COLLECTOR_MODES) {
      expect(() => configFromTerraform(outputs, { mode })).toThrow(
        new RegExp(`^--mode ${mode} needs the outputs? .*, which these outputs lack; they fit no mode`),
      );
    }
  });
});

describe.each(collectorCases)('%s, stack %s', (example, stackName) => {
  const get = (): SynthesizedStack => synth(example).stacks.find((s) => s.stack.name === stackName)!;

  test('every mode of the stack gives a valid config carrying the stack values; the other modes are refused with the hint', () => {
    const { stack, outputs } = get();
    const modes = modesOf(stack);
    for (const mode of COLLECTOR_MODES) {
      const externalId = mode === 'sqs' && outputs.siem_role_arn ? stack.central?.siem?.externalId : undefined;
      if (!modes.includes(mode)) {
        expect(() => configFromTerraform(outputs, { mode })).toThrow(ConfigFromTerraformError);
        expect(() => configFromTerraform(outputs, { mode })).toThrow(
          new RegExp(
            `^--mode ${mode} needs the outputs? .*, which these outputs lack; they fit ${modes.length ? modes.map((m) => `--mode ${m}`).join(' or ') : 'no mode'}`,
          ),
        );
        continue;
      }
      const { config, notes } = configFromTerraform(outputs, { mode, externalId });
      const loaded = parseCollectorConfig(config, `${example} ${stackName} ${mode}`, placeholders(config));
      const source = loaded.source;
      expect(source.type).toBe(mode);
      expect(source.region).toBe(stack.region);
      const arn = (kind: 'role' | 'user', name: string) => `arn:${stack.partition}:iam::${stack.accountId}:${kind}/${name}`;
      switch (source.type) {
        case 'kinesis':
          expect(source.streamName).toBe(stack.kinesis!.streamName);
          expect(source.assumeRole?.roleArn).toBe(arn('role', stack.kinesis!.reader.roleName));
          expect(source.assumeRole?.externalId).toBeUndefined();
          break;
        case 'export': {
          const side = stack.export ?? stack.exportSender!;
          expect(source.bucket).toBe(side.bucketName);
          expect(source.prefix).toBe(side.prefix);
          const identity = stack.exportSender?.identity ?? stack.export?.collector;
          if (identity?.type === 'role') {
            expect(source.assumeRole?.roleArn).toBe(arn('role', identity.roleName));
          } else {
            expect(source.assumeRole).toBeUndefined();
            expect(notes.join('\n')).toMatch(identity?.type === 'user' ? `IAM user (${arn('user', identity.userName)})` : /no export_collector_arn output/);
          }
          break;
        }
        case 'sqs': {
          const central = stack.central!;
          expect(source.queueUrl).toBe(`https://sqs.${stack.region}.amazonaws.com/${stack.accountId}/${central.queueName}`);
          if (central.siem) {
            expect(source.assumeRole).toMatchObject({ roleArn: arn('role', central.siem.roleName), externalId: central.siem.externalId });
          } else {
            expect(source.assumeRole).toBeUndefined();
          }
          break;
        }
      }
      // The state table of the mode's path, when the toolkit config asks for one: every replica shares it, with the source's role.
      const table =
        mode === 'kinesis'
          ? stack.kinesis!.collector?.state?.tableName
          : mode === 'export'
            ? (stack.export?.collector ?? stack.exportSender?.collector)?.state?.tableName
            : undefined;
      if (table === undefined) expect(loaded.state.type).toBe('file');
      else
        expect(loaded.state).toMatchObject({
          type: 'dynamodb',
          table,
          region: stack.region,
          assumeRole: source.assumeRole ? { roleArn: source.assumeRole.roleArn } : undefined,
        });
      produced.push({ example, stack: stackName, mode, assumeRole: source.assumeRole ? 'role' : 'none', state: loaded.state.type, notes });
    }
  });

  test('the cdktf --outputs-file shape of the whole example gives the same configs (with --stack when it has several stacks)', () => {
    const { stacks } = synth(example);
    const { stack, outputs } = get();
    const file = Object.fromEntries(stacks.map((s) => [s.stack.name, flat(s.outputs)]));
    // The file holds the other stacks too: the sqs mode reads Firehose source stacks' outputs from it.
    const others = stacks.filter((s) => s.stack.name !== stackName).map((s) => s.outputs);
    for (const mode of modesOf(stack)) {
      const externalId = mode === 'sqs' && outputs.siem_role_arn ? stack.central?.siem?.externalId : undefined;
      const expected = configFromTerraform(outputs, { mode, externalId, ...(mode === 'sqs' ? { objectsFrom: others } : {}) }).config;
      expect(configFromTerraform(file, { mode, externalId, stack: stackName }).config).toEqual(expected);
      if (stacks.length === 1) expect(configFromTerraform(file, { mode, externalId }).config).toEqual(expected);
      else
        expect(() => configFromTerraform(file, { mode, externalId })).toThrow(`choose one with --stack NAME (${stacks.map((s) => s.stack.name).join(', ')})`);
    }
  });
});

test("firehose-central: the central stack's sqs config names the extracted messages of the source account by its log group, stream and owner", () => {
  const { stacks } = synth('firehose-central.json');
  const central = stacks.find((s) => s.stack.central)!;
  const source = stacks.find((s) => s.stack.firehose)!;
  const file = Object.fromEntries(stacks.map((s) => [s.stack.name, flat(s.outputs)]));
  const entry = {
    prefix: `cwl/${source.stack.accountId}/`,
    logGroup: source.stack.firehose!.subscription.logGroupNames![0],
    logStream: source.stack.firehose!.deliveryStreamName,
    owner: source.stack.accountId,
  };
  const externalId = central.stack.central!.siem!.externalId;
  const fromFile = configFromTerraform(file, { mode: 'sqs', stack: central.stack.name, externalId });
  expect((fromFile.config.source as { objects?: unknown }).objects).toEqual({ prefixes: [entry] });
  expect(fromFile.notes.join('\n')).toContain(`objects under cwl/${source.stack.accountId}/ hold extracted messages`);
  const fromTwoFiles = configFromTerraform(central.outputs, { mode: 'sqs', externalId, objectsFrom: [source.outputs] });
  expect(fromTwoFiles.config).toEqual(fromFile.config);
  const loaded = parseCollectorConfig(fromFile.config, 'firehose-central sqs', placeholders(fromFile.config));
  expect(loaded.source.type === 'sqs' && loaded.source.objects.prefixes).toEqual([entry]);
  // Without the source stack's outputs nothing names those events.
  expect((configFromTerraform(central.outputs, { mode: 'sqs', externalId }).config.source as { objects?: unknown }).objects).toBeUndefined();
});

test('the examples exercise every mode and every kind of export collector identity', () => {
  // Fails if the per-stack tests above were skipped or produced nothing.
  expect(new Set(produced.map((p) => p.mode))).toEqual(new Set(COLLECTOR_MODES));
  const exports = produced.filter((p) => p.mode === 'export');
  expect(exports.some((p) => p.assumeRole === 'role')).toBe(true);
  expect(exports.some((p) => p.notes.some((n) => n.startsWith('export_collector_arn is an IAM user')))).toBe(true);
  expect(exports.some((p) => p.notes.some((n) => n.startsWith('no export_collector_arn output')))).toBe(true);
  expect(produced.some((p) => p.mode === 'sqs' && p.assumeRole === 'role')).toBe(true);
  // Both modes that keep state are shown with a shared table and with files.
  for (const mode of ['kinesis', 'export'] as const) {
    expect(new Set(produced.filter((p) => p.mode === mode).map((p) => p.state))).toEqual(new Set(['file', 'dynamodb']));
  }
});

/** The outputs the synth-time builder leaves out: values AWS chooses, and what no collector config reads. */
const NOT_AT_SYNTH = [
  'central_kms_key_arn',
  'export_kms_key_policy',
  'collector_service_name',
  'collector_cluster_arn',
  'collector_log_group',
  'collector_dashboard_name',
];

describe.each(cases.map(([example, stackName]) => [example, stackName] as const))('%s, stack %s, at synthesis', (example, stackName) => {
  test('the outputs built from the config (for the deployed collector) are the outputs the stack will have after apply', () => {
    const { stack, outputs } = synth(example).stacks.find((s) => s.stack.name === stackName)!;
    const atSynth = stackOutputsAtSynth(stack);
    const applied = flat(outputs);
    expect(atSynth).toEqual(Object.fromEntries(Object.entries(applied).filter(([name]) => !NOT_AT_SYNTH.includes(name))));
  });
});

const deployedCases = cases.flatMap(([example, stackName]) =>
  collectorDeploys(loadConfig(join(examplesDir, example)).stacks.find((s) => s.name === stackName)!).map((d) => [example, stackName, d.pipeline] as const),
);

test('the examples deploy a collector on each path', () => {
  expect(new Set(deployedCases.map(([, , pipeline]) => pipeline))).toEqual(new Set(COLLECTOR_MODES));
});

describe.each(deployedCases)('%s, stack %s, deployed %s collector', (example, stackName, pipeline) => {
  test('its generated config is config from-terraform on the applied outputs with the deploy sink, less the assumed roles, with a file state without a table', () => {
    const { config, stacks } = synth(example);
    const { stack, outputs } = stacks.find((s) => s.stack.name === stackName)!;
    const deploy = collectorDeploys(stack).find((d) => d.pipeline === pipeline)!.deploy;
    const others = stacks.filter((s) => s.stack.name !== stackName && s.stack.firehose).map((s) => s.outputs);
    const expected = configFromTerraform(outputs, {
      mode: pipeline,
      sinkConfig: deploy.sink,
      ...(pipeline === 'sqs' && others.length ? { objectsFrom: others } : {}),
    }).config;
    const source = { ...(expected.source as Record<string, unknown>) };
    delete source.assumeRole;
    const state: Record<string, unknown> = expected.state ? { ...(expected.state as Record<string, unknown>) } : { type: 'file', dir: '/var/lib/cwl-siem' };
    delete state.assumeRole;
    expect(JSON.parse(collectorConfigJson(stack, config, pipeline))).toEqual({ source, state, sink: expected.sink });
  });
});

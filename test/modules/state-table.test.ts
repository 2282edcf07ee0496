import { App, Testing } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { STACK_OUTPUTS } from '../../collector/src/outputs/names';
import { parseConfig } from '../../config/load';
import { Guardrails, SUPPRESSION_COMMENT_KEY } from '../../modules/guardrails';
import { KinesisLogStream } from '../../modules/kinesis/log-stream';
import { ExportDestination, ExportSender } from '../../modules/s3/export-destination';
import { addStacks, synthesize } from '../../modules/stacks/app';
import { CollectorStateTable } from '../../modules/state/state-table';
import { doc, ofType, only, Resources, synthResources } from './helpers';

/** The collector's DynamoDB state table (modules/state), the grants of the path constructs on it, and the stack that wires both from the config. */

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const env = { partition: 'aws' as const, region: 'us-east-1', accountId: A };
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${A}:table/cwl-siem-kinesis-state`;

const policiesByName = (r: Resources, type: 'aws_iam_role_policy' | 'aws_iam_user_policy') =>
  Object.fromEntries(ofType(r, type).map((p) => [p.name as string, doc(p.policy)]));

describe('CollectorStateTable', () => {
  test('keyed by leaseKey (S) like a KCL lease table, on-demand, point-in-time recovery, KMS with the AWS managed key, deletion protection', () => {
    let table!: CollectorStateTable;
    const r = synthResources((s) => (table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-kinesis-state' })));
    expect(only(r, 'aws_dynamodb_table')).toEqual(
      expect.objectContaining({
        name: 'cwl-siem-kinesis-state',
        hash_key: 'leaseKey',
        attribute: [{ name: 'leaseKey', type: 'S' }],
        billing_mode: 'PAY_PER_REQUEST',
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true },
        deletion_protection_enabled: true,
      }),
    );
    expect(only(r, 'aws_dynamodb_table')).not.toHaveProperty('range_key');
    expect(table.tableArn).toBe(TABLE_ARN);
    expect(table.accessPolicy.Statement.map((s) => s.Sid)).toEqual(['UseStateTable']);
    expect(table.accessPolicy.Statement[0].Resource).toBe(TABLE_ARN);
  });

  test('with a customer managed key: the table is encrypted with it and the access policy decrypts with it through DynamoDB', () => {
    let table!: CollectorStateTable;
    const r = synthResources((s) => (table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-kinesis-state', kmsKeyArn: KEY })));
    expect(only(r, 'aws_dynamodb_table').server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY });
    expect(table.accessPolicy.Statement[1]).toEqual({
      Sid: 'DecryptStateTable',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
    });
  });

  test('passes every guardrail; protection turned off is a suppression with its reason, in the resource for reviewers', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-state-'));
    const app = new App({ outdir });
    const config = parseConfig(
      {
        stacks: [
          {
            name: 'main',
            region: 'us-east-1',
            accountId: A,
            kinesis: {
              streamName: 'logs',
              subscription: { logGroupNames: ['/app/a'] },
              collector: { state: { type: 'dynamodb', deletionProtection: false, pointInTimeRecovery: false } },
            },
          },
        ],
      },
      'test.json',
    );
    const [stack] = addStacks(app, config);
    const ddb = Guardrails.report(stack).filter((f) => f.ruleId.startsWith('CWL-DDB-'));
    expect(ddb.map((f) => [f.ruleId, f.status, f.reason])).toEqual([
      ['CWL-DDB-1', 'suppressed', 'point-in-time recovery turned off on purpose (pointInTimeRecovery: false)'],
      ['CWL-DDB-2', 'compliant', undefined],
      ['CWL-DDB-3', 'suppressed', 'deletion protection turned off on purpose (deletionProtection: false)'],
    ]);
    expect(Guardrails.report(stack).filter((f) => f.status === 'non-compliant')).toEqual([]);
    try {
      app.synth();
      const tf = JSON.parse(readFileSync(join(outdir, 'stacks', 'main', 'cdk.tf.json'), 'utf8')) as { resource: Resources };
      const table = only(tf.resource, 'aws_dynamodb_table');
      expect(table).toMatchObject({ deletion_protection_enabled: false, point_in_time_recovery: { enabled: false } });
      expect((table['//'] as Record<string, unknown>)[SUPPRESSION_COMMENT_KEY]).toEqual([
        { rule: 'CWL-DDB-1', reason: 'point-in-time recovery turned off on purpose (pointInTimeRecovery: false)', suppressedAt: 'main/kinesis_state/table' },
        { rule: 'CWL-DDB-3', reason: 'deletion protection turned off on purpose (deletionProtection: false)', suppressedAt: 'main/kinesis_state/table' },
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('bad props fail together, naming each', () => {
    expect(() =>
      synthResources((s) => new CollectorStateTable(s, 'state', { ...env, region: 'eu-central-9', tableName: 'x', kmsKeyArn: 'alias/mine' })),
    ).toThrow(
      /CollectorStateTable test\/state: 3 invalid inputs:\n {2}- region: got "eu-central-9".*\n {2}- tableName: got "x".*\n {2}- kmsKeyArn: got "alias\/mine"/,
    );
  });
});

describe('the path constructs grant their collector identity the table', () => {
  const stream = { ...env, namePrefix: 'cwl-siem', streamName: 'cwl-siem-logs' };

  test('Kinesis: the reader role created here holds the access policy as a second inline policy', () => {
    const r = synthResources((s) => {
      const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-kinesis-state', kmsKeyArn: KEY });
      new KinesisLogStream(s, 'k', { ...stream, kmsKeyArn: KEY, reader: { roleName: 'cwl-siem-kinesis-reader' }, stateTable: table });
    });
    const policies = policiesByName(r, 'aws_iam_role_policy');
    expect(Object.keys(policies).sort()).toEqual(['collector-state', 'kinesis-reader', 'put-records']);
    expect(policies['collector-state'].Statement.map((s) => [s.Sid, s.Resource])).toEqual([
      ['UseStateTable', TABLE_ARN],
      ['DecryptStateTable', KEY],
    ]);
    const grant = ofType(r, 'aws_iam_role_policy').find((p) => p.name === 'collector-state')!;
    expect(grant.role).toMatch(/^\$\{aws_iam_role\.k_reader_role_[A-Z0-9]+\.name\}$/);
  });

  test('Kinesis: an existing reader role gets it as an inline policy of its own, named after the stream', () => {
    const r = synthResources((s) => {
      const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-kinesis-state' });
      new KinesisLogStream(s, 'k', { ...stream, reader: { roleName: 'existing-reader', create: false }, stateTable: table });
    });
    const grants = ofType(r, 'aws_iam_role_policy').filter((p) => p.role === 'existing-reader');
    expect(grants.map((g) => g.name).sort()).toEqual(['cwl-siem-kinesis-reader-cwl-siem-logs', 'cwl-siem-kinesis-state-cwl-siem-logs']);
    expect(doc(grants.find((g) => g.name === 'cwl-siem-kinesis-state-cwl-siem-logs')!.policy).Statement[0].Resource).toBe(TABLE_ARN);
  });

  test('Kinesis: a state table without a reader is refused (nobody would be granted it)', () => {
    expect(() =>
      synthResources((s) => {
        const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-kinesis-state' });
        new KinesisLogStream(s, 'k', { ...stream, stateTable: table });
      }),
    ).toThrow(/stateTable: got "cwl-siem-kinesis-state"; expected a reader too: the state table is granted to the reader/);
  });

  test('export, same account: the collector role created here holds it; without a collector the table is refused', () => {
    const bucket = { ...env, bucketName: 'acme-cwl-exports' };
    const r = synthResources((s) => {
      const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-export-state' });
      new ExportDestination(s, 'export', { ...bucket, collector: { type: 'role', roleName: 'cwl-siem-export-collector' }, stateTable: table });
    });
    expect(Object.keys(policiesByName(r, 'aws_iam_role_policy')).sort()).toEqual(['collector-state', 'export-collector']);
    expect(policiesByName(r, 'aws_iam_role_policy')['collector-state'].Statement[0].Resource).toBe(
      `arn:aws:dynamodb:us-east-1:${A}:table/cwl-siem-export-state`,
    );
    expect(() =>
      synthResources((s) => {
        const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-export-state' });
        new ExportDestination(s, 'export', { ...bucket, stateTable: table });
      }),
    ).toThrow(/a state table \(cwl-siem-export-state\) is granted to the collector identity created here, and there is none/);
  });

  test('export sender: an IAM user holds it as a user policy', () => {
    const r = synthResources((s) => {
      const table = new CollectorStateTable(s, 'state', { ...env, tableName: 'cwl-siem-export-state' });
      new ExportSender(s, 'sender', { ...env, bucketName: 'acme-cwl-exports', identity: { type: 'user', userName: 'exporter' }, stateTable: table });
    });
    expect(Object.keys(policiesByName(r, 'aws_iam_user_policy')).sort()).toEqual(['collector-state', 'export-collector']);
    expect(ofType(r, 'aws_iam_role_policy')).toEqual([]);
  });
});

describe('the stack, from the config', () => {
  const synthStacks = (raw: unknown) => {
    return addStacks(Testing.app(), parseConfig(raw, 'test.json')).map((stack) => ({
      name: stack.node.id,
      outputNames: stack.outputNames,
      tf: JSON.parse(Testing.synth(stack)) as { resource: Resources; output: Record<string, { value: string }> },
    }));
  };
  const state = { type: 'dynamodb' };
  const role = { type: 'role', roleName: 'cwl-siem-export-collector', trustedPrincipalArns: [`arn:aws:iam::${A}:root`] };

  test("a table per path, each encrypted with its path's key and named in its own output", () => {
    const [main] = synthStacks({
      stacks: [
        {
          name: 'main',
          region: 'us-east-1',
          accountId: A,
          kinesis: { streamName: 'logs', kmsKeyArn: KEY, subscription: { logGroupNames: ['/app/a'] }, collector: { state } },
          export: { bucketName: 'acme-exports', collector: { ...role, state: { ...state, tableName: 'acme-export-state' } } },
        },
      ],
    });
    const tables = ofType(main.tf.resource, 'aws_dynamodb_table').map((t) => [t.name, t.server_side_encryption]);
    expect(tables.sort()).toEqual([
      ['acme-export-state', { enabled: true }],
      ['cwl-siem-kinesis-state', { enabled: true, kms_key_arn: KEY }],
    ]);
    expect(main.tf.output[STACK_OUTPUTS.kinesisStateTableName].value).toBe('cwl-siem-kinesis-state');
    expect(main.tf.output[STACK_OUTPUTS.exportStateTableName].value).toBe('acme-export-state');
    const grants = ofType(main.tf.resource, 'aws_iam_role_policy').filter((p) => p.name === 'collector-state');
    expect(grants.map((g) => doc(g.policy).Statement[0].Resource).sort()).toEqual([
      `arn:aws:dynamodb:us-east-1:${A}:table/acme-export-state`,
      `arn:aws:dynamodb:us-east-1:${A}:table/cwl-siem-kinesis-state`,
    ]);
  });

  test("the export sender's table uses the AWS managed key: the bucket's key is another account's", () => {
    const bucketKey = 'arn:aws:kms:us-east-1:777788889999:key/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
    const [sender] = synthStacks({
      stacks: [
        {
          name: 'sender',
          region: 'us-east-1',
          accountId: A,
          exportSender: {
            bucketName: 'other',
            bucketAccountId: '777788889999',
            bucketKmsKeyArn: bucketKey,
            identity: { type: 'user', userName: 'exporter' },
            collector: { state },
          },
        },
      ],
    });
    expect(only(sender.tf.resource, 'aws_dynamodb_table')).toMatchObject({ name: 'cwl-siem-export-state', server_side_encryption: { enabled: true } });
    expect(JSON.stringify(only(sender.tf.resource, 'aws_dynamodb_table'))).not.toContain('kms_key_arn');
    const statePolicy = doc(ofType(sender.tf.resource, 'aws_iam_user_policy').find((p) => p.name === 'collector-state')!.policy);
    expect(statePolicy.Statement.map((s) => s.Sid)).toEqual(['UseStateTable']);
    expect(sender.outputNames).toContain(STACK_OUTPUTS.exportStateTableName);
  });

  test('the synth summary tells a reviewer which state table has its protection turned off, and is quiet about protected ones', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-state-summary-'));
    try {
      const config = parseConfig(
        {
          stacks: [
            {
              name: 'main',
              region: 'us-east-1',
              accountId: A,
              kinesis: { streamName: 'logs', subscription: { logGroupNames: ['/app/a'] }, collector: { state: { ...state, deletionProtection: false } } },
              export: { bucketName: 'acme-exports', collector: { ...role, state } },
            },
          ],
        },
        'test.json',
      );
      const [summary] = synthesize(config, join(outdir, 'cdktf.out'));
      expect(summary.resources.aws_dynamodb_table).toBe(2);
      expect(summary.notes.filter((n) => n.startsWith('state table'))).toEqual([
        'state table cwl-siem-kinesis-state has deletion protection turned off (kinesis.collector.state): its leases and checkpoints can be lost with the table',
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('without a state block: no table, no state output, no state grant', () => {
    const [main] = synthStacks({
      stacks: [
        {
          name: 'main',
          region: 'us-east-1',
          accountId: A,
          kinesis: { streamName: 'logs', subscription: { logGroupNames: ['/app/a'] }, collector: {} },
          export: { bucketName: 'acme-exports', collector: role },
        },
      ],
    });
    expect(main.tf.resource.aws_dynamodb_table).toBeUndefined();
    expect(main.outputNames.filter((n) => n.includes('state'))).toEqual([]);
    expect(ofType(main.tf.resource, 'aws_iam_role_policy').map((p) => p.name)).not.toContain('collector-state');
  });
});

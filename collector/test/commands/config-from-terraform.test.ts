import Ajv from 'ajv';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { Readable, Writable } from 'stream';
import { runConfigCommand, runConfigFromTerraform } from '../../src/commands/config-from-terraform';
import { ALL, CENTRAL, EXPORT, KINESIS, terraformJson } from '../fixtures/stack-outputs';

/** `cwl-siem-collector config from-terraform`: files and standard input in, the config out (the mapping itself: test/outputs/to-config.test.ts). */

// ---------------------------------------------------------------------------------------------
// The command, in process

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function command(args: string[], stdin = '') {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runConfigFromTerraform(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-cfg-tf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeJson = (name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('runConfigFromTerraform', () => {
  test('reads a file and prints the config on stdout, notes on stderr', async () => {
    const outputs = writeJson('outputs.json', terraformJson(CENTRAL));
    const r = await command(['--outputs', outputs, '--mode=sqs', '--sink', 'syslog', '--host', 'siem.example.com', '--port', '6514', '--protocol', 'tls']);
    expect(r.status).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config.source).toMatchObject({ type: 'sqs', queueUrl: ALL.queue_url, assumeRole: { externalId: '${CWL_SIEM_EXTERNAL_ID}' } });
    expect(config.sink).toEqual({ type: 'syslog', host: 'siem.example.com', port: 6514, protocol: 'tls' });
    expect(r.stderr).toMatch(/^note: siem_role_arn is assumed with an external id/m);
  });

  test('--outputs - reads standard input; --set repeats; --sink-config reads a file', async () => {
    const sinkFile = writeJson('sink.json', { type: 'file', path: '/data/events.ndjson', maxFiles: 3 });
    const r = await command(
      [
        '--outputs',
        '-',
        '--mode',
        'kinesis',
        '--sink-config',
        sinkFile,
        '--set',
        'source.endpoint=http://127.0.0.1:4567',
        '--set',
        'state.dir=/var/lib/cwl-siem',
      ],
      JSON.stringify({ kinesis: KINESIS }),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      source: { type: 'kinesis', endpoint: 'http://127.0.0.1:4567' },
      sink: { type: 'file', path: '/data/events.ndjson', maxFiles: 3 },
      state: { type: 'file', dir: '/var/lib/cwl-siem' },
    });
  });

  test('--objects-from FILE repeats; only one input may be standard input', async () => {
    const outputs = writeJson('central.json', terraformJson(CENTRAL));
    const source = writeJson('source.json', {
      region: 'eu-west-1',
      account_id: '444455556666',
      firehose_prefix: 'cwl/444455556666',
      firehose_log_group: '/aws/vpc/flow-logs',
    });
    const r = await command([
      '--outputs',
      outputs,
      '--mode',
      'sqs',
      '--external-id',
      'acme-siem-7f3c9a2e',
      '--objects-from',
      source,
      '--objects-from=' + source,
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).source.objects).toEqual({ prefixes: [{ prefix: 'cwl/444455556666/', logGroup: '/aws/vpc/flow-logs', owner: '444455556666' }] });
    const twice = await command(['--outputs', '-', '--mode', 'sqs', '--objects-from', '-']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/only one of --outputs, --sink-config and --objects-from may read standard input/);
  });

  test('--out writes the file atomically and leaves no temporary file', async () => {
    const outputs = writeJson('outputs.json', EXPORT);
    const out = join(dir, 'collector.json');
    const r = await command(['--outputs', outputs, '--mode', 'export', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote ${out} (source export)`);
    expect(JSON.parse(readFileSync(out, 'utf8')).source).toMatchObject({ bucket: ALL.export_bucket });
    expect(readdirSync(dir).sort()).toEqual(['collector.json', 'outputs.json']);
  });

  test('--out refuses to replace a file without --force; with it, the file is replaced by a rename', async () => {
    const outputs = writeJson('outputs.json', EXPORT);
    const out = writeJson('collector.json', '{"mine": true}\n');
    const before = statSync(out).ino;
    const refused = await command(['--outputs', outputs, '--mode', 'export', '--out', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`config from-terraform: ${out} exists: pass --force to replace it\n`);
    expect(readFileSync(out, 'utf8')).toBe('{"mine": true}\n');

    const forced = await command(['--outputs', outputs, '--mode', 'export', '--out', out, '--force']);
    expect(forced.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).source.type).toBe('export');
    // A new inode: the old file was never opened for writing, so a reader saw old or new, never a mix.
    expect(statSync(out).ino).not.toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['collector.json', 'outputs.json']);
  });

  test('a config that fails validation is not written', async () => {
    const outputs = writeJson('outputs.json', KINESIS);
    const out = join(dir, 'collector.json');
    const r = await command(['--outputs', outputs, '--mode', 'kinesis', '--set', 'source.startPosition=SOMEWHERE', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the config would not be valid/);
    expect(existsSync(out)).toBe(false);
  });

  test('a folder that does not exist exits 1', async () => {
    const outputs = writeJson('outputs.json', KINESIS);
    const r = await command(['--outputs', outputs, '--mode', 'kinesis', '--out', join(dir, 'missing', 'collector.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^config from-terraform: cannot write .*collector\.json: ENOENT/);
  });

  test.each([
    [['--mode', 'kinesis'], '--outputs FILE|- is required (e.g. terraform output -json > outputs.json)'],
    [['--outputs', 'x', '--outputs', 'y'], '--outputs is given twice'],
    [['--outputs', 'x', '--frob'], 'unknown option --frob'],
    [['--outputs', 'x', 'extra'], 'unexpected argument "extra"'],
    [['--outputs', 'x', '--port', '99999', '--sink', 'syslog'], '--port must be a port number 1-65535, got "99999"'],
    [['--outputs', 'x', '--protocol', 'smtp'], '--protocol must be one of tls, tcp, udp, got "smtp"'],
    [['--outputs', 'x', '--sink', 'kafka'], '--sink must be one of stdout, file, syslog, splunk-hec, http, got "kafka"'],
    [['--outputs', 'x', '--force'], '--force is only for --out'],
    [['--outputs', 'x', '--sink-config', 's.json', '--sink', 'stdout'], '--sink-config and --sink (or its flags) exclude each other'],
    [['--outputs', '-', '--sink-config', '-'], '--outputs and --sink-config cannot both read standard input'],
    [['--outputs'], '--outputs needs a value'],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await command(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`config from-terraform: ${message}\n`);
    expect(r.stderr).toContain('Usage: cwl-siem-collector config from-terraform');
    expect(r.stdout).toBe('');
  });

  test('outputs that are not JSON, or a missing file, exit 2 naming the file', async () => {
    const bad = writeJson('outputs.json', 'Outputs:\n\nqueue_url = "https://..."\n');
    const r = await command(['--outputs', bad, '--mode', 'sqs']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^config from-terraform: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not JSON \\(.*\\); write them with terraform output -json\\n$`),
    );
    const missing = await command(['--outputs', join(dir, 'nope.json'), '--mode', 'sqs']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read the outputs: ENOENT/);
    const stdin = await command(['--outputs', '-', '--mode', 'sqs'], '');
    expect(stdin.status).toBe(2);
    expect(stdin.stderr).toMatch(/<stdin>: not JSON/);
  });

  test('--help prints the options; `config` needs a subcommand', async () => {
    expect((await command(['--help'])).stdout).toMatch(/--external-id VALUE/);
    const out = new Capture();
    const err = new Capture();
    const io = { stdin: Readable.from([]), stdout: out, stderr: err };
    expect(await runConfigCommand(['--help'], io)).toBe(0);
    expect(out.text).toMatch(/^Usage: cwl-siem-collector config from-terraform/);
    expect(await runConfigCommand([], io)).toBe(2);
    expect(await runConfigCommand(['to-yaml'], io)).toBe(2);
    expect(err.text).toMatch(/config: needs a subcommand[\s\S]*config: unknown subcommand "to-yaml"/);
  });
});

// ---------------------------------------------------------------------------------------------
// The bin, as a user runs it

describe('cwl-siem-collector config from-terraform (the bin)', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
  const run = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, env: { ...process.env, ...env } });

  test('outputs → config file → check-config accepts it once the external id is set', () => {
    const outputs = writeJson('outputs.json', terraformJson(CENTRAL));
    const out = join(dir, 'collector.json');
    const r = run([
      'config',
      'from-terraform',
      '--outputs',
      outputs,
      '--mode',
      'sqs',
      '--sink',
      'splunk-hec',
      '--url',
      'https://splunk.example.com:8088/services/collector/event',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/note: siem_role_arn is assumed with an external id/);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/"token"/);

    const unset = run(['check-config', '--config', out], undefined, { CWL_SIEM_EXTERNAL_ID: undefined });
    expect(unset.status).toBe(2);
    expect(unset.stderr).toMatch(/CWL_SIEM_EXTERNAL_ID, which is not set/);
    const ok = run(['check-config', '--config', out], undefined, { CWL_SIEM_EXTERNAL_ID: 'acme-siem-7f3c9a2e' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe(`${out}: valid (source sqs, sink splunk-hec)\n`);
  });

  test('the $schema it writes is the schema file of the package, relative to the folder of the --out file (to the current directory on stdout)', () => {
    const schemaFile = resolve(__dirname, '..', '..', 'config.schema.json');
    const outputs = writeJson('outputs.json', terraformJson(KINESIS));
    const out = join(dir, 'deploy', 'prod', 'collector.json');
    mkdirSync(dirname(out), { recursive: true });
    const written = run(['config', 'from-terraform', '--outputs', outputs, '--mode', 'kinesis', '--out', out]);
    expect(written.status).toBe(0);
    const config = JSON.parse(readFileSync(out, 'utf8')) as { $schema: string };
    expect(config.$schema).not.toMatch(/^\/|^[a-z]+:/);
    expect(resolve(dirname(out), config.$schema)).toBe(schemaFile);
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
    expect(validate(config)).toBe(true);

    const printed = spawnSync(process.execPath, [bin, 'config', 'from-terraform', '--outputs', outputs, '--mode', 'kinesis'], { cwd: dir, encoding: 'utf8' });
    expect(printed.status).toBe(0);
    expect(resolve(dir, (JSON.parse(printed.stdout) as { $schema: string }).$schema)).toBe(schemaFile);
  });

  test('stdin to stdout; a wrong mode exits 2 with the hint; `config --help` and the top-level usage', () => {
    const r = run(['config', 'from-terraform', '--outputs', '-', '--mode', 'kinesis'], JSON.stringify(terraformJson(KINESIS)));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).source).toEqual({
      type: 'kinesis',
      streamName: 'cwl-siem-logs',
      region: 'eu-west-1',
      assumeRole: { roleArn: ALL.kinesis_reader_role_arn },
    });

    const wrong = run(['config', 'from-terraform', '--outputs', '-', '--mode', 'sqs'], JSON.stringify(KINESIS));
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe('config from-terraform: --mode sqs needs the output queue_url, which these outputs lack; they fit --mode kinesis\n');

    const help = run(['config', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--outputs FILE\|-/);
    expect(run(['--help']).stdout).toMatch(/config from-terraform --outputs FILE --mode MODE/);
  });
});

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Help of every command, as the bin prints it: `CMD --help`, `CMD -h`, `CMD help` (the word alone)
 * and `help CMD` each print that command's own usage on stdout and exit 0, with nothing on stderr.
 */

const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** Each command (with its subcommand) and how its usage starts. */
const COMMANDS: readonly (readonly [string[], string])[] = [
  [['run'], 'Usage: cwl-siem-collector run --config FILE'],
  [['check-config'], 'Usage: cwl-siem-collector check-config --config FILE'],
  [['decode'], 'Usage: cwl-siem-collector decode '],
  [['config'], 'Usage: cwl-siem-collector config from-terraform '],
  [['config', 'from-terraform'], 'Usage: cwl-siem-collector config from-terraform '],
  [['export'], 'Usage: cwl-siem-collector export '],
  [['export', 'status'], 'Usage: cwl-siem-collector export '],
  [['export', 'pause'], 'Usage: cwl-siem-collector export '],
  [['export', 'resume'], 'Usage: cwl-siem-collector export '],
  [['export', 'backfill'], 'Usage: cwl-siem-collector export '],
];

describe.each(COMMANDS)('help of %j', (command, usage) => {
  test.each([
    ['--help', [...command, '--help']],
    ['-h', [...command, '-h']],
    ['help, the word alone', [...command, 'help']],
    ['help COMMAND', ['help', ...command]],
  ])('%s: exits 0 with its usage on stdout', (_form, args) => {
    const r = cli(args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.startsWith(usage)).toBe(true);
  });
});

describe('help', () => {
  test('--help after other options still means help', () => {
    for (const args of [
      ['run', '--config', 'nope.json', '--help'],
      ['decode', '--keep-going', '--help'],
      ['export', 'status', '--config', 'nope.json', '--help'],
    ]) {
      const r = cli(args);
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
    }
  });

  test('help of an unknown command exits 2 with the top-level usage', () => {
    const r = cli(['help', 'frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cwl-siem-collector: unknown command "frobnicate"\n\nUsage: cwl-siem-collector <command>/);
  });
});

import { spawnSync } from 'child_process';
import { resolve } from 'path';
import { CHECK_CONFIG_USAGE } from '../../src/commands/check-config';
import { CLI_USAGE } from '../../src/commands/conventions';
import { RUN_USAGE } from '../../src/commands/run';

/** The dispatcher: a command's module (and what it needs) is loaded only when that command runs. */

const collector = resolve(__dirname, '..', '..');

/** Runs `main(args)` in a fresh node and reports which modules it loaded. */
function loaded(args: string[]): { status: number | null; stdout: string; sdk: number; app: boolean; commands: string[] } {
  const script = `
    const { main } = require('./src/cli');
    main(${JSON.stringify(args)}).then(() => {
      const files = Object.keys(require.cache);
      process.stderr.write(JSON.stringify({
        sdk: files.filter((f) => f.includes('/@aws-sdk/')).length,
        app: files.some((f) => f.endsWith('/src/app.ts')),
        commands: files.filter((f) => f.includes('/src/commands/')).map((f) => f.slice(f.indexOf('/src/commands/') + 14)).sort(),
      }));
    });`;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: collector, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, ...JSON.parse(r.stderr.slice(r.stderr.lastIndexOf('{'))) };
}

describe('cwl-siem-collector dispatch', () => {
  test('--help loads no command', () => {
    const r = loaded(['--help']);
    expect(r.stdout).toBe(CLI_USAGE);
    expect(r.commands).toEqual(['args.ts', 'conventions.ts']);
    expect(r.sdk).toBe(0);
  });

  test('decode loads its own module only: neither the AWS SDK nor the application', () => {
    const r = loaded(['decode', '--help']);
    expect(r.status).toBe(0);
    expect(r.commands).toEqual(['args.ts', 'conventions.ts', 'decode.ts']);
    expect(r.sdk).toBe(0);
    expect(r.app).toBe(false);
  });

  test('run and check-config take only --config: anything else exits 2 with their usage', () => {
    const bin = resolve(collector, 'bin', 'cwl-siem-collector.js');
    for (const [command, usage] of [
      ['run', RUN_USAGE],
      ['check-config', CHECK_CONFIG_USAGE],
    ]) {
      const r = spawnSync(process.execPath, [bin, command, '--config', 'x.json', '--bogus'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`cwl-siem-collector: unknown option --bogus\n\n${usage}`);
    }
  });
});

import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/**
 * `npm start`, the README's first command, on a bad config: exit 2 (as main.ts itself exits), each
 * problem printed once with its JSON path, and nothing written.
 */

const root = resolve(__dirname, '..', '..');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'cwl-siem-npm-start-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

test('npm start on a bad config exits 2 and prints each problem once', () => {
  const config = join(work, 'mine.json');
  writeFileSync(
    config,
    JSON.stringify({
      stacks: [{ name: 'a', region: 'us-east-1', accountId: '1234', kinesis: { streamName: 's', subscription: { logGroupNames: ['/a'], accountPolicy: {} } } }],
    }),
  );
  const outdir = join(work, 'out');
  const r = spawnSync('npm', ['start'], {
    cwd: root,
    env: { ...process.env, CWL_SIEM_CONFIG: config, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  const printed = `${r.stdout}\n${r.stderr}`;
  const count = (text: string) => printed.split(text).length - 1;
  expect({ status: r.status, header: count(`cwl-siem: ${config}: 2 problems in the config:`) }).toEqual({ status: 2, header: 1 });
  expect(count('  - $.stacks[0].accountId: must be a 12-digit AWS account id as a string, got "1234"')).toBe(1);
  expect(count('  - $.stacks[0].kinesis.subscription: must have exactly one of logGroupNames and accountPolicy, got both')).toBe(1);
  expect(existsSync(outdir)).toBe(false);
});

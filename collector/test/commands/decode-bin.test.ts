import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * `cwl-siem-collector decode` as a process (the bin): an input that holds nothing to decode is a
 * failure that says what was expected, never a silent exit 0.
 */

const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
const decode = (args: string[], input?: Buffer) => spawnSync(process.execPath, [bin, 'decode', ...args], { input, encoding: 'utf8' });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-decode-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decode of an input with nothing in it', () => {
  test.each([
    ['empty standard input', Buffer.alloc(0)],
    ['blank lines', Buffer.from('\n  \r\n\t\n')],
    ['an empty gzip member', gzipSync(Buffer.alloc(0))],
  ])('%s: exits 1, prints no event and says what it expected', (_what, input) => {
    const r = decode([], input);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      '<stdin>: nothing to decode (empty, or only blank lines): expected a Kinesis record, `aws kinesis get-records` output, a Firehose object or an export-task object\n',
    );
    expect(r.status).toBe(1);
  });

  test('an empty file named as an export-task object, with its format given: exits 1 naming the file and the format', () => {
    const file = join(dir, '000000.gz');
    writeFileSync(file, gzipSync(Buffer.alloc(0)));
    for (const args of [[file], ['--input-format', 'export-object', file]]) {
      const r = decode(args);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `${file}: nothing to decode (empty, or only blank lines): expected an export-task object ("<ISO-8601 timestamp> <message>" lines)\n`,
      );
      expect(r.status).toBe(1);
    }
  });

  test('with --keep-going the empty input is reported and the next input still decoded', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const lines = join(dir, 'lines.txt');
    writeFileSync(lines, 'hello\n');
    const r = decode(['--keep-going', '--input-format', 'firehose-object', empty, lines]);
    expect(r.stderr).toBe(
      `${empty}: nothing to decode (empty, or only blank lines): expected a Firehose object (gzip members, JSON payloads or message lines)\n`,
    );
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message: string }).message),
    ).toEqual(['hello']);
    expect(r.status).toBe(1);
  });

  test('a control message and get-records output without records are decoded: exit 0, no event', () => {
    const control = gzipSync(
      JSON.stringify({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [] }),
    );
    for (const input of [control, Buffer.from('{"Records":[],"NextShardIterator":"AAA","MillisBehindLatest":0}')]) {
      const r = decode([], input);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
    }
  });
});

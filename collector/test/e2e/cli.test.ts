import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { gzipSync } from 'zlib';

/** The bin as a newcomer runs it after `npm ci` (`npx cwl-siem-collector ...`, from the sources). */

const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('cwl-siem-collector command line', () => {
  test('decode turns what `aws kinesis get-records` printed into parsed NDJSON events', () => {
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/vpc/flow-logs',
      logStream: 'eni-1-all',
      subscriptionFilters: ['cwl-siem-kinesis'],
      logEvents: [
        { id: '3719', timestamp: 1763800000000, message: '2 111122223333 eni-0a1b2c3d 10.0.0.5 10.0.1.9 443 40001 6 10 840 1763800000 1763800060 ACCEPT OK' },
      ],
    };
    const file = join(dir, 'records.json');
    writeFileSync(
      file,
      JSON.stringify({
        Records: [{ SequenceNumber: '4959', Data: gzipSync(JSON.stringify(payload)).toString('base64'), PartitionKey: 'p' }],
        NextShardIterator: 'AAA',
        MillisBehindLatest: 0,
      }),
    );
    const r = run(['decode', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toEqual([
      expect.objectContaining({
        id: '3719',
        logGroup: '/aws/vpc/flow-logs',
        type: 'vpcflow',
        fields: expect.objectContaining({ srcport: 443, action: 'ACCEPT', log_status: 'OK' }),
      }),
    ]);
  });

  test('decode of a file that is not a CloudWatch payload exits 1 naming the file', () => {
    const file = join(dir, 'junk.bin');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    const r = run(['decode', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('junk.bin');
  });

  test('an unknown command and a missing --config exit 2 with usage', () => {
    expect(run(['frobnicate']).status).toBe(2);
    const r = run(['run']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/run needs --config FILE/);
  });
});

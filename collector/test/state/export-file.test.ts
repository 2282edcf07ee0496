import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { STATE_FILES } from '../../src/state/config';
import { FileExportStore, readControl } from '../../src/state/file/export';
import { StateStoreError } from '../../src/state/store';
import { metricValue } from '../export/dynamo-helpers';

/** The file store's export state: the checkpoint file of earlier versions read and written unchanged, its leader lease, scopes. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-export-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, STATE_FILES.checkpoints);
const store = (scope?: string, checkpoints = new FileCheckpointStore(file())) =>
  new FileExportStore({ checkpoints, controlFile: join(dir, STATE_FILES.exportControl), scope, logger: silentLogger(), metrics: createMetrics() });

/** A checkpoint file as the collector wrote it before the state store (checkpoint.path), byte for byte. */
const OLD_FILE = `{
  "export/discovery": "{\\"at\\":1763800000000,\\"groups\\":[\\"/app/api\\",\\"/app/web\\"]}",
  "export/group//app/api": "{\\"exportedUntil\\":1763800000000}",
  "export/group//app/web": "{\\"exportedUntil\\":1763790000000,\\"windowMs\\":30000,\\"splitUntil\\":1763790060000}",
  "export/group//old/gone": "{\\"exportedUntil\\":1763000000000,\\"failures\\":2,\\"retryAt\\":1763000060000}",
  "export/task": "{\\"taskId\\":\\"t-1\\",\\"taskName\\":\\"cwl-siem-abc-1-2\\",\\"group\\":\\"/app/api\\",\\"from\\":1763800000000,\\"to\\":1763800060000,\\"createdAt\\":1763800070000,\\"done\\":[\\"exportedlogs/t-1/a/000000.gz\\"]}",
  "kinesis/cwl/shardId-000000000000": "49590338271490256608559692538361571095921575989136588802"
}
`;

describe('FileExportStore', () => {
  test('reads a checkpoint file of an earlier version as it is', async () => {
    writeFileSync(file(), OLD_FILE);
    const s = store();
    expect(await s.groups()).toEqual(
      new Map([
        ['/app/api', { exportedUntil: 1763800000000 }],
        ['/app/web', { exportedUntil: 1763790000000, windowMs: 30000, splitUntil: 1763790060000 }],
        ['/old/gone', { exportedUntil: 1763000000000, failures: 2, retryAt: 1763000060000 }],
      ]),
    );
    expect(await s.task()).toEqual({
      taskId: 't-1',
      taskName: 'cwl-siem-abc-1-2',
      group: '/app/api',
      from: 1763800000000,
      to: 1763800060000,
      createdAt: 1763800070000,
      done: ['exportedlogs/t-1/a/000000.gz'],
    });
    expect(await s.discovery()).toEqual({ at: 1763800000000, groups: ['/app/api', '/app/web'] });
  });

  test('writes the same keys and values as earlier versions, so they (and a rollback) read the file too', async () => {
    writeFileSync(file(), OLD_FILE);
    const checkpoints = new FileCheckpointStore(file());
    const s = store(undefined, checkpoints);
    await s.saveGroup('/app/api', { exportedUntil: 1763800060000, failures: 0 });
    await s.saveTask(undefined);
    await s.saveDiscovery({ at: 1763800100000, groups: ['/app/api'] });
    await checkpoints.close();
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({
      ...JSON.parse(OLD_FILE),
      'export/group//app/api': '{"exportedUntil":1763800060000}',
      'export/task': '',
      'export/discovery': '{"at":1763800100000,"groups":["/app/api"]}',
    });
  });

  test('the leader lease is this process’s at once; it ends only when released', async () => {
    const metrics = createMetrics();
    const s = new FileExportStore({ checkpoints: new FileCheckpointStore(file()), controlFile: join(dir, 'c.json'), logger: silentLogger(), metrics });
    const lease = (await s.leadership.acquire(new AbortController().signal))!;
    expect(lease.aborted).toBe(false);
    expect(await metricValue(metrics.leasesHeld, { kind: 'leader' })).toBe(1);
    expect(await s.leadership.holder()).toBe(s.leadership.workerId);
    expect(s.leadership.workerId).toContain(String(process.pid));
    await s.leadership.release();
    expect(lease.aborted).toBe(true);
    expect(await s.leadership.holder()).toBeUndefined();
    const stopped = new AbortController();
    stopped.abort();
    expect(await s.leadership.acquire(stopped.signal)).toBeUndefined();
    expect(await metricValue(metrics.leasesHeld, { kind: 'leader' })).toBe(0);
  });

  test('pause entries are the control file; a scoped store keeps its keys apart and has none', async () => {
    const s = store();
    await s.updateControl(() => ({ paused: { '/app/web': { since: 'now', reason: 'r' } } }));
    expect(readControl(join(dir, STATE_FILES.exportControl))).toEqual({ paused: { '/app/web': { since: 'now', reason: 'r' } } });
    expect(await s.control()).toEqual({ paused: { '/app/web': { since: 'now', reason: 'r' } } });

    const checkpoints = new FileCheckpointStore(file());
    const backfill = store('backfill-1', checkpoints);
    await backfill.saveGroup('/app/web', { exportedUntil: 5 });
    await backfill.saveTask({ taskId: 't', taskName: 'n', group: '/app/web', from: 1, to: 5, createdAt: 0, done: [] });
    await checkpoints.close();
    expect(Object.keys(JSON.parse(readFileSync(file(), 'utf8')))).toEqual(['export/scope/backfill-1/group//app/web', 'export/scope/backfill-1/task']);
    expect(await store().groups()).toEqual(new Map());
    expect((await store('backfill-1').groups()).get('/app/web')).toEqual({ exportedUntil: 5 });
    expect(await backfill.control()).toEqual({ paused: {} });
    await expect(backfill.updateControl((c) => c)).rejects.toBeInstanceOf(StateStoreError);
  });
});

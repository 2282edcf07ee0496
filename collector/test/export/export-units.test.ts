import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'fs';
import { hostname, tmpdir } from 'os';
import { join } from 'path';
import { EMPTY_CONTROL, ExportControl, nameMatcher, pausedBy } from '../../src/sources/export/control';
import { ControlWatcher, ExportControlError, parseControl, readControl, updateControlFile as updateControl } from '../../src/state/file/export';
import { exportTaskName, ownerFromArn } from '../../src/sources/export/tasks';
import { ExportStateError, parseGroups, parseTask, TASK_KEY } from '../../src/sources/export/state';

/** The export mode's pure parts: task names, state parsing, the pause file (AWS errors: test/aws/errors.test.ts). */

describe('ownerFromArn', () => {
  test.each<[string | undefined, string]>([
    ['arn:aws:logs:us-east-1:123456789012:log-group:/app/api:*', '123456789012'],
    ['arn:aws-cn:logs:cn-north-1:210987654321:log-group:a:b:c', '210987654321'],
    ['arn:aws:logs:us-east-1:12345:log-group:/x:*', ''],
    ['arn:aws:logs:us-east-1:abcdefghijkl:log-group:/x:*', ''],
    ['arn:aws:logs:us-east-1::log-group:/x:*', ''],
    ['not an arn', ''],
    ['', ''],
    [undefined, ''],
  ])('%s → %j', (arn, owner) => {
    expect(ownerFromArn(arn)).toBe(owner);
  });
});

describe('exportTaskName', () => {
  test('is deterministic', () => {
    expect(exportTaskName('/app/api', 1000, 2000)).toBe(exportTaskName('/app/api', 1000, 2000));
    expect(exportTaskName('/app/api', 1000, 2000)).toMatch(/^cwl-siem-[0-9a-f]{12}-1000-2000$/);
  });

  test('differs when the group, from or to differs', () => {
    const names = [
      exportTaskName('/app/api', 1000, 2000),
      exportTaskName('/app/web', 1000, 2000),
      exportTaskName('/app/api', 1001, 2000),
      exportTaskName('/app/api', 1000, 2001),
      exportTaskName('/app/api1', 1000, 2000),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  test('stays within 512 characters for a 512-character group name and large times', () => {
    const group = `/${'g'.repeat(511)}`;
    const name = exportTaskName(group, 8_640_000_000_000_000, 8_640_000_000_000_000);
    expect(name.length).toBeLessThanOrEqual(512);
    expect(name).not.toContain(group.slice(1, 20));
    expect(exportTaskName(group, 0, 1)).not.toBe(exportTaskName(`${group.slice(0, -1)}h`, 0, 1));
  });
});

describe('export state parsing', () => {
  test('parseGroups reads the group keys only, keeping the optional fields', () => {
    const all = {
      'export/group//app/api': '{"exportedUntil":1000}',
      'export/group//app/web': '{"exportedUntil":2000,"windowMs":500,"splitUntil":3000,"failures":2,"retryAt":9000}',
      [TASK_KEY]: '',
      'shardId-000': 'seq',
    };
    const m = parseGroups(all);
    expect([...m.keys()].sort()).toEqual(['/app/api', '/app/web']);
    expect(m.get('/app/api')).toEqual({ exportedUntil: 1000 });
    expect(m.get('/app/web')).toEqual({ exportedUntil: 2000, windowMs: 500, splitUntil: 3000, failures: 2, retryAt: 9000 });
    expect(parseGroups({}).size).toBe(0);
  });

  test.each([
    ['not JSON', '{exportedUntil:1', /checkpoint export\/group\/\/bad is not JSON/],
    ['a number', '5', /checkpoint export\/group\/\/bad has no numeric exportedUntil/],
    ['null', 'null', /checkpoint export\/group\/\/bad has no numeric exportedUntil/],
    ['a string exportedUntil', '{"exportedUntil":"1000"}', /checkpoint export\/group\/\/bad has no numeric exportedUntil/],
    ['no exportedUntil', '{"windowMs":1}', /checkpoint export\/group\/\/bad has no numeric exportedUntil/],
    ['an empty string', '', /checkpoint export\/group\/\/bad is not JSON/],
  ])('parseGroups: %s throws ExportStateError naming the key', (_what, value, re) => {
    const call = () => parseGroups({ 'export/group//ok': '{"exportedUntil":1}', 'export/group//bad': value });
    expect(call).toThrow(ExportStateError);
    expect(call).toThrow(re);
  });

  test('parseTask: a task, with defaults for fields older states lack', () => {
    const t = { taskId: 't-1', taskName: 'n', group: '/g', from: 1, to: 2, createdAt: 5, done: ['a'] };
    expect(parseTask(JSON.stringify(t))).toEqual(t);
    expect(parseTask('{"taskId":"","group":"/g","from":1,"to":2,"done":[]}')).toEqual({
      taskId: '',
      taskName: '',
      group: '/g',
      from: 1,
      to: 2,
      createdAt: 0,
      done: [],
    });
  });

  test('parseTask: "" and undefined are no task', () => {
    expect(parseTask('')).toBeUndefined();
    expect(parseTask(undefined)).toBeUndefined();
  });

  test.each([
    ['not JSON', '{"taskId":', /checkpoint export\/task is not JSON/],
    ['null', 'null', /checkpoint export\/task is not a task/],
    ['an array', '[]', /checkpoint export\/task is not a task/],
    ['a numeric taskId', '{"taskId":1,"group":"/g","from":1,"to":2,"done":[]}', /checkpoint export\/task is not a task/],
    ['no group', '{"taskId":"t","from":1,"to":2,"done":[]}', /checkpoint export\/task is not a task/],
    ['a string from', '{"taskId":"t","group":"/g","from":"1","to":2,"done":[]}', /checkpoint export\/task is not a task/],
    ['done not an array', '{"taskId":"t","group":"/g","from":1,"to":2,"done":"a"}', /checkpoint export\/task is not a task/],
  ])('parseTask: %s throws ExportStateError naming the key', (_what, value, re) => {
    expect(() => parseTask(value)).toThrow(ExportStateError);
    expect(() => parseTask(value)).toThrow(re);
  });
});

describe('control file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cwl-control-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const pause = (since = '2026-11-22T00:00:00.000Z', reason?: string) => ({ since, ...(reason ? { reason } : {}) });

  test('parseControl accepts the documented shape', () => {
    expect(parseControl('{"paused":{}}', 'f')).toEqual({ paused: {} });
    expect(parseControl(JSON.stringify({ paused: { '/a': pause(), '/b*': pause(undefined, 'noisy') } }), 'f').paused['/b*']).toEqual({
      since: '2026-11-22T00:00:00.000Z',
      reason: 'noisy',
    });
  });

  test.each([
    ['not JSON', '{"paused":', /^ctl.json: is not valid JSON/],
    ['an array', '[]', /^ctl.json: must be an object with a "paused" object$/],
    ['null', 'null', /^ctl.json: must be an object with a "paused" object$/],
    ['no paused', '{}', /^ctl.json: must be an object with a "paused" object$/],
    ['paused an array', '{"paused":[]}', /^ctl.json: must be an object with a "paused" object$/],
    ['paused null', '{"paused":null}', /^ctl.json: must be an object with a "paused" object$/],
    ['an entry without since', '{"paused":{"/a":{"reason":"x"}}}', /^ctl.json: paused\["\/a"\] needs a "since" time$/],
    ['an entry that is a string', '{"paused":{"/a":"yes"}}', /^ctl.json: paused\["\/a"\] needs a "since" time$/],
    ['a numeric since', '{"paused":{"/a":{"since":1}}}', /^ctl.json: paused\["\/a"\] needs a "since" time$/],
  ])('parseControl: %s is an ExportControlError', (_what, text, re) => {
    let err: unknown;
    try {
      parseControl(text, 'ctl.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExportControlError);
    expect((err as ExportControlError).file).toBe('ctl.json');
    expect((err as Error).message).toMatch(re);
  });

  test('readControl: a missing file is nothing paused', () => {
    expect(readControl(join(dir, 'none.json'))).toBe(EMPTY_CONTROL);
  });

  test('readControl: a directory in place of the file is an error, not "nothing paused"', () => {
    expect(() => readControl(dir)).toThrow(ExportControlError);
  });

  test('pausedBy: an exact name, then a * pattern; case-sensitive', () => {
    const c: ExportControl = { paused: { '/app/api': pause(), '/aws/lambda/*': pause(), '/x*y': pause() } };
    expect(pausedBy(c, '/app/api')).toBe('/app/api');
    expect(pausedBy(c, '/App/api')).toBeUndefined();
    expect(pausedBy(c, '/app/api2')).toBeUndefined();
    expect(pausedBy(c, '/app')).toBeUndefined();
    expect(pausedBy(c, '/aws/lambda/fn')).toBe('/aws/lambda/*');
    expect(pausedBy(c, '/aws/lambda/')).toBe('/aws/lambda/*');
    expect(pausedBy(c, '/AWS/lambda/fn')).toBeUndefined();
    expect(pausedBy(c, '/aws/lambdax')).toBeUndefined();
    expect(pausedBy(c, '/x-and-y')).toBe('/x*y');
    expect(pausedBy(c, '/x-and-y-')).toBeUndefined();
    expect(pausedBy(EMPTY_CONTROL, '/app/api')).toBeUndefined();
  });

  test('pausedBy: an exact key is literal even with regex characters; inherited names do not match', () => {
    const c: ExportControl = { paused: { '/a.b+(c)': pause() } };
    expect(pausedBy(c, '/a.b+(c)')).toBe('/a.b+(c)');
    expect(pausedBy(c, '/aXb+(c)')).toBeUndefined();
    expect(pausedBy(c, '/a.bb(c)')).toBeUndefined();
    expect(pausedBy({ paused: {} }, 'toString')).toBeUndefined();
    expect(pausedBy({ paused: {} }, '__proto__')).toBeUndefined();
  });

  test('nameMatcher: regex metacharacters are literal, * matches any run (also empty, also /, also newlines)', () => {
    const exact = nameMatcher('/a.b+(c)');
    expect(exact('/a.b+(c)')).toBe(true);
    expect(exact('/aXb+(c)')).toBe(false);
    expect(exact('/a.bbb(c)')).toBe(false);
    expect(exact('/a.b+c')).toBe(false);
    const pat = nameMatcher('/a.b+(c)*[x]?$^|{1}\\');
    expect(pat('/a.b+(c)[x]?$^|{1}\\')).toBe(true);
    expect(pat('/a.b+(c)/any/thing[x]?$^|{1}\\')).toBe(true);
    expect(pat('/aXb+(c)[x]?$^|{1}\\')).toBe(false);
    expect(pat('/a.b+(c)x?$^|{1}\\')).toBe(false);
    const star = nameMatcher('*');
    expect(star('')).toBe(true);
    expect(star('/any/thing')).toBe(true);
    const mid = nameMatcher('/app/*/logs');
    expect(mid('/app/x/y/logs')).toBe(true);
    expect(mid('/app//logs')).toBe(true);
    expect(mid('/app/x/logs/')).toBe(false);
    expect(mid('/APP/x/logs')).toBe(false);
    expect(nameMatcher('/a*')('/a\nb')).toBe(true);
    expect(nameMatcher('a**b')('ab')).toBe(true);
  });

  describe('ControlWatcher', () => {
    /** Writes the file with a distinct mtime, as a later write would have. */
    let tick = 0;
    function write(file: string, text: string): void {
      writeFileSync(file, text);
      tick += 10;
      const t = new Date(Date.now() + tick * 1000);
      utimesSync(file, t, t);
    }

    test('a missing file is nothing paused, and no error', () => {
      const w = new ControlWatcher(join(dir, 'export-control.json'));
      expect(w.current()).toEqual(EMPTY_CONTROL);
      expect(w.error).toBeUndefined();
    });

    test('a change is seen; the same content is returned as the same object until then', () => {
      const file = join(dir, 'export-control.json');
      const w = new ControlWatcher(file);
      expect(Object.keys(w.current().paused)).toEqual([]);
      write(file, JSON.stringify({ paused: { '/a': pause() } }));
      const first = w.current();
      expect(Object.keys(first.paused)).toEqual(['/a']);
      expect(w.current()).toBe(first);
      write(file, JSON.stringify({ paused: { '/a': pause(), '/b': pause() } }));
      expect(Object.keys(w.current().paused).sort()).toEqual(['/a', '/b']);
      rmSync(file);
      expect(w.current()).toEqual(EMPTY_CONTROL);
      expect(w.error).toBeUndefined();
    });

    test('a corrupt write keeps the last good control and sets .error; a later fix clears it', () => {
      const file = join(dir, 'export-control.json');
      const w = new ControlWatcher(file);
      write(file, JSON.stringify({ paused: { '/a': pause() } }));
      const good = w.current();
      expect(Object.keys(good.paused)).toEqual(['/a']);
      write(file, '{"paused": {"/a": ');
      expect(w.current()).toBe(good);
      expect(w.error).toBeInstanceOf(ExportControlError);
      expect(w.error?.message).toMatch(/is not valid JSON/);
      // Still bad (another bad shape): still the last good control.
      write(file, '{"paused": {"/b": {}}}');
      expect(w.current()).toBe(good);
      expect(w.error?.message).toMatch(/needs a "since" time/);
      write(file, JSON.stringify({ paused: { '/c': pause() } }));
      expect(Object.keys(w.current().paused)).toEqual(['/c']);
      expect(w.error).toBeUndefined();
    });

    test('a corrupt file before any good read keeps nothing paused, with .error', () => {
      const file = join(dir, 'export-control.json');
      write(file, 'nope');
      const w = new ControlWatcher(file);
      expect(w.current()).toEqual(EMPTY_CONTROL);
      expect(w.error).toBeInstanceOf(ExportControlError);
    });
  });

  describe('updateControl', () => {
    test('creates the directory and the file; the lock and temporary files are gone afterwards', async () => {
      const file = join(dir, 'a', 'b', 'export-control.json');
      const next = await updateControl(file, (c) => ({ paused: { ...c.paused, '/app/api': pause(undefined, 'noisy') } }));
      expect(next.paused['/app/api']).toEqual({ since: '2026-11-22T00:00:00.000Z', reason: 'noisy' });
      expect(readControl(file)).toEqual(next);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(next);
      expect(existsSync(`${file}.lock`)).toBe(false);
      expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
      // A second change sees the first.
      const after = await updateControl(file, (c) => {
        expect(Object.keys(c.paused)).toEqual(['/app/api']);
        const paused = { ...c.paused };
        delete paused['/app/api'];
        return { paused: { ...paused, '/b*': pause() } };
      });
      expect(Object.keys(readControl(file).paused)).toEqual(['/b*']);
      expect(after).toEqual(readControl(file));
    });

    test('a lock left by a process that is gone is taken over at once; so is an old lock of an earlier version, once a minute old', async () => {
      const file = join(dir, 'export-control.json');
      const lock = `${file}.lock`;
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(lock, `${JSON.stringify({ pid: Number(gone.stdout), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' })}\n`);
      const started = Date.now();
      await updateControl(file, () => ({ paused: { '/a': pause() } }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(Object.keys(readControl(file).paused)).toEqual(['/a']);
      expect(existsSync(lock)).toBe(false);

      // The earlier version's lock: "<pid> <time>", which says nothing checkable; taken over once older than a minute.
      writeFileSync(lock, '99999 2026-01-01T00:00:00.000Z\n');
      const old = new Date(Date.now() - 120_000);
      utimesSync(lock, old, old);
      await updateControl(file, (c) => ({ paused: { ...c.paused, '/b': pause() } }));
      expect(Object.keys(readControl(file).paused).sort()).toEqual(['/a', '/b']);
      expect(existsSync(lock)).toBe(false);
    });

    test('a lock held by a live process is waited for, not taken over', async () => {
      const file = join(dir, 'export-control.json');
      const lock = `${file}.lock`;
      // This process's parent runs for as long as the test does.
      writeFileSync(lock, `${JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: new Date().toISOString() })}\n`);
      let changed = false;
      const p = updateControl(file, (c) => {
        changed = true;
        return { paused: { ...c.paused, '/a': pause() } };
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(changed).toBe(false);
      rmSync(lock);
      await p;
      expect(changed).toBe(true);
    });

    test('a fresh lock is waited for: the change is made once the other writer removes it', async () => {
      const file = join(dir, 'export-control.json');
      const lock = `${file}.lock`;
      writeFileSync(lock, '99999 now\n');
      let changed = false;
      const p = updateControl(file, (c) => {
        changed = true;
        return { paused: { ...c.paused, '/a': pause() } };
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(changed).toBe(false);
      expect(statSync(lock).isFile()).toBe(true);
      rmSync(lock);
      await p;
      expect(changed).toBe(true);
      expect(Object.keys(readControl(file).paused)).toEqual(['/a']);
    });

    test('a fresh lock still held after the 10 s deadline fails, naming the lock, and the lock is left alone', async () => {
      const file = join(dir, 'export-control.json');
      const lock = `${file}.lock`;
      writeFileSync(lock, '99999 held\n');
      // Only Date is faked: the file system and the retry timer (ops/backoff.ts) stay real, the deadline is reached by moving the clock.
      jest.useFakeTimers({
        doNotFake: [
          'setTimeout',
          'clearTimeout',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
          'nextTick',
          'queueMicrotask',
          'hrtime',
          'performance',
        ],
      });
      try {
        jest.setSystemTime(Date.now());
        let changed = false;
        const p = updateControl(file, () => {
          changed = true;
          return EMPTY_CONTROL;
        });
        const outcome = p.then(
          () => 'resolved',
          (e: unknown) => e,
        );
        await new Promise((r) => setTimeout(r, 120));
        jest.setSystemTime(Date.now() + 10_500);
        const err = await outcome;
        expect(err).toBeInstanceOf(ExportControlError);
        expect((err as Error).message).toContain(`is locked by another command (${lock})`);
        expect(changed).toBe(false);
        expect(readFileSync(lock, 'utf8')).toBe('99999 held\n');
        expect(existsSync(file)).toBe(false);
      } finally {
        jest.useRealTimers();
      }
    });

    test('a change that throws leaves the file as it was and releases the lock', async () => {
      const file = join(dir, 'export-control.json');
      await updateControl(file, () => ({ paused: { '/a': pause() } }));
      const before = readFileSync(file, 'utf8');
      await expect(
        updateControl(file, () => {
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(existsSync(`${file}.lock`)).toBe(false);
    });

    test('a corrupt file is not overwritten', async () => {
      const file = join(dir, 'export-control.json');
      writeFileSync(file, '{bad');
      await expect(updateControl(file, () => ({ paused: {} }))).rejects.toBeInstanceOf(ExportControlError);
      expect(readFileSync(file, 'utf8')).toBe('{bad');
      expect(existsSync(`${file}.lock`)).toBe(false);
    });
  });
});

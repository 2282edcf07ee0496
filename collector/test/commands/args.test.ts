import { parseCommandArgs, UsageError } from '../../src/commands/args';

/** The one argument parser of every command: the same forms accepted and the same message for each problem. */

const OPTIONS = {
  config: { type: 'string' },
  group: { type: 'string', repeat: 'list' },
  level: { type: 'string', repeat: 'last' },
  json: { type: 'boolean' },
} as const;

const parse = (args: string[], extra: { positionals?: boolean; terminator?: boolean } = {}) => parseCommandArgs(args, { options: OPTIONS, ...extra });

const problem = (args: string[], extra: { positionals?: boolean; terminator?: boolean } = {}): string => {
  try {
    parse(args, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('parseCommandArgs', () => {
  test('takes a value after the option or after "=", even one that starts with "-"; "-" is a positional', () => {
    expect(parse(['--config', 'a.json', 'x', '--json', '-', '--level=-1'])).toEqual({
      values: { config: 'a.json', json: true, level: '-1' },
      positionals: ['x', '-'],
    });
    expect(parse(['--config', '--json'])).toEqual({ values: { config: '--json' }, positionals: [] });
    expect(parse(['--config='])).toEqual({ values: { config: '' }, positionals: [] });
  });

  test('a list option keeps every value in order, a last option the last one, a boolean given twice is given', () => {
    expect(parse(['--group', 'a', '--group=b', '--level', '1', '--level', '2', '--json', '--json'])).toEqual({
      values: { group: ['a', 'b'], level: '2', json: true },
      positionals: [],
    });
  });

  test('"--" ends the options where allowed, and is an unknown option where not', () => {
    expect(parse(['a', '--', '--json'])).toEqual({ values: {}, positionals: ['a', '--json'] });
    expect(problem(['--'], { terminator: false })).toBe('unknown option --');
  });

  test.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--bogus=1'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['--__proto__'], 'unknown option --__proto__'],
    [['--config'], '--config needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['--config', 'a', '--config', 'b'], '--config is given twice'],
    [['--config', 'a', '--bogus', '--config'], 'unknown option --bogus'],
  ])('%j: %s', (args, message) => {
    expect(problem(args)).toBe(message);
  });

  test('a positional where none is accepted is an unexpected argument', () => {
    expect(problem(['--json', 'extra'], { positionals: false })).toBe('unexpected argument "extra"');
  });

  test('-h or --help before any problem means help; a problem before it is reported', () => {
    expect(parse(['--json', '-h', '--bogus'])).toBe('help');
    expect(parse(['--help=1'])).toBe('help');
    expect(problem(['--bogus', '--help'])).toBe('unknown option --bogus');
  });
});

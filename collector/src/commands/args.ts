/**
 * The one command-line parser of every `cwl-siem-collector` command, on `node:util` parseArgs
 * (its tokens, checked here so each problem gets the same message in every command). Options are
 * long (`--name VALUE`, `--name=VALUE`); a value may start with "-" (`--log-group -x`); `-h` and
 * `--help` anywhere before a problem mean help, and so does the word `help` as the only argument
 * (`cwl-siem-collector run help`; a file named help is `./help`); "-" is a positional (standard input).
 */
import { parseArgs } from 'node:util';

/** A problem with the command line: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /**
   * A string option given again: 'list' keeps every value in order, 'last' keeps the last one;
   * by default it is a usage error. A boolean given again is simply given.
   */
  readonly repeat?: 'list' | 'last';
}

export interface ArgsSpec<O extends Record<string, OptionSpec>> {
  /** The options by long name (`--name`), besides `-h`/`--help`. */
  readonly options: O;
  /** Whether arguments that are not options are accepted. @default true */
  readonly positionals?: boolean;
  /** Whether `--` ends the options (all that follows is positional); otherwise `--` is an unknown option. @default true */
  readonly terminator?: boolean;
}

type Value<S extends OptionSpec> = S extends { readonly type: 'boolean' } ? true : S extends { readonly repeat: 'list' } ? string[] : string;

export interface ParsedArgs<O extends Record<string, OptionSpec>> {
  /** The options given, by long name. */
  readonly values: { readonly [K in keyof O]?: Value<O[K]> };
  /** The other arguments, in order. */
  readonly positionals: readonly string[];
}

/**
 * Parses `args` by `spec`; 'help' when `-h`/`--help` comes before any problem, or `args` is `help` alone. Throws UsageError
 * at the first problem, in argument order: "unknown option --x", "--x needs a value", "--x takes
 * no value", "--x is given twice", "unexpected argument "x"".
 */
export function parseCommandArgs<const O extends Record<string, OptionSpec>>(args: readonly string[], spec: ArgsSpec<O>): ParsedArgs<O> | 'help' {
  if (args.length === 1 && args[0] === 'help') return 'help';
  const known = (name: string): OptionSpec | undefined => (Object.prototype.hasOwnProperty.call(spec.options, name) ? spec.options[name] : undefined);
  const { tokens } = parseArgs({
    args: [...args],
    options: { ...Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }])), help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | string[] | true> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      if (spec.terminator === false) throw new UsageError('unknown option --');
      continue;
    }
    if (token.kind === 'positional') {
      if (spec.positionals === false) throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}`);
      positionals.push(token.value);
      continue;
    }
    if (token.name === 'help') return 'help';
    const option = token.rawName.startsWith('--') ? known(token.name) : undefined;
    if (!option) throw new UsageError(`unknown option ${token.rawName}`);
    if (option.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${token.rawName} takes no value`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    const before = values[token.name];
    if (option.repeat === 'list') values[token.name] = [...((before as string[] | undefined) ?? []), token.value];
    else if (before !== undefined && option.repeat !== 'last') throw new UsageError(`${token.rawName} is given twice`);
    else values[token.name] = token.value;
  }
  return { values: values as ParsedArgs<O>['values'], positionals };
}

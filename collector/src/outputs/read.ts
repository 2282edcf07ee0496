/**
 * Reads toolkit stack outputs in any of the three shapes users have them in — `terraform output
 * -json` ({"name": {"value", "type", "sensitive"}}), `cdktf deploy --outputs-file`
 * ({"<stack>": {"name": value}}) or a flat {"name": value} map — into one map by output name.
 * Pure; every problem is a ConfigFromTerraformError saying what was found and what to do.
 */
import { ERROR_CODES } from '../types';

/** Outputs or options that cannot make a valid collector config. The command exits 2 with its message. */
export class ConfigFromTerraformError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFromTerraformError';
  }
}

/** The outputs of one stack, by name. */
export type Outputs = ReadonlyMap<string, { readonly value: unknown; readonly sensitive: boolean }>;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One output as `terraform output -json` prints it: { value, type, sensitive }. */
const isTerraformOutput = (v: unknown): v is { value: unknown; sensitive?: unknown } =>
  isObject(v) && 'value' in v && Object.keys(v).every((k) => k === 'value' || k === 'type' || k === 'sensitive');

/** A cdktf outputs file: every top-level value is one stack's outputs. */
const isStacksFile = (raw: unknown): raw is Record<string, Record<string, unknown>> =>
  isObject(raw) && Object.values(raw).every((v) => isObject(v) && !isTerraformOutput(v));

/** Tells the three formats apart and returns the outputs of the chosen stack by name. */
export function readOutputs(raw: unknown, stack: string | undefined): Outputs {
  if (!isObject(raw)) {
    throw new ConfigFromTerraformError(
      `the outputs must be a JSON object (terraform output -json, cdktf --outputs-file, or {"name": "value"}), got ${describeType(raw)}`,
    );
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new ConfigFromTerraformError('the outputs are empty: was the stack applied (terraform apply / cdktf deploy)?');

  if (entries.every(([, v]) => isTerraformOutput(v))) {
    noStack(stack, 'terraform output -json');
    return new Map(
      entries.map(([name, v]) => {
        const o = v as { value: unknown; sensitive?: unknown };
        if (o.sensitive !== undefined && typeof o.sensitive !== 'boolean')
          throw new ConfigFromTerraformError(`output ${name}: "sensitive" must be true or false, got ${JSON.stringify(o.sensitive)}`);
        return [name, { value: o.value, sensitive: o.sensitive === true }];
      }),
    );
  }
  const mixed = entries.find(([, v]) => isTerraformOutput(v));
  if (mixed) {
    const other = entries.find(([, v]) => !isTerraformOutput(v))!;
    throw new ConfigFromTerraformError(
      `these are not Terraform outputs: ${mixed[0]} is a terraform output -json entry ({"value": …}) but ${other[0]} is not (${describeType(other[1])})`,
    );
  }

  if (entries.every(([, v]) => isObject(v))) {
    // cdktf deploy --outputs-file: { "<stack>": { "<output>": value } }.
    const names = entries.map(([n]) => n);
    let chosen: string;
    if (stack !== undefined) {
      if (!(stack in raw)) throw new ConfigFromTerraformError(`--stack ${stack}: no such stack in the outputs; they hold ${names.join(', ')}`);
      chosen = stack;
    } else if (names.length === 1) {
      chosen = names[0];
    } else {
      throw new ConfigFromTerraformError(`the outputs hold several stacks: choose one with --stack NAME (${names.join(', ')})`);
    }
    const outputs = Object.entries(raw[chosen] as Record<string, unknown>);
    if (outputs.length === 0) throw new ConfigFromTerraformError(`stack ${chosen} has no outputs: was it deployed?`);
    return new Map(outputs.map(([name, value]) => [name, { value, sensitive: false }]));
  }

  noStack(stack, 'a {"name": "value"} map');
  return new Map(entries.map(([name, value]) => [name, { value, sensitive: false }]));
}

/** Every stack's outputs in `raw`: each stack of a cdktf outputs file, else the one set. */
export function allStacks(raw: unknown): Outputs[] {
  if (isStacksFile(raw) && Object.keys(raw).length > 0) return Object.keys(raw).map((name) => readOutputs(raw, name));
  return [readOutputs(raw, undefined)];
}

/** The stacks of a cdktf outputs file other than the chosen one (none for the other formats). */
export function otherStacks(raw: unknown, chosen: string | undefined): Outputs[] {
  if (!isStacksFile(raw) || Object.keys(raw).length < 2) return [];
  return Object.keys(raw)
    .filter((name) => name !== chosen)
    .map((name) => readOutputs(raw, name));
}

/** The value of a present output, which must be a non-empty string resolved by an apply. */
export function stringOutput(outputs: Outputs, name: string): string {
  const value = outputs.get(name)!.value;
  if (typeof value !== 'string') throw new ConfigFromTerraformError(`output ${name} must be a string, got ${describeType(value)}`);
  if (value === '') throw new ConfigFromTerraformError(`output ${name} is empty`);
  if (value.includes('${')) {
    throw new ConfigFromTerraformError(
      `output ${name} is an unresolved expression (${JSON.stringify(value)}): read the outputs of the applied stack (terraform output -json), not the synthesized cdk.tf.json`,
    );
  }
  return value;
}

function noStack(stack: string | undefined, format: string): void {
  if (stack !== undefined)
    throw new ConfigFromTerraformError(`--stack ${stack}: only a cdktf --outputs-file file names stacks, and these outputs are ${format}`);
}

/** "null", "an array", "an object", or the type and (start of the) JSON of a scalar, for messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60)}`;
}

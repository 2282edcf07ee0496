/**
 * The defaults of a source's settings, read from the collector config schema (config/schema.ts), the
 * one place they are written. A source built from a validated config gets every value from it; this
 * is for sources built without one (tests, library use).
 */
import { collectorConfigSchema } from '../config/schema';

type SourceType = 'kinesis' | 'sqs' | 'export';

interface PropertySchema {
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, PropertySchema>>;
}

interface Branch {
  readonly if?: { readonly properties?: { readonly type?: { readonly const?: unknown } } };
  readonly then?: PropertySchema;
}

/**
 * The schema defaults of `keys` for a source type (of the keys of its object setting `within`, when
 * given). Throws when the schema gives one of them no default, so a change of the schema cannot
 * silently leave a source without a value.
 */
export function sourceDefaults<T extends object, K extends keyof T & string>(type: SourceType, keys: readonly K[], within?: string): Pick<T, K> {
  const branches = (collectorConfigSchema.properties.source as { readonly allOf?: readonly Branch[] }).allOf ?? [];
  let properties = branches.find((b) => b.if?.properties?.type?.const === type)?.then?.properties ?? {};
  if (within !== undefined) properties = properties[within]?.properties ?? {};
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    const def = properties[key]?.default;
    if (def === undefined)
      throw new Error(`the collector config schema gives source.${within === undefined ? '' : `${within}.`}${key} of type ${type} no default`);
    out[key] = structuredClone(def);
  }
  return out as Pick<T, K>;
}

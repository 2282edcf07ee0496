/**
 * The collector config's JSON Schema as the package ships it, `collector/config.schema.json`, and
 * the relative reference to it from the folder a config is written to: the `$schema` that
 * `config from-terraform` writes, so editors find the schema without a server. The file is the
 * schema object of config/schema.ts, checked by collector/test/outputs/schema-file.test.ts;
 * `node --require tsx/cjs collector/src/outputs/schema-file.ts > collector/config.schema.json`
 * regenerates it.
 */
import { relative, resolve, sep } from 'node:path';
import { collectorConfigSchema } from '../config/schema';

/** The schema file, at the package's root: two folders above this module in src/ and in dist/ alike. */
export const SCHEMA_FILE = resolve(__dirname, '..', '..', 'config.schema.json');

/** The content of the schema file. */
export function schemaFileText(): string {
  return `${JSON.stringify(collectorConfigSchema, null, 2)}\n`;
}

/** The `$schema` of a config written to the folder `dir`: the schema file relative to it, with "/" (a URI reference). */
export function schemaReference(dir: string): string {
  return relative(resolve(dir), SCHEMA_FILE).split(sep).join('/');
}

if (require.main === module) process.stdout.write(schemaFileText());

import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectorConfigSchema } from '../../src/config/schema';
import { SCHEMA_FILE, schemaFileText, schemaReference } from '../../src/outputs/schema-file';

/** The collector config schema the package ships for editors (the `$schema` config from-terraform writes). */

const collector = resolve(__dirname, '..', '..');

describe('collector/config.schema.json', () => {
  test('equals the schema the loader validates with, so editors check what check-config does', () => {
    // Regenerate with: node --require tsx/cjs collector/src/outputs/schema-file.ts > collector/config.schema.json
    expect(SCHEMA_FILE).toBe(join(collector, 'config.schema.json'));
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaFileText());
    expect(schemaFileText()).toBe(`${JSON.stringify(collectorConfigSchema, null, 2)}\n`);
  });

  test('is a valid draft-07 schema, and ships with the package', () => {
    expect(new Ajv({ strict: false }).validateSchema(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(collector, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('config.schema.json');
  });

  test('a config names it by a relative reference from its own folder, with "/" separators', () => {
    expect(schemaReference(collector)).toBe('config.schema.json');
    expect(schemaReference(join(collector, '..'))).toBe('collector/config.schema.json');
    expect(schemaReference(join(collector, '..', 'deploy', 'prod'))).toBe('../../collector/config.schema.json');
  });
});

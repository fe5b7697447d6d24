/**
 * The operator-editable YAML files (catalog.yaml, stacks.yaml) are described by JSON Schemas published
 * in schemas/ (editors validate them through the YAML language server modeline at the top of each bundled
 * file). The broker validates the structure with ajv against the same files, first error only, in the
 * words the rest of the loader uses (`unknown key ...; expected one of`, `expected a mapping`); the
 * loaders add the line number. Semantic rules (which clients pair, addresses, relay allow-lists) are
 * the loaders' own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigError } from '../errors';
import { packageRoot } from './load';
import { fieldOf, valueAt } from './validation';
import { describe } from './yaml-reader';

export type FileSchema = 'catalog' | 'stacks';

/** Where a schema is published: `schemas/<name>.schema.json` in the package. */
export const fileSchemaPath = (name: FileSchema): string => join(packageRoot(), 'schemas', `${name}.schema.json`);

const compiled = new Map<FileSchema, ValidateFunction>();

function validatorFor(name: FileSchema): ValidateFunction {
  let validate = compiled.get(name);
  if (validate === undefined) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    validate = ajv.compile(JSON.parse(readFileSync(fileSchemaPath(name), 'utf8')) as object);
    compiled.set(name, validate);
  }
  return validate;
}

function toConfigError(error: ErrorObject, document: unknown, source: string, schema: object): ConfigError {
  const path = fieldOf(error.instancePath);
  const value = valueAt(document, error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((valueAt(schema, `${error.schemaPath.replace(/^#/, '').replace(/\/additionalProperties$/, '')}/properties`) as object | undefined) ?? {});
      return new ConfigError(source, path === '' ? key : `${path}.${key}`, `unknown key "${key}"; expected one of: ${allowed.join(', ')}`);
    }
    case 'type': {
      const types = String((error.params as { type: string | string[] }).type);
      const expected = types.includes('object') ? 'a mapping (key: value)' : types.includes('array') ? 'a list' : types.replace(/,null$/, '');
      return new ConfigError(source, path, `expected ${expected}, got ${describe(value)}`);
    }
    case 'enum':
      return new ConfigError(source, path, `${JSON.stringify(value)} is not one of: ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`);
    default:
      return new ConfigError(source, path, error.message ?? 'does not match the schema');
  }
}

/** Throws ConfigError (file, path, reason) at the first place `document` breaks the file's schema. */
export function checkFileSchema(name: FileSchema, document: unknown, source: string): void {
  const validate = validatorFor(name);
  if (validate(document)) return;
  const [first] = validate.errors ?? [];
  if (first !== undefined) throw toConfigError(first, document, source, validate.schema as object);
}

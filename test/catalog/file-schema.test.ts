/**
 * catalog.yaml and stacks.yaml are described by the JSON Schemas in schemas/ (what editors validate
 * through the YAML language server modeline); the loaders check the structure against the same files
 * and report the first problem with its path and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkFileSchema, fileSchemaPath } from '../../src/catalog/file-schema';
import { parseCatalog } from '../../src/catalog/load';
import { parseTeamStackEntries } from '../../src/stacks-file/stacks-file';
import { REPO_ROOT, bundledText } from './helpers';

describe('published file schemas', () => {
  it.each(['catalog', 'stacks'] as const)('the bundled %s.yaml names its schema in a modeline and is valid against it', (name) => {
    const text = readFileSync(join(REPO_ROOT, `${name}.yaml`), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=./schemas/${name}.schema.json`);
    expect(fileSchemaPath(name)).toBe(join(REPO_ROOT, 'schemas', `${name}.schema.json`));
    expect(() => checkFileSchema(name, parse(text), `${name}.yaml`)).not.toThrow();
  });

  it('a misspelt key is refused with its path, the keys allowed and its line', () => {
    const text = bundledText().replace('\nnetworks:\n', '\nnetwroks:\n');
    expect(() => parseCatalog(text, 'catalog.yaml')).toThrow(/catalog\.yaml at netwroks: unknown key "netwroks"; expected one of: broker, clients, .*\(line \d+\)/);
    const nested = bundledText().replace('  maximum_polling_duration:', '  maximum_poling_duration:');
    expect(() => parseCatalog(nested, 'catalog.yaml')).toThrow(/at broker\.maximum_poling_duration: unknown key .*\(line \d+\)/);
  });

  it('a section of the wrong shape is refused naming what was expected', () => {
    expect(() => parseCatalog(bundledText().replace(/\nmiddleware:\n {2}mev_boost: true[^\n]*\n/, '\nmiddleware: [mev_boost]\n'), 'catalog.yaml')).toThrow(/at middleware: expected a mapping \(key: value\), got a list/);
    expect(() => parseTeamStackEntries('stacks:\n  - name: a\n    plan: b\n    colour: blue\n', 'stacks.yaml')).toThrow(/stacks\.yaml at stacks\[0\]\.colour: unknown key "colour"/);
  });
});

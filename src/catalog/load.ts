import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors';
import { Catalog } from './catalog';
import { defaultClientRegistry } from './client-registry';
import { parseCatalogConfig } from './config';
import type { ClientRegistry } from './registry';

const PACKAGE_NAME = 'open-validator-service-broker';

/** The package root: found by walking up to our package.json, so it works from src/ and from dist/src/. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // Not our package.json (or not JSON): keep walking up.
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
  }
}

/** The catalog.yaml shipped with the package (resolved from the package root, never the cwd). */
export const bundledCatalogPath = (): string => join(packageRoot(), 'catalog.yaml');

/** `OVSB_CATALOG` when set, else the bundled catalog. */
export function catalogPathFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env['OVSB_CATALOG']?.trim();
  return configured ? configured : bundledCatalogPath();
}

export function loadCatalog(path: string = bundledCatalogPath(), registry: ClientRegistry = defaultClientRegistry()): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new ConfigError(path, '', `cannot read the catalog (${reason}); point OVSB_CATALOG at a catalog.yaml`);
  }
  return parseCatalog(text, path, registry);
}

/** Parses catalog.yaml text; `sourceName` names it in errors. */
export function parseCatalog(text: string, sourceName: string, registry: ClientRegistry = defaultClientRegistry()): Catalog {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ConfigError(sourceName, `line ${line}, column ${col}`, `invalid YAML: ${syntaxError.message.split('\n')[0]}`);
  }
  try {
    return new Catalog(parseCatalogConfig(document.toJS({ maxAliasCount: 100 }), sourceName), registry);
  } catch (error) {
    if (error instanceof ConfigError && error.path) {
      const line = lineOf(document, lineCounter, error.path);
      if (line !== undefined) throw new ConfigError(error.source, error.path, `${error.reason} (line ${line})`);
    }
    throw error;
  }
}

/** The line of `combos[3].consensus` in the document, or of its nearest existing parent. */
function lineOf(document: Document, lineCounter: LineCounter, path: string): number | undefined {
  const keys = path.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
  for (let length = keys.length; length > 0; length--) {
    const node = document.getIn(keys.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

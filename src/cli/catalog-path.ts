import { resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { catalogPathFromEnv, loadCatalog } from '../catalog/load';
import type { CliContext } from './command';

/** The catalog the CLI works on: OVSB_CATALOG (relative to the cwd) or the bundled one. */
export function loadCliCatalog(context: CliContext): Catalog {
  return loadCatalog(resolve(context.cwd, catalogPathFromEnv(context.env)));
}

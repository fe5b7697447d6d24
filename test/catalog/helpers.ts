import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { defaultClientRegistry } from '../../src/catalog/client-registry';
import type { ClientRegistry } from '../../src/catalog/registry';

export const REPO_ROOT = join(__dirname, '..', '..');
export const BUNDLED_CATALOG = join(REPO_ROOT, 'catalog.yaml');
export const bundledText = (): string => readFileSync(BUNDLED_CATALOG, 'utf8');

/** A small valid catalog, as a plain object to derive broken ones from. */
export function minimalCatalog(): Record<string, any> {
  return {
    broker: { name: 'test', id_namespace: '0b7e7d1c-5f55-4f49-9f3e-0d3a3c1a2b11', maximum_polling_duration: 600 },
    clients: {
      execution: { geth: { version: 'v1.16.7' }, reth: { version: 'v1.9.3' } },
      consensus: { lighthouse: { version: 'v8.0.0' }, prysm: { version: 'v7.0.0' } },
      mev_boost: { version: '1.10' },
    },
    combos: 'all',
    roles: ['validator', 'rpc'],
    targets: { kubernetes: {}, sandbox: {} },
    networks: {
      hoodi: {
        mev_boost: {
          relays: [
            'https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net',
          ],
        },
      },
    },
  };
}

export const toYaml = (value: unknown): string => stringify(value);

/**
 * The real registry, except that one EL x CL pair is declared impossible on one network (for tests of
 * other modules that need a refused pair; the catalog's own refusals are tested with real releases).
 */
export const registryRefusing = (el: string, cl: string, network: string, reason: string): ClientRegistry => {
  const real = defaultClientRegistry();
  return {
    ...real,
    comboSupport: (e, c, n) =>
      e.client === el && c.client === cl && n === network
        ? { supported: false, reason, cause: 'network', clients: [] }
        : real.comboSupport(e, c, n),
  };
};

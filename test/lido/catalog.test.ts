/**
 * catalog.yaml cannot weaken Lido mode: Lido's vault, min-bid limit and builder boost factor are fixed, so
 * a catalog naming others is refused at load (naming file, path, value and fix); a stricter min-bid cap
 * is the one change allowed.
 */
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/catalog/load';
import { ConfigError } from '../../src/errors';
import { LIDO_EXECUTION_LAYER_REWARDS_VAULTS } from '../../src/lido';
import { minimalCatalog, registryRefusing, toYaml } from '../catalog/helpers';

const registry = registryRefusing('reth', 'prysm', 'hoodi', 'test');
const HOODI_VAULT = LIDO_EXECUTION_LAYER_REWARDS_VAULTS.hoodi;
const FLASHBOTS_HOODI =
  'https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net';

/** A catalog offering Lido plans on hoodi, with `lido` changed by `change`. */
function lidoCatalog(change: (lido: Record<string, any>) => void = () => {}): string {
  const catalog = minimalCatalog();
  catalog.networks.hoodi.lido = 'plans';
  const lido: Record<string, any> = {
    networks: { hoodi: { execution_layer_rewards_vault: HOODI_VAULT, relay_allow_list: { source: 'test snapshot', relays: [{ url: FLASHBOTS_HOODI, mandatory: true }] } } },
  };
  change(lido);
  catalog.lido = lido;
  return toYaml(catalog);
}

function errorOf(text: string): ConfigError {
  try {
    parseCatalog(text, 'catalog.yaml', registry);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the catalog to be refused');
}

describe('GIVEN a catalog with Lido plans on hoodi', () => {
  it('WHEN it restates Lido\'s rules THEN it loads, with the known vault, 0.07 ETH and factor 100', () => {
    const catalog = parseCatalog(lidoCatalog((l) => ((l.max_min_bid_eth = 0.07), (l.builder_boost_factor = 100))), 'catalog.yaml', registry);
    expect(catalog.lidoRules('hoodi')).toMatchObject({ executionLayerRewardsVault: HOODI_VAULT, maxMinBidEth: 0.07, builderBoostFactor: 100 });
  });

  it('WHEN it caps min-bid lower THEN the stricter cap is kept', () => {
    const catalog = parseCatalog(lidoCatalog((l) => (l.max_min_bid_eth = 0.02)), 'catalog.yaml', registry);
    expect(catalog.lidoRules('hoodi')?.maxMinBidEth).toBe(0.02);
  });

  it('WHEN it leaves the vault out THEN Lido\'s vault of the network is used', () => {
    const catalog = parseCatalog(lidoCatalog((l) => delete l.networks.hoodi.execution_layer_rewards_vault), 'catalog.yaml', registry);
    expect(catalog.lidoRules('hoodi')?.executionLayerRewardsVault).toBe(HOODI_VAULT);
  });

  it.each<[string, (lido: Record<string, any>) => void, string, string]>([
    [
      'a min-bid limit above 0.07 ETH',
      (l) => (l.max_min_bid_eth = 0.5),
      'lido.max_min_bid_eth',
      "0.5 ETH is above Lido's min-bid limit of 0.07 ETH; set 0.07 or lower (a stricter cap is allowed), or remove the key for 0.07",
    ],
    ['a min-bid limit just above 0.07 ETH', (l) => (l.max_min_bid_eth = 0.0701), 'lido.max_min_bid_eth', "0.0701 ETH is above Lido's min-bid limit of 0.07 ETH; set 0.07 or lower (a stricter cap is allowed), or remove the key for 0.07"],
    [
      'a builder boost factor of 90',
      (l) => (l.builder_boost_factor = 90),
      'lido.builder_boost_factor',
      "90 is not Lido's builder boost factor: Lido requires 100 (builder and local blocks weighed equally); set 100 or remove the key",
    ],
    ['a builder boost factor of 0', (l) => (l.builder_boost_factor = 0), 'lido.builder_boost_factor', "0 is not Lido's builder boost factor: Lido requires 100 (builder and local blocks weighed equally); set 100 or remove the key"],
    [
      'a checksummed vault that is not Lido\'s',
      (l) => (l.networks.hoodi.execution_layer_rewards_vault = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'),
      'lido.networks.hoodi.execution_layer_rewards_vault',
      `"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" is not Lido's Execution Layer Rewards Vault on hoodi, ${HOODI_VAULT}; set ${HOODI_VAULT} or remove the key`,
    ],
    [
      'the mainnet vault on hoodi',
      (l) => (l.networks.hoodi.execution_layer_rewards_vault = LIDO_EXECUTION_LAYER_REWARDS_VAULTS.mainnet),
      'lido.networks.hoodi.execution_layer_rewards_vault',
      `"${LIDO_EXECUTION_LAYER_REWARDS_VAULTS.mainnet}" is not Lido's Execution Layer Rewards Vault on hoodi, ${HOODI_VAULT}; set ${HOODI_VAULT} or remove the key`,
    ],
  ])('WHEN it sets %s THEN it is refused naming file, path, value and fix', (_, change, path, reason) => {
    const error = errorOf(lidoCatalog(change));
    expect(error.source).toBe('catalog.yaml');
    expect(error.path).toBe(path);
    expect(error.reason.replace(/ \(line \d+\)$/, '')).toBe(reason);
    expect(error.message).toMatch(new RegExp(`^catalog\\.yaml at ${path.replace(/\./g, '\\.')}: `));
  });
});

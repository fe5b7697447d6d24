import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../src/catalog/load';
import { ConfigError } from '../../src/errors';
import { bundledText, minimalCatalog, toYaml } from './helpers';

function errorOf(text: string): ConfigError {
  try {
    parseCatalog(text, 'catalog.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the catalog to be refused');
}

const edit = (change: (c: Record<string, any>) => void): string => {
  const catalog = minimalCatalog();
  change(catalog);
  return toYaml(catalog);
};

describe('invalid catalogs are refused naming file, path and reason', () => {
  it('accepts the minimal catalog the cases below break', () => {
    expect(parseCatalog(toYaml(minimalCatalog()), 'catalog.yaml').plans.length).toBeGreaterThan(0);
  });

  it.each<[string, string, string, RegExp]>([
    ['malformed YAML', 'broker: [unclosed\nclients: {}\n', 'line 2, column 1', /invalid YAML/],
    ['a duplicate key', 'broker: {}\nbroker: {}\n', 'line 2, column 1', /invalid YAML: .*unique/i],
    ['an empty file', '', '', /empty/],
    ['an unknown top-level key', edit((c) => ((c.netwroks = c.networks), delete c.networks)), 'netwroks', /unknown key "netwroks"/],
    ['an unknown execution client', edit((c) => (c.clients.execution.gethh = { version: 'v1.0.0' })), 'clients.execution.gethh', /unknown client "gethh"; known clients here: geth, nethermind/],
    ['a consensus client listed as execution', edit((c) => (c.clients.execution.lighthouse = { version: 'v8.0.0' })), 'clients.execution.lighthouse', /lighthouse is a consensus client: list it under clients.consensus/],
    ['holesky', edit((c) => (c.networks.holesky = {})), 'networks.holesky', /holesky is deprecated.*hoodi/],
    ['an unknown network', edit((c) => (c.networks.ropsten = {})), 'networks.ropsten', /unknown network "ropsten"/],
    [
      'a combo whose release cannot follow the network',
      edit((c) => ((c.clients.consensus.prysm.version = 'v6.1.4'), (c.combos = [{ execution: 'geth', consensus: 'lighthouse' }, { execution: 'reth', consensus: 'prysm' }]))),
      'combos[1]',
      /^reth v1\.9\.3 \+ prysm v6\.1\.4 cannot work on hoodi: prysm v6\.1\.4 is older than v7\.0\.0, the minimum prysm release for Fusaka \(Osaka\/Fulu\), which hoodi runs since 2025-10-28; pin v7\.0\.0 or later\. Or drop the combo or restrict it with networks: \[\.\.\.\]\.( \(line \d+\))?$/,
    ],
    [
      'with combos: all, a pinned release that cannot follow an offered network',
      edit((c) => (c.clients.execution.geth.version = 'v1.16.6')),
      'clients.execution.geth.version',
      /^geth v1\.16\.6 \+ lighthouse v8\.0\.0 cannot work on hoodi: geth v1\.16\.6 is older than v1\.16\.7, the minimum geth release for Fusaka \(Osaka\/Fulu\), which hoodi runs since 2025-10-28; pin v1\.16\.7 or later\. Or stop offering hoodi\. \(line \d+\)$/,
    ],
    [
      'sepolia with a client no release of which is known to follow Glamsterdam',
      edit((c) => (c.networks.sepolia = {})),
      'clients.execution.geth.version',
      /^geth v1\.16\.7 \+ lighthouse v8\.0\.0 cannot work on sepolia: no geth release is known to follow Glamsterdam \(Amsterdam\/Gloas\), which sepolia runs since 2026-10-06 \(data\/releases\.json lists none with a source\); do not offer sepolia with geth; and lighthouse v8\.0\.0 is older than v8\.3\.2, .*Or stop offering sepolia\./,
    ],
    [
      'a sepolia combo with a release that predates Glamsterdam',
      edit((c) => (
        (c.clients.execution = { reth: { version: 'v2.8.1' } }),
        (c.clients.consensus = { prysm: { version: 'v7.1.0' } }),
        (c.networks.sepolia = {})
      )),
      'clients.consensus.prysm.version',
      /^reth v2\.8\.1 \+ prysm v7\.1\.0 cannot work on sepolia: prysm v7\.1\.0 is older than v7\.2\.0, the minimum prysm release for Glamsterdam \(Amsterdam\/Gloas\), which sepolia runs since 2026-10-06; pin v7\.2\.0 or later\. Or stop offering sepolia\./,
    ],
    [
      'a release that schedules the postponed hoodi Glamsterdam',
      edit((c) => ((c.clients.execution = { reth: { version: 'v2.8.0' } }), (c.clients.consensus = { prysm: { version: 'v7.3.1' } }))),
      'clients.execution.reth.version',
      /^reth v2\.8\.0 \+ prysm v7\.3\.1 cannot work on hoodi: reth v2\.8\.0 schedules Glamsterdam \(Amsterdam\/Gloas\) on hoodi at a date hoodi cancelled, so it forks off hoodi; pin v2\.8\.1 or later\. Or stop offering hoodi\./,
    ],
    [
      'MEV-Boost relays on sepolia, whose Glamsterdam enshrines PBS',
      edit((c) => (c.networks.sepolia = { mev_boost: { relays: [] } })),
      'networks.sepolia.mev_boost',
      /sepolia runs Glamsterdam \(Amsterdam\/Gloas\), which enshrines proposer-builder separation \(EIP-7732\).*remove mev_boost from sepolia/,
    ],
    ['a combo naming a client not offered', edit((c) => (c.combos = [{ execution: 'besu', consensus: 'lighthouse' }])), 'combos[0].execution', /besu is not offered/],
    ['a combo with an unknown consensus client', edit((c) => (c.combos = [{ execution: 'geth', consensus: 'lighthous' }])), 'combos[0].consensus', /"lighthous" is not one of: lighthouse, prysm/],
    ['a duplicate combo', edit((c) => (c.combos = [{ execution: 'geth', consensus: 'prysm' }, { execution: 'geth', consensus: 'prysm' }])), 'combos[1]', /listed twice/],
    ['a polling duration of the wrong type', edit((c) => (c.broker.maximum_polling_duration = 'soon')), 'broker.maximum_polling_duration', /expected a number, got the string "soon"/],
    ['a namespace that is not a UUID', edit((c) => (c.broker.id_namespace = 'ovsb')), 'broker.id_namespace', /not a UUID/],
    ['a service name prefix that is not CLI-friendly', edit((c) => (c.broker.name = 'My Broker')), 'broker.name', /not CLI-friendly/],
    ['a floating image tag', edit((c) => (c.clients.consensus.prysm.version = 'latest')), 'clients.consensus.prysm.version', /not a pinned release/],
    ['an unquoted version YAML reads as a number', toYaml(minimalCatalog()).replace('version: "1.10"', 'version: 1.10'), 'clients.mev_boost.version', /quote the version .*the number 1.1 \(line \d+\)$/],
    ['a version of the wrong type', edit((c) => (c.clients.execution.geth = { version: ['v1'] })), 'clients.execution.geth.version', /expected a non-empty string, got a list/],
    ['roles of the wrong type', edit((c) => (c.roles = 'validator')), 'roles', /expected a list/],
    ['an unknown role', edit((c) => (c.roles = ['validator', 'archive'])), 'roles[1]', /"archive" is not one of: validator, rpc/],
    ['an unknown target', edit((c) => (c.targets.gcp = {})), 'targets.gcp', /unknown target "gcp"/],
    ['a malformed relay', edit((c) => (c.networks.hoodi.mev_boost.relays = ['https://relay.example.com'])), 'networks.hoodi.mev_boost.relays[0]', /not a relay URL/],
    ['diversity thresholds out of order', edit((c) => (c.networks.hoodi.diversity = { warn: 0.7, refuse: 0.66 })), 'networks.hoodi.diversity', /warn \(0.7\) must be below refuse \(0.66\)/],
    ['a threshold above 1', edit((c) => (c.networks.hoodi.diversity = { refuse: 66 })), 'networks.hoodi.diversity.refuse', /out of range/],
    ['Lido mode without Lido settings', edit((c) => (c.networks.hoodi.lido = 'plans')), 'networks.hoodi.lido', /needs lido.networks.hoodi/],
    ['an unknown Lido mode', edit((c) => (c.networks.hoodi.lido = 'yes')), 'networks.hoodi.lido', /"yes" is not one of: off, required, plans/],
    [
      'a Lido vault with a broken checksum',
      edit((c) => (c.lido = { networks: { hoodi: { execution_layer_rewards_vault: '0x9B108015fe433F173696Af3Aa0CF7CDb3E104258', relay_allow_list: { source: 'x', relays: [] } } } })),
      'lido.networks.hoodi.execution_layer_rewards_vault',
      /not an EIP-55 checksummed address/,
    ],
    ['an incentive for a client not offered', edit((c) => (c.incentives = { teku: { description: 'x' } })), 'incentives.teku', /not an offered client/],
  ])('%s', (_, text, path, reason) => {
    const error = errorOf(text);
    expect(error.source).toBe('catalog.yaml');
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.message.startsWith(`catalog.yaml${path ? ` at ${path}` : ''}: `)).toBe(true);
  });

  it('adds the line of the offending entry', () => {
    const text = bundledText().replace('\n  hoodi:\n', '\n  holesky: {}\n  hoodi:\n');
    const line = text.split('\n').findIndex((l) => l.startsWith('  holesky:')) + 1;
    expect(errorOf(text).reason).toMatch(new RegExp(`\\(line ${line}\\)$`));
  });

  it('GIVEN the bundled catalog pinning geth v1.13.0 and lighthouse v4.0.0 THEN it is refused naming both releases and their minimums', () => {
    const text = bundledText().replace('geth:       { version: v1.17.10 }', 'geth:       { version: v1.13.0 }').replace('lighthouse: { version: v8.3.3 }', 'lighthouse: { version: v4.0.0 }');
    const error = errorOf(text);
    // The bundled catalog lists its combos: the first, geth + lighthouse, is named.
    expect(error.path).toBe('combos[0]');
    expect(error.reason).toContain('geth v1.13.0 + lighthouse v4.0.0 cannot work on mainnet');
    expect(error.reason).toContain('geth v1.13.0 is older than v1.16.7');
    expect(error.reason).toContain('lighthouse v4.0.0 is older than v8.0.0');
  });

  it('GIVEN the bundled catalog offering geth + lighthouse on sepolia THEN it is refused: no geth release follows Glamsterdam', () => {
    const text = bundledText().replace(
      '{ execution: geth,       consensus: lighthouse, networks: [mainnet, hoodi] }',
      '{ execution: geth,       consensus: lighthouse }',
    );
    const error = errorOf(text);
    expect(error.path).toBe('combos[0]');
    expect(error.reason).toMatch(/^geth v1\.17\.10 \+ lighthouse v8\.3\.3 cannot work on sepolia: no geth release is known to follow Glamsterdam/);
    expect(error.reason).toMatch(/Or drop the combo or restrict it with networks: \[\.\.\.\]\. \(line \d+\)$/);
  });

  it('accepts sepolia for a pair whose releases follow Glamsterdam, with no MEV-Boost there', () => {
    const catalog = parseCatalog(
      edit((c) => ((c.clients.execution = { reth: { version: 'v2.8.1' } }), (c.clients.consensus = { prysm: { version: 'v7.3.1' } }), (c.networks.sepolia = {}))),
      'catalog.yaml',
    );
    expect(catalog.plans.filter((p) => p.network === 'sepolia').map((p) => p.stackName)).toEqual([
      'reth-prysm-validator-kubernetes-sepolia',
      'reth-prysm-validator-sandbox-sepolia',
      'reth-prysm-rpc-kubernetes-sepolia',
      'reth-prysm-rpc-sandbox-sepolia',
    ]);
  });
});

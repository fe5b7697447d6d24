import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledDiversityDataPath, loadDiversityData, parseDiversityData, type DiversityData } from '../../src/diversity';
import { ConfigError } from '../../src/errors';

const ROOT = join(__dirname, '..', '..');

describe('shipped data/diversity.json', () => {
  const data = loadDiversityData(bundledDiversityDataPath(ROOT));

  it('has the clientdiversity.org shares (clients.md §4.2) dated honestly: execution numbers unchanged since 2026-05-08', () => {
    expect(data.networks.mainnet?.consensus).toEqual({
      source: 'Miga Labs crawler via clientdiversity.org',
      url: 'https://raw.githubusercontent.com/etheralpha/clientdiversity-org/main/_data/migalabs.json',
      date: '2026-08-21',
      observed: '2026-08-21',
      changed: '2026-08-21',
      // Erigon/Caplin 3.81% and unknown 2.42% are not offered consensus clients: other.
      shares: { lighthouse: 0.51, prysm: 0.2083, nimbus: 0.0915, teku: 0.0787, lodestar: 0.0316, grandine: 0.0176, other: 0.0623 },
    });
    expect(data.networks.mainnet?.execution).toEqual({
      source: 'supermajority.info validator survey via clientdiversity.org',
      url: 'https://raw.githubusercontent.com/etheralpha/clientdiversity-org/main/_data/supermajority.json',
      date: '2026-05-08',
      observed: '2026-08-21',
      changed: '2026-05-08',
      validatorsTotal: 914433,
      shares: { nethermind: 0.4288, geth: 0.4279, besu: 0.0836, reth: 0.0331, erigon: 0.0266 },
    });
  });

  it('each layer adds up to 100%', () => {
    for (const snapshot of Object.values(data.networks.mainnet ?? {})) {
      expect(Object.values(snapshot!.shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('has no data for the testnets: nobody publishes their shares', () => {
    expect(data.networks.hoodi).toBeUndefined();
    expect(data.networks.sepolia).toBeUndefined();
  });
});

describe('parseDiversityData', () => {
  const snapshot = { source: 's', url: 'https://example.org/x.json', date: '2026-01-02', shares: { geth: 0.5 } };
  const withExecution = (execution: unknown) => ({ networks: { mainnet: { execution } } });

  it('accepts a minimal file', () => {
    expect(parseDiversityData(withExecution(snapshot), 'test.json')).toEqual<DiversityData>({ networks: { mainnet: { execution: snapshot } } });
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a consensus client in the execution layer', withExecution({ ...snapshot, shares: { lighthouse: 0.5 } }), 'networks.mainnet.execution.shares.lighthouse', /"lighthouse" is not a execution client; use one of geth, nethermind/],
    ['a percentage instead of a fraction', withExecution({ ...snapshot, shares: { geth: 42.8 } }), 'networks.mainnet.execution.shares.geth', /share 42\.8 must be a fraction between 0 and 1 \(0\.25 for 25%\)/],
    ['shares over 100%', withExecution({ ...snapshot, shares: { geth: 0.6, besu: 0.6 } }), 'networks.mainnet.execution.shares', /shares add up to 1\.2000; they must not exceed 1/],
    ['a bad date', withExecution({ ...snapshot, date: '21/08/2026' }), 'networks.mainnet.execution.date', /"21\/08\/2026" is not a date in YYYY-MM-DD form/],
    ['an impossible date', withExecution({ ...snapshot, date: '2026-13-40' }), 'networks.mainnet.execution.date', /not a date/],
    ['a missing source', withExecution({ ...snapshot, source: '' }), 'networks.mainnet.execution.source', /expected a non-empty string/],
    ['a fractional validator total', withExecution({ ...snapshot, validatorsTotal: 1.5 }), 'networks.mainnet.execution.validatorsTotal', /positive whole number/],
    ['an unknown field', withExecution({ ...snapshot, extra: 1 }), 'networks.mainnet.execution.extra', /unknown field/],
    ['holesky', { networks: { holesky: {} } }, 'networks.holesky', /unknown network; use one of mainnet, hoodi, sepolia/],
    ['an unknown layer', { networks: { mainnet: { validator: snapshot } } }, 'networks.mainnet.validator', /unknown layer; use execution or consensus/],
    ['a list', [], '', /expected an object/],
  ])('refuses %s', (_, document, path, reason) => {
    let error: unknown;
    try {
      parseDiversityData(document, 'test.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).reason).toMatch(reason);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STATUS_THRESHOLDS,
  bundledDiversityDataPath,
  comboStatus,
  diversityReport,
  loadDiversityData,
  publishedReport,
  rankCombos,
  statusThresholdsOf,
  operatorShares,
  statusOfShare,
  validatorWeight,
  worstStatus,
  type LedgerEntry,
} from '../../src/diversity';

const entry = (instanceId: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  instanceId,
  network: 'mainnet',
  role: 'validator',
  execution: 'geth',
  consensus: 'lighthouse',
  ...overrides,
});

describe('operator ledger', () => {
  it.each<[Partial<LedgerEntry>, number]>([
    [{}, 1],
    [{ validatorCount: 25 }, 25],
    [{ role: 'rpc' }, 0],
    [{ role: 'rpc', validatorCount: 25 }, 0],
  ])('weight of %j is %i', (overrides, weight) => {
    expect(validatorWeight(entry('x', overrides))).toBe(weight);
  });

  it('weighs shares per layer by validator count, on one network', () => {
    const shares = operatorShares(
      [
        entry('a', { validatorCount: 30 }),
        entry('b', { execution: 'nethermind', consensus: 'teku', validatorCount: 10 }),
        entry('c', { execution: 'besu', consensus: 'teku' }),
        entry('rpc', { role: 'rpc', execution: 'reth', consensus: 'grandine' }),
        entry('hoodi', { network: 'hoodi', validatorCount: 1000 }),
      ],
      'mainnet',
    );
    expect(shares.totalWeight).toBe(41);
    expect(shares.weights).toEqual({ execution: { geth: 30, nethermind: 10, besu: 1 }, consensus: { lighthouse: 30, teku: 11 } });
    expect(shares.shares.consensus).toEqual({ lighthouse: 30 / 41, teku: 11 / 41 });
  });

  it('replaces an instance with its changed plan, or adds a new one', () => {
    const ledger = [entry('a', { validatorCount: 3 }), entry('b', { consensus: 'teku' })];
    expect(operatorShares(ledger, 'mainnet', entry('a', { consensus: 'nimbus', validatorCount: 1 })).weights.consensus).toEqual({ teku: 1, nimbus: 1 });
    expect(operatorShares(ledger, 'mainnet', entry('c', { consensus: 'nimbus' })).weights.consensus).toEqual({ lighthouse: 3, teku: 1, nimbus: 1 });
  });

  it('has no shares without validators', () => {
    expect(operatorShares([entry('rpc', { role: 'rpc' })], 'mainnet')).toEqual({
      network: 'mainnet',
      totalWeight: 0,
      weights: { execution: {}, consensus: {} },
      shares: { execution: {}, consensus: {} },
    });
  });
});

describe('status', () => {
  it.each<[number | undefined, string]>([
    [undefined, 'unknown'],
    [0, 'minority'],
    [0.3299, 'minority'],
    [0.33, 'warn'],
    [0.4999, 'warn'],
    [0.5, 'majority'],
    [0.6599, 'majority'],
    [0.66, 'supermajority'],
    [1, 'supermajority'],
  ])('share %s is %s', (share, status) => {
    expect(statusOfShare(share)).toBe(status);
  });

  it('takes the network warn share from the catalog', () => {
    expect(statusOfShare(0.2, { warn: 0.2 })).toBe('warn');
    expect(statusOfShare(0.19, { warn: 0.2 })).toBe('minority');
  });

  it.each<[{ warn: number; refuse: number } | undefined, { warn: number; majority: number; supermajority: number }]>([
    [undefined, DEFAULT_STATUS_THRESHOLDS],
    [{ warn: 0.33, refuse: 0.66 }, { warn: 0.33, majority: 0.5, supermajority: 0.66 }],
    [{ warn: 0.25, refuse: 0.6 }, { warn: 0.25, majority: 0.5, supermajority: 0.6 }],
    // A refuse share below 50%: majority never sits above supermajority.
    [{ warn: 0.2, refuse: 0.4 }, { warn: 0.2, majority: 0.4, supermajority: 0.4 }],
  ])('the policy %j gives the status thresholds %j', (policy, thresholds) => {
    expect(statusThresholdsOf(policy)).toEqual(thresholds);
  });

  describe('GIVEN a network whose policy refuses at 60% and a client at 62%', () => {
    const policy = { warn: 0.3, refuse: 0.6 };
    const data = {
      networks: {
        mainnet: {
          consensus: { source: 's', url: 'https://example.org/cl.json', date: '2026-08-21', shares: { lighthouse: 0.62, prysm: 0.38 } },
          execution: { source: 's', url: 'https://example.org/el.json', date: '2026-08-21', shares: { geth: 0.62, besu: 0.38 } },
        },
      },
    } as const;
    const ledger: LedgerEntry[] = [entry('a', { consensus: 'lighthouse', validatorCount: 62 }), entry('b', { consensus: 'prysm', validatorCount: 38 })];
    const thresholds = statusThresholdsOf(policy);

    it('THEN /diversity, the catalog, suggestions and the dashboard all call it supermajority', () => {
      const report = diversityReport(data, ledger, { mainnet: policy });
      expect(report.networks.mainnet!.consensus.network!.clients[0]).toEqual({ client: 'lighthouse', share: 0.62, status: 'supermajority' });
      expect(report.networks.mainnet!.consensus.operator.clients[0]).toEqual({ client: 'lighthouse', share: 0.62, status: 'supermajority' });
      expect(comboStatus(data.networks.mainnet, { execution: 'geth', consensus: 'lighthouse' }, thresholds).consensus).toBe('supermajority');
      expect(rankCombos('mainnet', 'validator', [{ execution: 'besu', consensus: 'lighthouse' }], { snapshots: data.networks.mainnet }, thresholds)[0]!.status).toBe('supermajority');
      expect(publishedReport(data, { mainnet: policy }).networks.mainnet!.consensus.network!.clients[0]!.status).toBe('supermajority');
      // And 38% is above this policy's warn share everywhere.
      expect(report.networks.mainnet!.consensus.network!.clients[1]!.status).toBe('warn');
    });

    it('THEN without the policy the same share is only a majority (the defaults), so the policy must be passed', () => {
      expect(diversityReport(data, ledger).networks.mainnet!.consensus.network!.clients[0]!.status).toBe('majority');
    });
  });

  it('the worst known status wins', () => {
    expect(worstStatus(['minority', 'unknown'])).toBe('minority');
    expect(worstStatus(['warn', 'majority', 'minority'])).toBe('majority');
    expect(worstStatus(['unknown', 'unknown'])).toBe('unknown');
  });

  it('gives each combo its catalog metadata from the shipped shares', () => {
    const data = loadDiversityData(bundledDiversityDataPath(join(__dirname, '..', '..')));
    const source =
      'execution: supermajority.info validator survey via clientdiversity.org, 2026-05-08; consensus: Miga Labs crawler via clientdiversity.org, 2026-08-21';
    expect(comboStatus(data.networks.mainnet, { execution: 'geth', consensus: 'lighthouse' })).toEqual({
      status: 'majority',
      execution: 'warn',
      consensus: 'majority',
      source,
    });
    expect(comboStatus(data.networks.mainnet, { execution: 'besu', consensus: 'lodestar' })).toEqual({
      status: 'minority',
      execution: 'minority',
      consensus: 'minority',
      source,
    });
    expect(comboStatus(data.networks.hoodi, { execution: 'geth', consensus: 'lighthouse' })).toEqual({
      status: 'unknown',
      execution: 'unknown',
      consensus: 'unknown',
    });
  });
});

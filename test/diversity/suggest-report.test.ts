import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ConsensusClientName, ExecutionClientName } from '../../modules/clients/types';
import {
  diversityReport,
  rankCombos,
  registerDiversityMetrics,
  shareRows,
  type DiversityData,
  type LedgerEntry,
} from '../../src/diversity';

const DATA: DiversityData = {
  networks: {
    mainnet: {
      execution: { source: 'survey', url: 'https://example.org/el.json', date: '2026-08-21', shares: { geth: 0.43, nethermind: 0.43, besu: 0.08, reth: 0.03, erigon: 0.03 } },
      consensus: { source: 'crawler', url: 'https://example.org/cl.json', date: '2026-08-20', shares: { lighthouse: 0.51, prysm: 0.21, teku: 0.08, lodestar: 0.03, grandine: 0.02 } },
    },
  },
};

const combos = (execution: ExecutionClientName[], consensus: ConsensusClientName[]) =>
  execution.flatMap((el) => consensus.map((cl) => ({ execution: el, consensus: cl })));

const validator = (instanceId: string, execution: ExecutionClientName, consensus: ConsensusClientName, validatorCount: number): LedgerEntry => ({
  instanceId,
  network: 'mainnet',
  role: 'validator',
  execution,
  consensus,
  validatorCount,
});

describe('rankCombos', () => {
  const candidates = combos(['geth', 'besu', 'reth'], ['lighthouse', 'teku', 'grandine']);

  it('ranks by the most concentrated layer, least represented first', () => {
    const ranked = rankCombos('mainnet', 'validator', candidates, { snapshots: DATA.networks.mainnet });
    expect(ranked.map((r) => `${r.execution}+${r.consensus} ${r.score.toFixed(2)}`)).toEqual([
      // max share 0.08: besu 0.08 / teku 0.08 ties at 0.92; reth+grandine wins on the smaller sum.
      'reth+grandine 0.97',
      'besu+grandine 0.92',
      'reth+teku 0.92',
      'besu+teku 0.92',
      'geth+grandine 0.57',
      'geth+teku 0.57',
      'reth+lighthouse 0.49',
      'besu+lighthouse 0.49',
      'geth+lighthouse 0.49',
    ]);
    expect(ranked[0]).toEqual({
      execution: 'reth',
      consensus: 'grandine',
      score: 1 - 0.03,
      status: 'minority',
      shares: { execution: { network: 0.03, operator: 0 }, consensus: { network: 0.02, operator: 0 } },
    });
    expect(ranked.at(-1)!.status).toBe('majority');
  });

  it("counts the operator's own validators for the validator role", () => {
    // This operator already runs grandine for 80% of its validators.
    const ledger = [validator('a', 'besu', 'grandine', 80), validator('b', 'geth', 'teku', 20)];
    const ranked = rankCombos('mainnet', 'validator', combos(['reth'], ['grandine', 'teku', 'lighthouse']), { snapshots: DATA.networks.mainnet, ledger });
    expect(ranked.map((r) => r.consensus)).toEqual(['teku', 'lighthouse', 'grandine']);
    expect(ranked[2]!.shares.consensus).toEqual({ network: 0.02, operator: 0.8 });
  });

  it('ignores the validator ledger for RPC nodes', () => {
    const ledger = [validator('a', 'besu', 'grandine', 80)];
    const ranked = rankCombos('mainnet', 'rpc', combos(['reth'], ['grandine', 'teku']), { snapshots: DATA.networks.mainnet, ledger });
    expect(ranked.map((r) => r.consensus)).toEqual(['grandine', 'teku']);
    expect(ranked[0]!.shares.consensus).toEqual({ network: 0.02 });
  });

  it('ranks by the ledger alone where nothing is published, and treats unlisted clients as 0', () => {
    const ledger = [{ ...validator('a', 'geth', 'teku', 3), network: 'hoodi' as const }];
    const ranked = rankCombos('hoodi', 'validator', combos(['geth', 'besu'], ['teku']), { ledger });
    expect(ranked.map((r) => [r.execution, r.score, r.status])).toEqual([
      ['besu', 0, 'unknown'],
      ['geth', 0, 'unknown'],
    ]);
    expect(rankCombos('mainnet', 'validator', combos(['geth'], ['nimbus']), { snapshots: DATA.networks.mainnet })[0]!.shares.consensus).toEqual({
      network: 0,
      operator: 0,
    });
  });
});

describe('report and metrics', () => {
  const ledger = [validator('a', 'geth', 'lighthouse', 3), validator('b', 'besu', 'teku', 1), { ...validator('c', 'reth', 'nimbus', 5), network: 'hoodi' as const }];

  it('reports published and operator shares per network and layer', () => {
    const report = diversityReport(DATA, ledger, { mainnet: { warn: 0.33, refuse: 0.66 } });
    expect(Object.keys(report.networks)).toEqual(['mainnet', 'hoodi']);
    expect(report.networks.mainnet!.consensus.network).toMatchObject({ source: 'crawler', date: '2026-08-20' });
    expect(report.networks.mainnet!.consensus.network!.clients[0]).toEqual({ client: 'lighthouse', share: 0.51, status: 'majority' });
    expect(report.networks.mainnet!.consensus.operator).toEqual({
      validators: 4,
      clients: [
        { client: 'lighthouse', share: 0.75, status: 'supermajority' },
        { client: 'teku', share: 0.25, status: 'minority' },
      ],
    });
    expect(report.networks.hoodi!.execution).toEqual({ operator: { validators: 5, clients: [{ client: 'reth', share: 1, status: 'supermajority' }] } });
  });

  it('flattens into rows', () => {
    const rows = shareRows(DATA, ledger);
    expect(rows).toContainEqual({ network: 'mainnet', layer: 'execution', scope: 'network', client: 'geth', share: 0.43 });
    expect(rows).toContainEqual({ network: 'mainnet', layer: 'consensus', scope: 'operator', client: 'teku', share: 0.25 });
    expect(rows).toContainEqual({ network: 'hoodi', layer: 'consensus', scope: 'operator', client: 'nimbus', share: 1 });
    expect(rows).toHaveLength(5 + 5 + 2 + 2 + 1 + 1);
  });

  it('exposes Prometheus gauges computed at scrape time', async () => {
    const registry = new Registry();
    let current = { data: DATA, ledger: ledger as readonly LedgerEntry[] };
    const metrics = registerDiversityMetrics(registry, async () => current);
    const text = await metrics.scrape();
    expect(text).toContain('ovsb_client_share{network="mainnet",layer="consensus",scope="network",client="lighthouse"} 0.51');
    expect(text).toContain('ovsb_client_share{network="mainnet",layer="consensus",scope="operator",client="lighthouse"} 0.75');
    expect(text).toContain(`ovsb_diversity_data_timestamp_seconds{network="mainnet",layer="consensus"} ${Date.parse('2026-08-20T00:00:00Z') / 1000}`);
    current = { data: { networks: {} }, ledger: [] };
    const after = await metrics.scrape();
    expect(after).not.toContain('client="lighthouse"');
    // Rendering the registry directly still reads fresh values.
    current = { data: DATA, ledger: [] };
    expect(await registry.metrics()).toContain('ovsb_client_share{network="mainnet",layer="consensus",scope="network",client="lighthouse"} 0.51');
  });

  it('GIVEN several gauges WHEN scraped THEN the data and ledger are read once per scrape', async () => {
    const registry = new Registry();
    let reads = 0;
    const metrics = registerDiversityMetrics(registry, async () => {
      reads += 1;
      return { data: DATA, ledger };
    });
    const text = await metrics.scrape();
    expect(text).toContain('ovsb_client_share');
    expect(text).toContain('ovsb_diversity_data_timestamp_seconds');
    expect(reads).toBe(1);
    await metrics.scrape();
    expect(reads).toBe(2);
  });
});

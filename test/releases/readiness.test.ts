/**
 * Fork readiness of the bundled catalog's plans (pure: the release data and the clock are arguments),
 * the refusal window, and how fresh the bundled data sets are.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLED_RELEASE_DATA } from '../../modules/clients/release-data';
import { loadCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import { loadDiversityData, bundledDiversityDataPath } from '../../src/diversity';
import { datasetFreshness, staleWarning } from '../../src/releases/freshness';
import { inWindow, scheduledForks, windowOpens } from '../../src/releases/readiness';
import { ForkService } from '../../src/service/forks';
import { join } from 'node:path';

const catalog = loadCatalog();
const hoodiFork = scheduledForks('hoodi', BUNDLED_RELEASE_DATA)[0]!;

describe('fork readiness of the bundled catalog', () => {
  it('GIVEN the release data THEN only hoodi has a fork scheduled after it was observed: Glamsterdam', () => {
    expect(scheduledForks('mainnet', BUNDLED_RELEASE_DATA)).toEqual([]);
    expect(scheduledForks('sepolia', BUNDLED_RELEASE_DATA)).toEqual([]);
    expect(hoodiFork).toMatchObject({ network: 'hoodi', name: 'Glamsterdam (Amsterdam/Gloas)', activation: { epoch: 143616, time: '2026-12-15T19:12:24Z' } });
  });

  it('GIVEN hoodi node plans THEN exactly the pairs whose pinned releases schedule it are ready: {nethermind, erigon} x {prysm, nimbus}', () => {
    const pairs = new Set(
      catalog.plans
        .filter((p): p is NodePlan => p.kind === 'node' && p.network === 'hoodi' && catalog.forkChecks(p).every((c) => c.ready))
        .map((p) => `${p.execution.client}+${p.consensus.client}`),
    );
    expect([...pairs].sort()).toEqual(['erigon+nimbus', 'erigon+prysm', 'nethermind+nimbus', 'nethermind+prysm']);
  });

  it('GIVEN a hoodi MEV-Boost plan THEN it is never ready: builders bid in-protocol from Glamsterdam on', () => {
    const mevBoost = catalog.plans.find((p) => p.kind === 'mev-boost' && p.network === 'hoodi')!;
    expect(catalog.forkChecks(mevBoost)).toEqual([expect.objectContaining({ ready: false, blockers: [{ client: 'mev-boost', version: '1.10', cause: 'ends' }] })]);
  });

  it('GIVEN mainnet and sepolia plans THEN nothing is scheduled for them and their metadata carries no fork_readiness', () => {
    const plan = catalog.findPlanByRef('geth-lighthouse-validator-kubernetes-mainnet')!;
    expect(catalog.forkChecks(plan)).toEqual([]);
    const osbPlan = catalog.toOsbCatalog().services.flatMap((s) => s.plans).find((p) => p.id === plan.id)!;
    expect(osbPlan.metadata).not.toHaveProperty('fork_readiness');
  });

  it.each([
    ['2026-11-30T00:00:00Z', false],
    ['2026-12-01T19:12:23Z', false],
    ['2026-12-01T19:12:24Z', true],
    ['2026-12-06T12:00:00Z', true],
    ['2026-12-20T00:00:00Z', true],
  ])('GIVEN the clock at %s THEN the 14-day window is open: %s', (at, open) => {
    expect(windowOpens(hoodiFork, 14).toISOString()).toBe('2026-12-01T19:12:24.000Z');
    expect(inWindow(hoodiFork, 14, new Date(at))).toBe(open);
  });

  it('GIVEN an unready hoodi plan THEN the fork service refuses it only inside the window', () => {
    let now = new Date('2026-11-20T00:00:00Z');
    const forks = new ForkService({ catalog, storage: { listInstances: async () => [] }, clock: () => now });
    const unready = catalog.findPlanByRef('geth-lighthouse-validator-sandbox-hoodi')!;
    const ready = catalog.findPlanByRef('nethermind-prysm-validator-sandbox-hoodi')!;
    expect(forks.refusal(unready)).toBeUndefined();
    now = new Date('2026-12-06T12:00:00Z');
    expect(forks.refusal(unready)).toMatchObject({ ready: false, network: 'hoodi' });
    expect(forks.refusal(ready)).toBeUndefined();
  });
});

describe('data freshness', () => {
  const diversity = loadDiversityData(bundledDiversityDataPath(join(__dirname, '..', '..')));
  const lido = { mainnet: catalog.lidoRules('mainnet')!, hoodi: catalog.lidoRules('hoodi')! };

  it('GIVEN the bundled data on 2026-12-06 THEN each data set has its observed and changed dates, and the diversity shares are stale', () => {
    const freshness = datasetFreshness({ releases: BUNDLED_RELEASE_DATA, diversity, lido }, new Date('2026-12-06T00:00:00Z'), 30);
    expect(freshness.map((d) => [d.dataset, d.observed, d.changed, d.stale])).toEqual([
      ['releases', '2026-12-06', BUNDLED_RELEASE_DATA.changed, false],
      ['diversity.mainnet.consensus', '2026-08-21', '2026-08-21', true],
      ['diversity.mainnet.execution', '2026-08-21', '2026-05-08', true],
      ['lido-relays.mainnet', '2026-11-23', '2026-11-23', false],
      ['lido-relays.hoodi', '2026-11-23', '2026-11-23', false],
    ]);
    expect(freshness[1]!.ageSeconds).toBe(107 * 86_400);
    expect(staleWarning(freshness.filter((d) => d.stale), 30)).toBe(
      'data older than 30 days: diversity.mainnet.consensus observed 2026-08-21 (107 days ago), diversity.mainnet.execution observed 2026-08-21 (107 days ago); refresh it (ovsb releases refresh, the diversity refresh, the Lido allow-list from chain) and check its sources',
    );
  });

  it('GIVEN a longer maximum age THEN nothing is stale and there is no warning', () => {
    const freshness = datasetFreshness({ releases: BUNDLED_RELEASE_DATA, diversity, lido }, new Date('2026-12-06T00:00:00Z'), 365);
    expect(freshness.some((d) => d.stale)).toBe(false);
    expect(staleWarning([], 365)).toBeUndefined();
  });
});

describe('stale data in the log', () => {
  it('GIVEN stale data WHEN the fork service starts THEN it logs a warning naming the data sets, and stops cleanly', () => {
    const warnings: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as ConstructorParameters<typeof ForkService>[0]['logger'];
    const diversity = loadDiversityData(bundledDiversityDataPath(join(__dirname, '..', '..')));
    const forks = new ForkService({ catalog, storage: { listInstances: async () => [] }, clock: () => new Date('2026-12-06T00:00:00Z'), diversityData: () => diversity, ...(logger && { logger }) });
    forks.start();
    forks.stop();
    expect(warnings).toEqual([[{ stale: ['diversity.mainnet.consensus', 'diversity.mainnet.execution'] }, expect.stringMatching(/^data older than 30 days: /)]]);
  });
});

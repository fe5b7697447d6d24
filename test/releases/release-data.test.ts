/**
 * data/releases.json: the format check (every fact has a source, field paths in errors) and what the
 * bundled data says about hoodi's rescheduled Glamsterdam.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLED_RELEASE_DATA, ReleaseDataError, RELEASE_CLIENTS, parseReleaseData } from '../../modules/clients/release-data';
import { NETWORKS } from '../../modules/clients/types';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function refused(mutate: (data: Record<string, any>) => void): ReleaseDataError {
  const data = clone(BUNDLED_RELEASE_DATA) as Record<string, any>;
  mutate(data);
  try {
    parseReleaseData(data, 'fixture.json');
  } catch (error) {
    if (error instanceof ReleaseDataError) return error;
    throw error;
  }
  throw new Error('the data was accepted');
}

describe('the bundled release data', () => {
  it('GIVEN data/releases.json THEN hoodi activates Glamsterdam at epoch 143616, 2026-12-15T19:12:24Z, after the cancelled 2026-10-26 date', () => {
    const hoodi = BUNDLED_RELEASE_DATA.networks.hoodi.forks;
    expect(hoodi.map((f) => [f.fork, f.epoch, f.time])).toEqual([
      ['osaka', 50688, '2025-10-28T18:53:12Z'],
      ['amsterdam', 143616, '2026-12-15T19:12:24Z'],
    ]);
    expect(hoodi[1]!.cancelled).toEqual([expect.objectContaining({ date: '2026-10-26', epoch: 132352 })]);
    expect(BUNDLED_RELEASE_DATA.observed).toBe('2026-12-06');
  });

  it('GIVEN every fact THEN it carries a source, and every client and network is described', () => {
    const sources: string[] = [];
    for (const network of NETWORKS) {
      for (const f of BUNDLED_RELEASE_DATA.networks[network].forks) sources.push(f.source, ...(f.cancelled ?? []).map((c) => c.source));
    }
    for (const client of RELEASE_CLIENTS) {
      const info = BUNDLED_RELEASE_DATA.clients[client];
      sources.push(...info.follows.map((f) => f.source), ...(info.forksOff ?? []).map((f) => f.source), ...info.releases.map((r) => r.source), ...(info.flags ?? []).map((f) => f.source));
    }
    expect(sources.length).toBeGreaterThan(50);
    for (const source of sources) expect(source).toMatch(/\S{8,}/);
    expect(sources.filter((s) => /TODO/i.test(s))).toEqual([]);
  });

  it.each([
    ['a fact without a source', (d: any) => delete d.clients.geth.releases[0].source, 'clients.geth.releases[0].source'],
    ['a release without a number', (d: any) => (d.clients.reth.releases[0].version = 'latest'), 'clients.reth.releases[0].version'],
    ['a fork time that is not UTC', (d: any) => (d.networks.hoodi.forks[1].time = '2026-12-15 19:12'), 'networks.hoodi.forks[1].time'],
    ['forks out of order', (d: any) => d.networks.hoodi.forks.reverse(), 'networks.hoodi.forks[1]'],
    ['an unknown client', (d: any) => (d.clients.ethrex = d.clients.geth), 'clients.ethrex'],
    ['a changed date after observed', (d: any) => (d.changed = '2099-01-01'), 'changed'],
    ['a flag status that is neither removed nor deprecated', (d: any) => (d.clients.reth.flags[0].status = 'gone'), 'clients.reth.flags[0].status'],
  ])('GIVEN %s THEN the data is refused naming the field', (_what, mutate, path) => {
    const error = refused(mutate);
    expect(error.path).toBe(path);
    expect(error.message).toContain(`fixture.json: ${path}: `);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeClientName, parseClientDiversityFeed } from '../../src/diversity';
import { ExternalError } from '../../src/errors';
import { MIGALABS_SAMPLE, SUPERMAJORITY_SAMPLE } from './feeds';

describe('clientdiversity.org data files', () => {
  it('takes the newest Miga Labs entry, wherever it is in the array, and maps names to client ids', () => {
    expect(parseClientDiversityFeed(MIGALABS_SAMPLE, 'consensus')).toEqual({
      date: '2026-08-21',
      changed: '2026-08-21',
      shares: {
        lighthouse: 0.51,
        prysm: 0.2083,
        nimbus: 0.0915,
        teku: 0.0787,
        // Erigon (its Caplin CL) and "unknown" are kept, as other.
        other: 0.0381 + 0.0242,
        lodestar: 0.0316,
        grandine: 0.0176,
      },
    });
  });

  it('reads the supermajority.info survey with its validator total', () => {
    expect(parseClientDiversityFeed(SUPERMAJORITY_SAMPLE, 'execution')).toEqual({
      date: '2026-08-21',
      changed: '2026-08-21',
      shares: { nethermind: 0.4288, geth: 0.4279, besu: 0.0836, reth: 0.0331, erigon: 0.0266, other: 0 },
      validatorsTotal: 914433,
    });
  });

  it('GIVEN a feed that repeats the same numbers day after day THEN changed is the first day of those numbers', () => {
    const [older, newest] = SUPERMAJORITY_SAMPLE as [Record<string, unknown>, Record<string, unknown>];
    const repeated = [older, { ...newest, date: '2026-05-07', data: older['data'] }, { ...newest, date: '2026-05-08' }, { ...newest, date: '2026-06-30' }, newest];
    expect(parseClientDiversityFeed(repeated, 'execution')).toMatchObject({ date: '2026-08-21', changed: '2026-05-08' });
  });

  it.each<[string, 'execution' | 'consensus', string]>([
    ['Lighthouse', 'consensus', 'lighthouse'],
    [' PRYSM ', 'consensus', 'prysm'],
    ['erigon', 'consensus', 'other'],
    ['Erigon/Caplin', 'execution', 'erigon'],
    ['erigon', 'execution', 'erigon'],
    ['Go-Ethereum', 'execution', 'geth'],
    ['unknown', 'consensus', 'other'],
    ['lighthouse', 'execution', 'other'],
  ])('normalizeClientName(%j, %s) = %s', (name, layer, id) => {
    expect(normalizeClientName(name, layer)).toBe(id);
  });

  it.each<[string, unknown, RegExp]>([
    ['an object', { date: '2026-08-21' }, /expected an array of daily entries/],
    ['no dated entry', [{ date: 'yesterday', data: {} }, null, 3], /no entry has a date in YYYY-MM-DD form/],
    ['no distribution', [{ date: '2026-08-21', data: {} }], /the entry of 2026-08-21 has no data\.distribution list/],
    ['percent values', [{ date: '2026-08-21', data: { distribution: [{ name: 'geth', value: 42.8 }] } }], /not \{ name, value between 0 and 1 \}/],
    ['shares over 100%', [{ date: '2026-08-21', data: { distribution: [{ name: 'geth', value: 0.7 }, { name: 'besu', value: 0.7 }] } }], /add up to 1\.4000, more than 1/],
    ['all zero', [{ date: '2026-08-21', data: { distribution: [{ name: 'geth', value: 0 }] } }], /all zero/],
  ])('refuses %s', (_, document, message) => {
    expect(() => parseClientDiversityFeed(document, 'execution')).toThrow(ExternalError);
    expect(() => parseClientDiversityFeed(document, 'execution')).toThrow(message);
  });
});

/**
 * The CI subset of `npm run chaos` (bench/chaos.ts): the compiled broker on loopback, killed with SIGKILL
 * during a few operations and restarted, then a few hundred malformed requests (deep nesting included).
 * Bounded in count; the full suite and its figures are in RELIABILITY.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killScenario, malformedScenario } from '../../bench/chaos';
import { cleanUp } from '../../bench/measure';
import { buildDist } from '../broker/program';

beforeAll(() => {
  buildDist();
});
afterAll(() => {
  cleanUp();
});

describe('chaos (CI subset)', () => {
  it('kill -9 during provisions, updates and deprovisions (local backend): every operation ends, nothing is lost, stuck or left over', async () => {
    const figures = await killScenario({ backend: 'local', instances: 2, killChance: 0.67, seed: 7 });
    expect(figures.kills).toBeGreaterThanOrEqual(2);
    expect(figures.operations).toBe(6);
    expect(figures.outcomes).toEqual({ succeeded: 6, failed: 0, stuck: 0, lost: 0 });
    expect(figures.leftoverTerraform).toBe(0);
    expect(figures.leftoverWorkspaces).toBe(0);
  });

  it('300 malformed requests across every route (deep nesting, huge bodies, odd ids, bad headers, ...): no 5xx, every request answered', async () => {
    const figures = await malformedScenario({ count: 300, concurrency: 8, seed: 11 });
    expect(figures.categories['deep nesting']).toBeGreaterThan(30);
    expect(figures.serverErrors).toBe(0);
    expect(figures.networkErrors).toBe(0);
    expect(Object.values(figures.statuses).reduce((a, b) => a + b, 0)).toBe(300);
  });
});

/**
 * The fork-readiness provision policy: inside the window it refuses provisions of unready plans and
 * plan changes onto them, never updates that keep the plan (so instances can always be upgraded).
 */
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { ForkReadinessPolicy } from '../../src/service/fork-policy';
import { ForkService } from '../../src/service/forks';

const catalog = loadCatalog();
const unready = catalog.findPlanByRef('geth-lighthouse-validator-sandbox-hoodi')!;
const other = catalog.findPlanByRef('geth-lighthouse-rpc-sandbox-hoodi')!;
const ready = catalog.findPlanByRef('nethermind-prysm-validator-sandbox-hoodi')!;
const mevBoost = catalog.plans.find((p) => p.kind === 'mev-boost' && p.network === 'hoodi' && p.target === 'sandbox')!;

function policyAt(at: string): ForkReadinessPolicy {
  const forks = new ForkService({ catalog, storage: { listInstances: async () => [] }, clock: () => new Date(at) });
  return new ForkReadinessPolicy(catalog, forks);
}

const provision = (plan: typeof unready) => ({ kind: 'provision' as const, instanceId: 'i', serviceId: plan.serviceId, planId: plan.id, parameters: {} });

describe('ForkReadinessPolicy', () => {
  it('GIVEN the clock before the window THEN every plan is allowed', async () => {
    expect(await policyAt('2026-11-20T00:00:00Z').evaluate(provision(unready))).toEqual({ verdict: 'allow' });
  });

  it('GIVEN the clock inside the window THEN an unready plan is refused naming the fork, the missing releases and ready alternatives; a ready one is allowed', async () => {
    const policy = policyAt('2026-12-06T12:00:00Z');
    const verdict = await policy.evaluate(provision(unready));
    expect(verdict).toMatchObject({ verdict: 'refuse', code: 'ForkReadiness' });
    const message = (verdict as { message: string }).message;
    expect(message).toMatch(
      /^plan geth-lighthouse-validator-sandbox-hoodi is not ready for Glamsterdam \(Amsterdam\/Gloas\) on hoodi at 2026-12-15T19:12:24Z \(epoch 143616\): geth v1\.17\.10 does not schedule it; no geth release is known to yet; lighthouse v8\.3\.3 does not schedule it; no lighthouse release is known to yet\. /,
    );
    expect(message).toContain('Plans of the same kind that are ready: ');
    expect(message).toContain('nethermind-prysm-validator-sandbox-hoodi');
    expect(await policy.evaluate(provision(ready))).toEqual({ verdict: 'allow' });
  });

  it('GIVEN a hoodi MEV-Boost plan inside the window THEN it is refused: MEV-Boost ends with the fork', async () => {
    const verdict = await policyAt('2026-12-06T12:00:00Z').evaluate(provision(mevBoost as unknown as typeof unready));
    expect((verdict as { message: string }).message).toContain('MEV-Boost has no part from this fork on (builders bid in-protocol, EIP-7732)');
  });

  it('GIVEN updates inside the window THEN staying on an unready plan is allowed, moving onto one is refused', async () => {
    const policy = policyAt('2026-12-20T00:00:00Z');
    const update = (planId: string, currentPlanId: string) => ({ kind: 'update' as const, instanceId: 'i', serviceId: unready.serviceId, planId, parameters: {}, currentPlanId });
    expect(await policy.evaluate(update(unready.id, unready.id))).toEqual({ verdict: 'allow' });
    expect(await policy.evaluate(update(unready.id, other.id))).toMatchObject({ verdict: 'refuse', code: 'ForkReadiness' });
  });
});

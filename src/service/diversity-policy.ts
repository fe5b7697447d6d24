/**
 * The client-diversity policy at provision and update time (src/diversity/policy.ts decides; this adapts
 * it to the broker's policy seam). A refusal is 422 with error `DiversityPolicy`: the request is well
 * formed (not a 400) but the operator's rules do not let it through, and OSB lets brokers name error
 * conditions the spec's table does not cover ("Service Broker Errors").
 *
 * MEV-Boost plans and RPC nodes run no validators, so the policy lets them through (see the ledger).
 *
 * The decision reads the whole ledger of the network, which the request then changes: requests on the
 * same network are serialised (`serializeOn`), so concurrent provisions cannot each pass on a ledger
 * that does not count the others and together cross the refuse threshold.
 */
import type { Network } from '../../modules/clients/types';
import { evaluatePolicy, type OfferedClients } from '../diversity';
import type { DiversityService } from './diversity';
import { ledgerEntryOf } from './diversity';
import type { PolicyRequest, PolicyVerdict, ProvisionPolicy } from './policy';

export class DiversityPolicy implements ProvisionPolicy {
  readonly name = 'client-diversity';

  constructor(private readonly diversity: DiversityService) {}

  async evaluate(request: PolicyRequest): Promise<PolicyVerdict> {
    const entry = ledgerEntryOf(this.diversity.catalog, request.instanceId, request.serviceId, request.planId, request.parameters);
    if (entry === undefined || entry.role !== 'validator') return { verdict: 'allow' };
    const decision = evaluatePolicy({
      request: entry,
      ledger: await this.diversity.ledger(),
      snapshots: this.diversity.data().networks[entry.network] ?? {},
      thresholds: this.diversity.catalog.network(entry.network).diversity,
      offered: this.#offered(entry.network),
    });
    switch (decision.decision) {
      case 'allow':
        return { verdict: 'allow' };
      case 'warn':
        return {
          verdict: 'warn',
          message: decision.message,
          findings: decision.findings.map((f) => ({
            network: entry.network,
            scope: f.scope,
            layer: f.layer,
            client: f.client,
            share: f.shareAfter,
            threshold: f.threshold,
          })),
        };
      case 'refuse':
        return { verdict: 'refuse', code: 'DiversityPolicy', message: decision.message };
    }
  }

  /** The networks whose ledger the request reads and changes: its plan's, and for a plan change the old plan's. */
  serializeOn(request: PolicyRequest): readonly string[] {
    const networks = [request.planId, request.currentPlanId].flatMap((planId) => {
      const plan = planId === undefined ? undefined : this.diversity.catalog.findPlan(request.serviceId, planId);
      return plan?.kind === 'node' ? [plan.network] : [];
    });
    return [...new Set(networks)].map((network) => `${this.name}:${network}`);
  }

  #offered(network: Network): OfferedClients {
    const combos = this.diversity.offeredCombos(network, 'validator');
    return {
      execution: [...new Set(combos.map((c) => c.execution))],
      consensus: [...new Set(combos.map((c) => c.consensus))],
    };
  }
}

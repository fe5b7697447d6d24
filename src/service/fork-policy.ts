/**
 * Fork readiness at provision time: a plan whose pinned releases do not follow a fork its network has
 * scheduled takes no new provisions from `fork_window_days` before the fork on (and after it): a node
 * provisioned then would fork off within days. 422 `ForkReadiness` names the fork, its time, why and
 * the plans that are ready. Plan changes onto such a plan are refused the same way; updates of an
 * instance that stays on its plan (parameters, maintenance_info upgrades) go through, so existing
 * instances can always be upgraded.
 */
import type { CatalogPlan } from '../catalog/model';
import type { ForkService } from './forks';
import { forkRefusalMessage } from './forks';
import type { Catalog } from '../catalog/catalog';
import type { PolicyRequest, PolicyVerdict, ProvisionPolicy } from './policy';

export class ForkReadinessPolicy implements ProvisionPolicy {
  readonly name = 'fork-readiness';

  constructor(
    private readonly catalog: Catalog,
    private readonly forks: ForkService,
  ) {}

  async evaluate(request: PolicyRequest): Promise<PolicyVerdict> {
    if (request.kind === 'update' && request.planId === request.currentPlanId) return { verdict: 'allow' };
    const plan = this.catalog.findPlan(request.serviceId, request.planId);
    if (plan === undefined) return { verdict: 'allow' };
    const check = this.forks.refusal(plan);
    if (check === undefined) return { verdict: 'allow' };
    return { verdict: 'refuse', code: 'ForkReadiness', message: forkRefusalMessage(plan, check, this.forks.windowDays, this.#readyAlternatives(plan)) };
  }

  /** Stack names of plans of the same role, target and network that no open window refuses. */
  #readyAlternatives(plan: CatalogPlan): string[] {
    const sameKind = (other: CatalogPlan) =>
      other.network === plan.network &&
      other.target === plan.target &&
      other.kind === plan.kind &&
      (other.kind !== 'node' || plan.kind !== 'node' || (other.role === plan.role && other.lido === plan.lido));
    return this.catalog.plans.filter((other) => other.id !== plan.id && sameKind(other) && this.forks.refusal(other) === undefined).map((p) => p.stackName);
  }
}

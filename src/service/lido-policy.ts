/**
 * Lido mode at provision and update time: a Lido plan's instance must send execution-layer rewards to
 * Lido's vault, use only allow-listed relays (one of them mandatory), cap min-bid and weigh builder
 * blocks as Lido requires (src/lido/rules.ts). The rules are checked on the values the instance will
 * really run with (after the catalog's defaults), so a default relay that is not allow-listed is caught
 * too. Refusals are 422 `LidoPolicy`, naming each broken rule and its field.
 */
import type { Catalog } from '../catalog/catalog';
import type { NodeParameters } from '../catalog/parameters';
import { checkLidoRules, describeLidoViolations } from '../lido';
import { instanceNameFor, resolveNodeStackProps } from '../topology';
import type { PolicyRequest, PolicyVerdict, ProvisionPolicy } from './policy';

export class LidoPolicy implements ProvisionPolicy {
  readonly name = 'lido';

  constructor(private readonly catalog: Catalog) {}

  async evaluate(request: PolicyRequest): Promise<PolicyVerdict> {
    const plan = this.catalog.findPlan(request.serviceId, request.planId);
    if (plan === undefined || plan.kind !== 'node' || !plan.lido) return { verdict: 'allow' };
    const rules = this.catalog.lidoRules(plan.network);
    if (rules === undefined) {
      return {
        verdict: 'refuse',
        code: 'LidoPolicy',
        message: `plan ${plan.name} is a Lido plan but catalog.yaml has no lido.networks.${plan.network} rules; the operator must add them`,
      };
    }
    const props = resolveNodeStackProps(this.catalog, plan, request.parameters as NodeParameters, { instanceName: instanceNameFor(request.instanceId) });
    const violations = checkLidoRules(rules, {
      network: plan.network,
      ...(props.feeRecipient !== undefined && { feeRecipient: props.feeRecipient }),
      ...(props.mevBoost !== undefined && {
        mevBoost: { relays: props.mevBoost.relays, ...(props.mevBoost.minBidEth !== undefined && { minBidEth: props.mevBoost.minBidEth }) },
      }),
      ...(props.builderBoostFactor !== undefined && { builderBoostFactor: props.builderBoostFactor }),
      // Every offered validator client takes a builder boost factor, but only with MEV-Boost on (modules/clients).
      builderBoostFactorSupported: props.mevBoost !== undefined,
    });
    return violations.length === 0 ? { verdict: 'allow' } : { verdict: 'refuse', code: 'LidoPolicy', message: describeLidoViolations(violations) };
  }
}

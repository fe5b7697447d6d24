/**
 * Provision policies: rules an operator enforces before a provision or update is accepted (client
 * diversity caps, Lido requirements). Each policy sees the request and answers allow, warn (accepted, the
 * warning is recorded with the operation and logged) or refuse (422 with the policy's code and reason).
 * The broker evaluates every configured policy in order; the first refusal wins.
 */
import type { OsbErrorCode } from '../errors';
import type { JsonObject } from '../operations/types';

export interface PolicyRequest {
  readonly kind: 'provision' | 'update';
  readonly instanceId: string;
  readonly serviceId: string;
  /** The plan the instance will have. */
  readonly planId: string;
  /** The parameters the instance will have. */
  readonly parameters: JsonObject;
  /** For updates: the plan before. @default undefined */
  readonly currentPlanId?: string;
}

export type PolicyVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'warn'; readonly message: string }
  | { readonly verdict: 'refuse'; readonly code: OsbErrorCode; readonly message: string };

export interface ProvisionPolicy {
  /** Names the policy in warnings, refusals and logs. */
  readonly name: string;
  evaluate(request: PolicyRequest): Promise<PolicyVerdict>;
}

export type PolicyOutcome =
  | { readonly verdict: 'allow'; readonly warnings: readonly string[] }
  | { readonly verdict: 'refuse'; readonly policy: string; readonly code: OsbErrorCode; readonly message: string };

export async function evaluatePolicies(policies: readonly ProvisionPolicy[], request: PolicyRequest): Promise<PolicyOutcome> {
  const warnings: string[] = [];
  for (const policy of policies) {
    const verdict = await policy.evaluate(request);
    if (verdict.verdict === 'refuse') return { verdict: 'refuse', policy: policy.name, code: verdict.code, message: verdict.message };
    if (verdict.verdict === 'warn') warnings.push(`${policy.name}: ${verdict.message}`);
  }
  return { verdict: 'allow', warnings };
}

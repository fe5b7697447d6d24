/**
 * Provision policies: rules an operator enforces before a provision or update is accepted (client
 * diversity caps, Lido requirements). Each policy sees the request and answers allow, warn (accepted, the
 * warning is recorded with the operation, kept in its final description and logged) or refuse (422 with
 * the policy's code and reason). The broker evaluates every configured policy in order; the first refusal
 * wins. A policy that decides on shared state (one network's ledger) names it in `serializeOn`: requests
 * sharing a key are decided and stored one at a time, so a burst is judged on what it adds up to.
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

/** Facts behind a warning, for the log (e.g. `{ client: 'lighthouse', share: 0.7, threshold: 0.66 }`). */
export type PolicyFinding = Readonly<Record<string, string | number>>;

export type PolicyVerdict =
  | { readonly verdict: 'allow' }
  | { readonly verdict: 'warn'; readonly message: string; /** @default none */ readonly findings?: readonly PolicyFinding[] }
  | { readonly verdict: 'refuse'; readonly code: OsbErrorCode; readonly message: string };

export interface ProvisionPolicy {
  /** Names the policy in warnings, refusals and logs. */
  readonly name: string;
  evaluate(request: PolicyRequest): Promise<PolicyVerdict>;
  /**
   * Names of the shared state `evaluate` reads for this request (e.g. `client-diversity:hoodi`); the
   * broker holds a lock per name from before `evaluate` until the operation is stored. @default none
   */
  serializeOn?(request: PolicyRequest): readonly string[];
}

export interface PolicyWarning {
  readonly policy: string;
  readonly message: string;
  readonly findings: readonly PolicyFinding[];
}

export type PolicyOutcome =
  | { readonly verdict: 'allow'; readonly warnings: readonly PolicyWarning[] }
  | { readonly verdict: 'refuse'; readonly policy: string; readonly code: OsbErrorCode; readonly message: string };

export async function evaluatePolicies(policies: readonly ProvisionPolicy[], request: PolicyRequest): Promise<PolicyOutcome> {
  const warnings: PolicyWarning[] = [];
  for (const policy of policies) {
    const verdict = await policy.evaluate(request);
    if (verdict.verdict === 'refuse') return { verdict: 'refuse', policy: policy.name, code: verdict.code, message: verdict.message };
    if (verdict.verdict === 'warn') warnings.push({ policy: policy.name, message: verdict.message, findings: verdict.findings ?? [] });
  }
  return { verdict: 'allow', warnings };
}

/** Every lock name the policies need for `request`, sorted (one lock order for everyone) and distinct. */
export function serializationKeys(policies: readonly ProvisionPolicy[], request: PolicyRequest): string[] {
  return [...new Set(policies.flatMap((policy) => policy.serializeOn?.(request) ?? []))].sort();
}

/** How a warning reads in an operation description: `<policy>: <message>`. */
export const warningText = (warning: PolicyWarning): string => `${warning.policy}: ${warning.message}`;

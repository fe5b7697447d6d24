/**
 * The scopes a binding's token carries (the seed's `realm:context:action` grammar, src/scopes).
 *
 * Each kind of plan has an allowance in catalog.yaml (`scopes.allowed.<validator|rpc|mev_boost>`): scope
 * templates over `{instance_id}`, e.g. `pool:validator.{instance_id}:read.*` for RPC plans. A binding is
 * granted `pool:validator.<instance>:read.basic` by default; a bind parameter `scopes` may ask for any
 * non-empty set inside the plan's allowance, never a wider one. An RPC gateway in front of the nodes
 * asks POST /introspect for a token's scopes and enforces them.
 *
 * The instance id becomes one scope segment through scopeContextOf (src/scopes/instance-context.ts).
 */
import { DEFAULT_BINDING_SCOPE_TEMPLATES, INSTANCE_ID_PLACEHOLDER } from '../catalog/config';
import { badRequest } from '../errors';
import { fillTemplate, getDifference, isValidScope, ScopeComplexityError, simplify } from '../scopes';
import { scopeContextOf } from '../scopes/instance-context';

export { scopeContextOf } from '../scopes/instance-context';

const fill = (templates: readonly string[], instanceId: string): string[] =>
  fillTemplate(templates, { [INSTANCE_ID_PLACEHOLDER]: scopeContextOf(instanceId) });

/** What any binding of the instance may be granted: the plan's allowance filled in for the instance. */
export const allowedScopes = (instanceId: string, allowance: readonly string[]): string[] => fill(allowance, instanceId);

/** What a binding is granted when it asks for nothing. */
export const defaultScopes = (instanceId: string): string[] => fill(DEFAULT_BINDING_SCOPE_TEMPLATES, instanceId);

const quoted = (scopes: readonly string[]): string => scopes.map((s) => `"${s}"`).join(', ');

/**
 * The scopes to grant for a bind's `scopes` parameter (already schema-checked as a list of strings),
 * given the plan's allowance (templates): the default when absent, else the request, simplified, if it
 * is non-empty, every scope is valid and all of it lies inside the allowance.
 */
export function grantedScopes(instanceId: string, allowance: readonly string[], requested: readonly string[] | undefined): string[] {
  if (requested === undefined) return defaultScopes(instanceId);
  const example = defaultScopes(instanceId)[0];
  if (requested.length === 0) {
    throw badRequest(`parameters.scopes is empty: a token must carry at least one scope; omit scopes for the default ${example}`);
  }
  const invalid = requested.filter((scope) => !isValidScope(scope));
  if (invalid.length > 0) {
    throw badRequest(
      `parameters.scopes: ${quoted(invalid)} ${invalid.length === 1 ? 'is not a scope' : 'are not scopes'}: ` +
        `use realm:context:action with segments of letters, digits, _ or -, or * and **, e.g. ${example}`,
    );
  }
  const allowed = allowedScopes(instanceId, allowance);
  let outside: string[];
  try {
    outside = getDifference(allowed, requested);
  } catch (error) {
    if (!(error instanceof ScopeComplexityError)) throw error;
    throw badRequest(`parameters.scopes are too complex to check against this plan's allowance (${error.reason}); ask for fewer, plainer scopes`);
  }
  // Empty exactly when the allowance covers the whole request (AuthX order: what of `requested` `allowed` lacks).
  if (outside.length > 0) {
    throw badRequest(
      `parameters.scopes: ${quoted(outside)} ${outside.length === 1 ? 'is' : 'are'} wider than this plan allows ` +
        `(${allowed.join(' ')}); ask only for scopes inside it`,
    );
  }
  return simplify(requested);
}

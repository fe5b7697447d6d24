/**
 * The scopes a binding's token carries (the seed's `realm:context:action` grammar, src/scopes).
 *
 * Every plan allows `pool:validator.<instance>[.**]:**` (anything about its own instance and what is under it,
 * e.g. one validator key) and grants
 * `pool:validator.<instance>:read.basic` by default; a bind parameter `scopes` may ask for any set inside
 * the allowance, never a wider one. An RPC gateway in front of the nodes asks POST /introspect for a
 * token's scopes and enforces them.
 *
 * Instance ids are RFC 3986 unreserved characters, but a scope segment is `[a-zA-Z0-9_-]*` and `.` splits
 * segments, so the id is escaped into one segment: `_` -> `_5f`, `.` -> `_2e`, `~` -> `_7e` (injective:
 * every `_` in the segment starts an escape).
 */
import { badRequest } from '../errors';
import { getDifference, isSuperset, isValidScope, simplify } from '../scopes';

const ESCAPES: Readonly<Record<string, string>> = { _: '_5f', '.': '_2e', '~': '_7e' };

/** The instance id as one scope segment. */
export const scopeContextOf = (instanceId: string): string => instanceId.replace(/[_.~]/g, (c) => ESCAPES[c]!);

/** What any binding of the instance may be granted. */
/** Anything about the instance, and about what is under it (e.g. one validator key): `**` spans one or more segments. */
export function allowedScopes(instanceId: string): string[] {
  const context = `validator.${scopeContextOf(instanceId)}`;
  return [`pool:${context}:**`, `pool:${context}.**:**`];
}

/** What a binding is granted when it asks for nothing. */
export const defaultScopes = (instanceId: string): string[] => [`pool:validator.${scopeContextOf(instanceId)}:read.basic`];

/**
 * The scopes to grant for a bind's `scopes` parameter (already schema-checked as a list of strings):
 * the default when absent, else the request, simplified, if every scope is valid and inside the allowance.
 */
export function grantedScopes(instanceId: string, requested: readonly string[] | undefined): string[] {
  if (requested === undefined) return defaultScopes(instanceId);
  const invalid = requested.filter((scope) => !isValidScope(scope));
  if (invalid.length > 0) {
    throw badRequest(
      `parameters.scopes: ${invalid.map((s) => `"${s}"`).join(', ')} ${invalid.length === 1 ? 'is not a scope' : 'are not scopes'}: ` +
        'use realm:context:action with segments of letters, digits, _ or -, or * and **, e.g. ' + defaultScopes(instanceId)[0],
    );
  }
  const allowed = allowedScopes(instanceId);
  if (!isSuperset(allowed, requested)) {
    const outside = getDifference(requested, allowed);
    throw badRequest(
      `parameters.scopes: ${outside.map((s) => `"${s}"`).join(', ')} ${outside.length === 1 ? 'is' : 'are'} wider than this plan allows ` +
        `(${allowed.join(' ')}); ask only for scopes inside it`,
    );
  }
  return simplify(requested);
}

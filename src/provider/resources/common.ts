/** Pieces the OSB resources share: parameters, timeouts, contexts, state upgrades. */
import { Dynamic, dynamicOf, fromJson, isObject, sameJson, toPlain, Unknown, type CtyObject, type CtyValue } from '../codec/cty';
import { ProviderError, errorDiagnostic, type Diagnostic } from '../diagnostics';
import { PLATFORM, type ProviderSettings } from '../provider-config';
import { impliedType, parseDuration, type Schema } from '../schema';

/** Default time limit of each broker operation when `timeouts` does not say. */
export const DEFAULT_TIMEOUT = '60m';

/**
 * `parameters` as the JSON object sent to the broker: an HCL object, or a JSON string (`jsonencode(...)`,
 * `file("params.json")`). Undefined when null.
 */
export function parametersObject(value: CtyValue, path: readonly string[] = ['parameters']): Record<string, unknown> | undefined {
  if (value === null || (value instanceof Dynamic && value.value === null)) return undefined;
  const plain = toPlain(value);
  let object = plain;
  if (typeof plain === 'string') {
    try {
      object = JSON.parse(plain) as unknown;
    } catch (error) {
      throw new ProviderError('Invalid parameters', `parameters is a string but not JSON (${(error as Error).message}); give an object or jsonencode({...})`, path);
    }
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new ProviderError('Invalid parameters', `parameters must be an object (or a JSON string of one), not ${Array.isArray(object) ? 'a list' : typeof object}`, path);
  }
  return object as Record<string, unknown>;
}

/** Same parameters for the broker, whatever form (object or JSON string) each side was written in. */
export const sameParameters = (a: CtyValue, b: CtyValue): boolean => sameJson(parametersObject(a) ?? {}, parametersObject(b) ?? {});

/**
 * Parameters read back from the broker, against those in state: the state's value (and its form) when
 * the broker's agree with it; otherwise the broker's merged over the state's (a broker never echoes
 * secret parameters, so keys it leaves out keep their state value), which terraform shows as drift.
 */
export function refreshedParameters(state: CtyValue, broker: unknown): CtyValue {
  const live = broker !== null && typeof broker === 'object' && !Array.isArray(broker) ? (broker as Record<string, unknown>) : {};
  const known = parametersObject(state) ?? {};
  if (Object.entries(live).every(([key, value]) => key in known && sameJson(known[key], value))) return state;
  const merged = { ...known, ...live };
  return Object.keys(merged).length === 0 ? null : dynamicOf(merged);
}

export function validateParameters(config: CtyObject, name = 'parameters'): Diagnostic[] {
  const value = config[name] ?? null;
  if (value === null || value instanceof Unknown || (value instanceof Dynamic && value.value instanceof Unknown)) return [];
  if (value instanceof Dynamic && typeof value.value === 'string' && value.value.includes('${')) return [];
  try {
    parametersObject(value, [name]);
    return [];
  } catch (error) {
    return error instanceof ProviderError ? [error.diagnostic] : [];
  }
}

export function validateTimeouts(config: CtyObject): Diagnostic[] {
  const timeouts = config['timeouts'];
  if (!isObject(timeouts)) return [];
  const diagnostics: Diagnostic[] = [];
  for (const [operation, value] of Object.entries(timeouts)) {
    if (typeof value === 'string' && parseDuration(value) === undefined) {
      diagnostics.push(errorDiagnostic('Invalid timeout', `timeouts.${operation} = "${value}" is not a duration; write e.g. "90s", "30m" or "1h30m"`, ['timeouts', operation]));
    }
  }
  return diagnostics;
}

/** The deadline (epoch ms) of an operation from the resource's timeouts block. */
export function deadlineOf(state: CtyObject | null, operation: 'create' | 'update' | 'delete', now = Date.now()): number {
  const timeouts = state?.['timeouts'];
  const text = timeouts !== undefined && isObject(timeouts) && typeof timeouts[operation] === 'string' ? (timeouts[operation] as string) : DEFAULT_TIMEOUT;
  return now + (parseDuration(text) ?? parseDuration(DEFAULT_TIMEOUT)!);
}

/** The OSB context of a request from this provider: platform terraform, plus the user's context values. */
export function osbContext(settings: ProviderSettings, extra: CtyValue): Record<string, unknown> {
  const values = extra !== undefined && isObject(extra) ? (toPlain(extra) as Record<string, unknown>) : {};
  return { ...values, platform: PLATFORM, organization_guid: settings.organizationGuid, space_guid: settings.spaceGuid };
}

export function validateContext(config: CtyObject): Diagnostic[] {
  const context = config['context'];
  if (context === undefined || !isObject(context)) return [];
  const reserved = ['platform', 'organization_guid', 'space_guid'].filter((key) => key in context);
  return reserved.map((key) =>
    errorDiagnostic('Reserved context key', `context.${key} is set by the provider (platform "terraform", organization_guid and space_guid from the provider block); remove it`, ['context', key]),
  );
}

/**
 * State upgrades, one step per older schema version. Version 0 is the current schema of both resources,
 * so a state of version 0 only needs decoding; a state from a newer provider is refused.
 */
export function upgradeState(schema: Schema, typeName: string, version: number, state: Record<string, unknown>): CtyObject {
  if (version > schema.version) {
    throw new ProviderError(
      'State written by a newer provider',
      `${typeName} state has schema version ${version}; this terraform-provider-ovsb knows up to ${schema.version}. Install the newer provider (ovsb provider install).`,
    );
  }
  // Attributes unknown to the current schema are dropped by decoding against it.
  return fromJson(state, impliedType(schema.block)) as CtyObject;
}

/** The value of a string attribute, or undefined when null or unknown. */
export const str = (value: CtyValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

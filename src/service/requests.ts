/** What the HTTP layer hands the service: OSB requests after syntax checks, in domain spelling. */
import { badRequest } from '../errors';
import type { JsonObject, OriginatingIdentity } from '../operations/types';

/** Who asked; recorded with every operation (the audit trail). */
export interface RequestOrigin {
  /** Decoded `X-Broker-API-Originating-Identity`. @default undefined (platform-initiated) */
  readonly originatingIdentity?: OriginatingIdentity;
  /** `X-Broker-API-Request-Identity`. @default undefined */
  readonly requestIdentity?: string;
}

export interface ProvisionRequest extends RequestOrigin {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  /** @default {} */
  readonly parameters?: JsonObject;
  /** @default {} */
  readonly context?: JsonObject;
  /** `maintenance_info.version`. @default undefined */
  readonly maintenanceInfoVersion?: string;
}

export interface UpdateRequest extends RequestOrigin {
  readonly instanceId: string;
  readonly serviceId: string;
  /** @default undefined: the plan does not change */
  readonly planId?: string;
  /** @default undefined: the parameters do not change */
  readonly parameters?: JsonObject;
  /** @default undefined: the context does not change */
  readonly context?: JsonObject;
  /** @default undefined */
  readonly maintenanceInfoVersion?: string;
  /** `previous_values.plan_id`, recorded for the audit trail. @default undefined */
  readonly previousPlanId?: string;
}

export interface DeprovisionRequest extends RequestOrigin {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
}

export interface BindRequest extends RequestOrigin {
  readonly instanceId: string;
  readonly bindingId: string;
  /** Optional only when rotating (`predecessorBindingId`); then the instance's. */
  readonly serviceId?: string;
  readonly planId?: string;
  /** @default {} */
  readonly parameters?: JsonObject;
  /** @default {} */
  readonly context?: JsonObject;
  /** OSB `bind_resource` (with the deprecated top-level `app_guid` folded in). @default undefined */
  readonly bindResource?: JsonObject;
  /** OSB `predecessor_binding_id` (binding rotation). @default undefined */
  readonly predecessorBindingId?: string;
}

export interface UnbindRequest extends RequestOrigin {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly serviceId: string;
  readonly planId: string;
}

/** The origin fields of a request, for `beginOperation`. */
export function origin(input: RequestOrigin): RequestOrigin {
  return {
    ...(input.originatingIdentity !== undefined && { originatingIdentity: input.originatingIdentity }),
    ...(input.requestIdentity !== undefined && { requestIdentity: input.requestIdentity }),
  };
}

/**
 * OSB DELETE query ids "MUST be the ID of the Service Offering / Plan associated with" what is deleted:
 * anything else is the platform's mistake (400), never a reason to delete.
 */
export function requireOwnIds(
  what: string,
  given: { readonly serviceId: string; readonly planId: string },
  serviceId: string,
  planIds: readonly string[],
  consequence: string,
): void {
  if (given.serviceId !== serviceId) {
    throw badRequest(`service_id "${clipped(given.serviceId)}" is not the service of ${what} ("${serviceId}"); ${consequence}`);
  }
  if (!planIds.includes(given.planId)) {
    throw badRequest(`plan_id "${clipped(given.planId)}" is not the plan of ${what} ("${planIds[0]}"); ${consequence}`);
  }
}

const clipped = (value: string): string => (value.length > 80 ? `${value.slice(0, 77)}...` : value);

/** `service_id` / `plan_id` query values of a GET: when present they must be the resource's (400 otherwise). */
export interface FetchIds {
  /** @default unchecked */
  readonly serviceId?: string;
  /** @default unchecked */
  readonly planId?: string;
}

/** OSB GET instance / binding: a `service_id` or `plan_id` that is given "MUST be" the resource's. */
export function checkFetchIds(what: string, given: FetchIds, serviceId: string, planId: string): void {
  if (given.serviceId !== undefined && given.serviceId !== serviceId) {
    throw badRequest(`service_id "${clipped(given.serviceId)}" is not the service of ${what} ("${serviceId}"); leave it out or send the instance's`);
  }
  if (given.planId !== undefined && given.planId !== planId) {
    throw badRequest(`plan_id "${clipped(given.planId)}" is not the plan of ${what} ("${planId}"); leave it out or send the current plan's`);
  }
}

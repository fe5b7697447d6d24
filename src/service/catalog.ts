/**
 * What the service layer needs from the catalog, in its own words. The composition root adapts the loaded
 * catalog (src/catalog) to it; keeping the seam narrow lets the domain rules read without catalog internals.
 */
import type { JsonObject } from '../operations/types';

export type ParameterPhase = 'create' | 'update' | 'bind';

export interface PlanView {
  readonly serviceId: string;
  readonly planId: string;
  /** For messages. */
  readonly planName: string;
  readonly serviceName: string;
  readonly bindable: boolean;
  /** OSB `plan_updateable`, plan over service. */
  readonly planUpdateable: boolean;
  /** OSB `binding_rotatable`. */
  readonly bindingRotatable: boolean;
  /** OSB `instances_retrievable` of the service. */
  readonly instancesRetrievable: boolean;
  /** OSB `bindings_retrievable` of the service. */
  readonly bindingsRetrievable: boolean;
  /** @default undefined (the plan declares no maintenance_info) */
  readonly maintenanceInfo?: { readonly version: string; readonly description?: string };
  /** A bind must carry `bind_resource.app_guid` (422 RequiresApp otherwise). */
  readonly requiresApp: boolean;
  /** OSB `maximum_polling_duration`, seconds. @default undefined (no limit declared) */
  readonly maximumPollingDurationSec?: number;
}

/** One reason parameters do not satisfy the plan's schema, naming the field (`parameters.fee_recipient`). */
export interface ParameterProblem {
  readonly field: string;
  readonly message: string;
}

export interface ServiceCatalog {
  /** The OSB `GET /v2/catalog` body. */
  osbCatalog(): object;
  hasService(serviceId: string): boolean;
  findPlan(serviceId: string, planId: string): PlanView | undefined;
  /** Empty when valid. Each message is a sentence naming the field. */
  validateParameters(plan: PlanView, parameters: JsonObject, phase: ParameterPhase): readonly ParameterProblem[];
  /** Top-level parameter names the plan's schema marks secret: never returned by fetch, never logged. */
  secretParameters(plan: PlanView, phase: ParameterPhase): readonly string[];
  /** Scope templates (over {instance_id}) the plan's bindings may ask for a subset of. */
  scopeAllowance(plan: PlanView): readonly string[];
}

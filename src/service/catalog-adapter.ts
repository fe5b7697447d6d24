/**
 * The loaded catalog (src/catalog) seen through the service layer's ServiceCatalog port. Plan flags
 * (bindable, plan_updateable, binding_rotatable, retrievability, maintenance_info, polling limit) are
 * read from the OSB catalog the broker publishes, so the rules enforced are exactly the ones advertised.
 */
import type { Catalog } from '../catalog/catalog';
import type { CatalogPlan, NodeService, ServiceDiversity } from '../catalog/model';
import type { OsbCatalog, OsbPlan, OsbService } from '../catalog/osb';
import type { JsonSchema } from '../catalog/schemas';
import type { JsonObject } from '../operations/types';
import type { ParameterPhase, ParameterProblem, PlanView, ServiceCatalog } from './catalog';

function planView(service: OsbService, plan: OsbPlan): PlanView {
  return {
    serviceId: service.id,
    planId: plan.id,
    planName: plan.name,
    serviceName: service.name,
    bindable: plan.bindable ?? service.bindable,
    planUpdateable: plan.plan_updateable ?? service.plan_updateable,
    bindingRotatable: plan.binding_rotatable,
    instancesRetrievable: service.instances_retrievable,
    bindingsRetrievable: service.bindings_retrievable,
    requiresApp: plan.metadata?.['requires_app'] === true,
    maintenanceInfo: plan.maintenance_info,
    maximumPollingDurationSec: plan.maximum_polling_duration,
  };
}

/** Top-level properties a schema marks `writeOnly` (JSON Schema: accepted, never returned). */
function writeOnlyProperties(schema: JsonSchema): string[] {
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.entries(properties as Record<string, unknown>)
    .filter(([, property]) => typeof property === 'object' && property !== null && (property as { writeOnly?: unknown }).writeOnly === true)
    .map(([name]) => name);
}

/** Live `metadata.diversity` of node services; the catalog is rebuilt only when `version()` changes. */
export interface DiversityOverlay {
  /** Changes (by identity) whenever the statuses may have changed, e.g. the diversity data in use. */
  version(): unknown;
  status(service: NodeService): Omit<ServiceDiversity, 'incentives'> | undefined;
}

export function serviceCatalogOf(catalog: Catalog, overlay?: DiversityOverlay): ServiceCatalog {
  let built: { version: unknown; osb: OsbCatalog } | undefined;
  const osbCatalog = (): OsbCatalog => {
    if (overlay === undefined) return catalog.toOsbCatalog();
    const version = overlay.version();
    if (built === undefined || built.version !== version) {
      built = { version, osb: catalog.toOsbCatalog({ diversity: (service) => overlay.status(service) }) };
    }
    return built.osb;
  };
  // Plan flags do not depend on the overlay: the first catalog built serves for the views too.
  const views = new Map<string, PlanView>();
  for (const service of osbCatalog().services) {
    for (const plan of service.plans) views.set(`${service.id}/${plan.id}`, planView(service, plan));
  }
  const catalogPlan = (plan: PlanView): CatalogPlan => {
    const found = catalog.findPlan(plan.serviceId, plan.planId);
    if (found === undefined) throw new Error(`plan ${plan.planId} of service ${plan.serviceId} is not in the catalog`);
    return found;
  };
  return {
    osbCatalog,
    hasService: (serviceId) => catalog.findService(serviceId) !== undefined,
    findPlan: (serviceId, planId) => views.get(`${serviceId}/${planId}`),
    validateParameters(plan: PlanView, parameters: JsonObject, phase: ParameterPhase): readonly ParameterProblem[] {
      const result = catalog.validateParameters(catalogPlan(plan), parameters, phase);
      return result.ok ? [] : result.errors;
    },
    secretParameters: (plan, phase) => writeOnlyProperties(catalog.parameterSchema(catalogPlan(plan), phase)),
    scopeAllowance: (plan) => catalog.scopeAllowance(catalogPlan(plan)),
  };
}

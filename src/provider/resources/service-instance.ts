/**
 * `ovsb_service_instance`: an OSB service instance. Create = PUT (async) + polling; update = PATCH
 * (plan, parameters, maintenance_info); delete = DELETE + polling (410 counts as deleted); read = GET
 * (404/410 removes it from state); import by instance id.
 */
import { randomUUID } from 'node:crypto';
import { dynamicOf, UNKNOWN, Unknown, type CtyObject, type CtyValue } from '../codec/cty';
import { ProviderError, type Diagnostic } from '../diagnostics';
import { refusal, type CatalogPlan, type CatalogService, type OsbClient, type OsbResponse } from '../osb-client';
import type { ProviderSettings } from '../provider-config';
import { timeoutsBlock, type Schema } from '../schema';
import type { ApplyRequest, ManagedResource, PlanResult } from './resource';
import {
  DEFAULT_TIMEOUT,
  deadlineOf,
  osbContext,
  parametersObject,
  refreshedParameters,
  sameParameters,
  str,
  upgradeState,
  validateContext,
  validateParameters,
  validateTimeouts,
} from './common';

export const SERVICE_INSTANCE_SCHEMA: Schema = {
  version: 0,
  description: 'A service instance of the broker (for OVSB: a node stack the broker applies with terraform).',
  block: {
    attributes: {
      id: { type: 'string', computed: true, description: 'The instance id.' },
      instance_id: {
        type: 'string',
        optional: true,
        computed: true,
        description: 'The OSB instance id. Default: a new UUID. Changing it replaces the instance.',
      },
      service: { type: 'string', required: true, description: 'Service name or id (`ovsb catalog`). Changing the service replaces the instance.' },
      plan: { type: 'string', required: true, description: 'Plan name, id, or OVSB stack name. Changing it updates the instance in place (PATCH).' },
      service_id: { type: 'string', computed: true, description: 'The resolved service id.' },
      plan_id: { type: 'string', computed: true, description: 'The resolved plan id.' },
      parameters: {
        type: 'dynamic',
        optional: true,
        description: 'Provision/update parameters: an object, or a JSON string of one (`jsonencode(...)`, `file(...)`).',
      },
      maintenance_info_version: {
        type: 'string',
        optional: true,
        computed: true,
        description: 'maintenance_info.version to provision or upgrade to. Default: the broker\'s choice (read back).',
      },
      context: {
        type: ['map', 'string'],
        optional: true,
        description: 'Extra OSB context values. `platform` is always `terraform`; organization_guid/space_guid come from the provider block.',
      },
      dashboard_url: { type: 'string', computed: true, description: 'The instance\'s dashboard URL, when the broker gives one.' },
      operation: { type: 'string', computed: true, description: 'The broker\'s id of the last operation this provider ran on the instance.' },
    },
    blocks: { timeouts: timeoutsBlock(['create', 'update', 'delete'], DEFAULT_TIMEOUT) },
  },
};

const TYPE_NAME = 'ovsb_service_instance';
const instancePath = (id: string) => `v2/service_instances/${encodeURIComponent(id)}`;

interface Resolved {
  readonly service: CatalogService;
  readonly plan: CatalogPlan;
}

async function resolve(client: OsbClient, service: string, plan: string): Promise<Resolved> {
  const catalog = await client.catalog();
  const found = catalog.service(service);
  if (!found) {
    const names = catalog.services.map((s) => s.name);
    throw new ProviderError('Unknown service', `service "${service}" is not in the broker's catalog; services: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`, ['service']);
  }
  const foundPlan = catalog.plan(found, plan);
  if (!foundPlan) {
    throw new ProviderError('Unknown plan', `plan "${plan}" is not a plan of service ${found.name}; its plans: ${found.plans.map((p) => p.name).join(', ')}`, ['plan']);
  }
  return { service: found, plan: foundPlan };
}

/** The attribute a broker refusal is about, so terraform points at the right line. */
function refusalPath(response: OsbResponse): readonly string[] | undefined {
  const code = (response.body as { error?: unknown } | undefined)?.error;
  if (code === 'DiversityPolicy') return ['service'];
  // The plan's pinned releases do not follow a fork of its network: another plan (or a later pin) is the fix.
  if (code === 'ForkReadiness') return ['plan'];
  if (code === 'MaintenanceInfoConflict') return ['maintenance_info_version'];
  if (response.status === 400 || code === 'LidoPolicy') return ['parameters'];
  return undefined;
}

function stateFromBroker(instanceId: string, body: Record<string, unknown>, resolved: Resolved | undefined): CtyObject {
  const parameters = body['parameters'];
  const hasParameters = parameters !== null && typeof parameters === 'object' && Object.keys(parameters).length > 0;
  return {
    id: instanceId,
    instance_id: instanceId,
    service: resolved?.service.name ?? String(body['service_id']),
    plan: resolved?.plan.name ?? String(body['plan_id']),
    service_id: String(body['service_id']),
    plan_id: String(body['plan_id']),
    parameters: hasParameters ? dynamicOf(parameters) : null,
    maintenance_info_version: maintenanceVersion(body) ?? null,
    context: null,
    dashboard_url: typeof body['dashboard_url'] === 'string' ? body['dashboard_url'] : null,
    operation: null,
    timeouts: null,
  };
}

const maintenanceVersion = (body: Record<string, unknown>): string | undefined => {
  const info = body['maintenance_info'] as { version?: unknown } | undefined;
  return typeof info?.version === 'string' ? info.version : undefined;
};

async function fetchInstance(client: OsbClient, instanceId: string): Promise<Record<string, unknown> | null> {
  const response = await client.call('GET', instancePath(instanceId));
  if (response.status === 404 || response.status === 410) return null;
  if (response.status !== 200) throw refusal(`Reading service instance ${instanceId} failed`, response);
  return response.body as Record<string, unknown>;
}

export const serviceInstance: ManagedResource = {
  typeName: TYPE_NAME,
  schema: SERVICE_INSTANCE_SCHEMA,

  validate(config): Diagnostic[] {
    return [...validateParameters(config), ...validateTimeouts(config), ...validateContext(config)];
  },

  upgrade(version, state) {
    return upgradeState(SERVICE_INSTANCE_SCHEMA, TYPE_NAME, version, state);
  },

  async read(settings, state) {
    const instanceId = str(state['instance_id']) ?? str(state['id']);
    if (instanceId === undefined) return null;
    const response = await settings.client.call('GET', instancePath(instanceId));
    if (response.status === 404 || response.status === 410) return null;
    // Being updated right now (422 ConcurrencyError): keep what we know; the next refresh sees the result.
    if (response.status === 422) return state;
    if (response.status !== 200) throw refusal(`Reading service instance ${instanceId} failed`, response);
    const body = response.body as Record<string, unknown>;
    const next: Record<string, CtyValue> = { ...state };
    const serviceId = String(body['service_id']);
    const planId = String(body['plan_id']);
    if (serviceId !== state['service_id'] || planId !== state['plan_id']) {
      // Changed behind terraform's back: show the broker's names so the plan reads naturally.
      const catalog = await settings.client.catalog();
      const service = catalog.serviceById(serviceId);
      const plan = service?.plans.find((p) => p.id === planId);
      if (serviceId !== state['service_id']) next['service'] = service?.name ?? serviceId;
      if (planId !== state['plan_id']) next['plan'] = plan?.name ?? planId;
      next['service_id'] = serviceId;
      next['plan_id'] = planId;
    }
    next['parameters'] = refreshedParameters(state['parameters'] ?? null, body['parameters']);
    next['maintenance_info_version'] = maintenanceVersion(body) ?? state['maintenance_info_version'] ?? null;
    if (typeof body['dashboard_url'] === 'string') next['dashboard_url'] = body['dashboard_url'];
    return next;
  },

  async plan(settings, { prior, proposed, config }): Promise<PlanResult> {
    if (proposed === null || config === null) return { planned: null, requiresReplace: [] };
    const planned: Record<string, CtyValue> = { ...proposed };
    const service = str(config['service']);
    const plan = str(config['plan']);
    if (prior !== null && service === prior['service'] && plan === prior['plan'] && typeof prior['service_id'] === 'string' && typeof prior['plan_id'] === 'string') {
      // Same names as when they were resolved: no catalog fetch (a big catalog costs every plan dearly).
      planned['service_id'] = prior['service_id'];
      planned['plan_id'] = prior['plan_id'];
    } else {
      let resolved: Resolved | undefined;
      if (settings !== undefined && service !== undefined && plan !== undefined) resolved = await resolve(settings.client, service, plan);
      planned['service_id'] = resolved?.service.id ?? UNKNOWN;
      planned['plan_id'] = resolved?.plan.id ?? UNKNOWN;
    }

    if (prior === null) {
      planned['id'] = UNKNOWN;
      planned['instance_id'] = config['instance_id'] ?? UNKNOWN;
      planned['maintenance_info_version'] = config['maintenance_info_version'] ?? UNKNOWN;
      planned['dashboard_url'] = UNKNOWN;
      planned['operation'] = UNKNOWN;
      return { planned, requiresReplace: [] };
    }

    const requiresReplace: string[][] = [];
    if (planned['service_id'] instanceof Unknown ? config['service'] !== prior['service'] : planned['service_id'] !== prior['service_id']) {
      requiresReplace.push(['service']);
    }
    const instanceId = config['instance_id'];
    if (instanceId !== null && instanceId !== undefined && (instanceId instanceof Unknown || instanceId !== prior['instance_id'])) requiresReplace.push(['instance_id']);
    if (instanceId === null) planned['instance_id'] = prior['instance_id'] ?? null;

    const planChanged = planned['plan_id'] instanceof Unknown || planned['plan_id'] !== prior['plan_id'];
    const maintenance = config['maintenance_info_version'];
    if (maintenance === null) planned['maintenance_info_version'] = planChanged ? UNKNOWN : (prior['maintenance_info_version'] ?? null);
    const brokerChange =
      planChanged ||
      !(maintenance === null || maintenance === prior['maintenance_info_version']) ||
      containsUnknownParameters(config['parameters'] ?? null) ||
      !sameParameters(prior['parameters'] ?? null, config['parameters'] ?? null);
    planned['operation'] = brokerChange && requiresReplace.length === 0 ? UNKNOWN : (prior['operation'] ?? null);
    if (requiresReplace.length > 0) {
      // Terraform plans again with a null prior state for the replacement; values here only need to be plausible.
      planned['id'] = UNKNOWN;
      planned['dashboard_url'] = UNKNOWN;
    }
    return { planned, requiresReplace };
  },

  async apply(settings, request: ApplyRequest) {
    const { prior, planned, config } = request;
    if (planned === null) {
      if (prior !== null) await deprovision(settings, prior);
      return null;
    }
    if (prior === null) return provision(settings, planned, config);
    return update(settings, prior, planned);
  },

  async importState(settings, id) {
    const body = await fetchInstance(settings.client, id);
    if (body === null) {
      throw new ProviderError('Cannot import service instance', `the broker has no service instance ${id} (or it is still being provisioned); check the id`);
    }
    const catalog = await settings.client.catalog();
    const service = catalog.serviceById(String(body['service_id']));
    const plan = service?.plans.find((p) => p.id === body['plan_id']);
    return stateFromBroker(id, body, service && plan ? { service, plan } : undefined);
  },
};

function containsUnknownParameters(value: CtyValue): boolean {
  try {
    parametersObject(value);
    return false;
  } catch {
    return true;
  }
}

async function provision(settings: ProviderSettings, planned: CtyObject, config: CtyObject | null): Promise<CtyObject> {
  const { client } = settings;
  const instanceId = str(planned['instance_id']) ?? randomUUID();
  const deadline = deadlineOf(planned, 'create');
  const parameters = parametersObject(planned['parameters'] ?? null);
  const maintenance = str(planned['maintenance_info_version']);
  const response = await client.call(
    'PUT',
    instancePath(instanceId),
    { accepts_incomplete: 'true' },
    {
      service_id: planned['service_id'],
      plan_id: planned['plan_id'],
      // OSB v2.17: both are REQUIRED on provision, beside the same values in context.
      organization_guid: settings.organizationGuid,
      space_guid: settings.spaceGuid,
      ...(parameters !== undefined && { parameters }),
      context: osbContext(settings, config?.['context'] ?? planned['context'] ?? null),
      ...(maintenance !== undefined && { maintenance_info: { version: maintenance } }),
    },
  );
  if (response.status === 409) {
    throw new ProviderError(
      'Service instance already exists',
      `the broker already has instance ${instanceId} with other attributes; import it (terraform import <address> ${instanceId}) or set another instance_id`,
      ['instance_id'],
    );
  }
  if (![200, 201, 202].includes(response.status)) throw refusal(`The broker refused to provision instance ${instanceId}`, response, refusalPath(response));
  const body = (response.body ?? {}) as { operation?: unknown; dashboard_url?: unknown };
  const operation = typeof body.operation === 'string' ? body.operation : null;
  const created: Record<string, CtyValue> = {
    ...planned,
    id: instanceId,
    instance_id: instanceId,
    dashboard_url: typeof body.dashboard_url === 'string' ? body.dashboard_url : null,
    operation,
  };
  if (response.status === 202) {
    const outcome = await waitOrKeep(client, instanceId, operation, deadline, `the provision of ${instanceId}`, created);
    if (outcome.state !== 'succeeded') {
      // The instance exists at the broker in a failed state: kept in state, so terraform taints and replaces it.
      throw new ProviderError(`Provisioning service instance ${instanceId} failed`, outcome.state === 'failed' ? outcome.description : 'the broker reports it gone', undefined, finalize(created));
    }
  }
  const live = await fetchInstance(client, instanceId);
  if (live !== null) {
    if (created['maintenance_info_version'] instanceof Unknown) created['maintenance_info_version'] = maintenanceVersion(live) ?? null;
    if (typeof live['dashboard_url'] === 'string') created['dashboard_url'] = live['dashboard_url'];
  }
  return finalize(created);
}

/** No unknowns may remain after apply: whatever the broker did not tell is null. */
function finalize(state: Record<string, CtyValue>): CtyObject {
  return Object.fromEntries(Object.entries(state).map(([key, value]) => [key, value instanceof Unknown ? null : value]));
}

async function waitOrKeep(client: OsbClient, instanceId: string, operation: string | null, deadline: number, what: string, state: Record<string, CtyValue>) {
  try {
    return await client.waitFor(`${instancePath(instanceId)}/last_operation`, operation ?? undefined, deadline, what);
  } catch (error) {
    if (error instanceof ProviderError) throw error.withState(finalize(state));
    throw error;
  }
}

async function update(settings: ProviderSettings, prior: CtyObject, planned: CtyObject): Promise<CtyObject> {
  const { client } = settings;
  const instanceId = str(prior['instance_id']) ?? String(prior['id']);
  const next: Record<string, CtyValue> = { ...planned };
  if (!(planned['operation'] instanceof Unknown)) return finalize(next); // nothing the broker sees changed
  const planChanged = planned['plan_id'] !== prior['plan_id'];
  const maintenance = str(planned['maintenance_info_version']);
  const maintenanceChanged = maintenance !== undefined && maintenance !== prior['maintenance_info_version'];
  const parameters = parametersObject(planned['parameters'] ?? null);
  const priorMaintenance = str(prior['maintenance_info_version']);
  const response = await client.call(
    'PATCH',
    instancePath(instanceId),
    { accepts_incomplete: 'true' },
    {
      service_id: planned['service_id'],
      ...(planChanged && { plan_id: planned['plan_id'] }),
      ...(!sameParameters(prior['parameters'] ?? null, planned['parameters'] ?? null) && { parameters: parameters ?? {} }),
      context: osbContext(settings, planned['context'] ?? null),
      ...(maintenanceChanged && { maintenance_info: { version: maintenance } }),
      previous_values: {
        service_id: prior['service_id'],
        plan_id: prior['plan_id'],
        ...(priorMaintenance !== undefined && { maintenance_info: { version: priorMaintenance } }),
      },
    },
  );
  if (response.status !== 200 && response.status !== 202) {
    throw refusal(`The broker refused to update instance ${instanceId}`, response, refusalPath(response)).withState(prior);
  }
  const body = (response.body ?? {}) as { operation?: unknown; dashboard_url?: unknown };
  next['operation'] = typeof body.operation === 'string' ? body.operation : (prior['operation'] ?? null);
  if (response.status === 202) {
    const outcome = await waitOrKeep(client, instanceId, typeof body.operation === 'string' ? body.operation : null, deadlineOf(planned, 'update'), `the update of ${instanceId}`, prior as Record<string, CtyValue>);
    if (outcome.state !== 'succeeded') {
      throw new ProviderError(`Updating service instance ${instanceId} failed`, outcome.state === 'failed' ? outcome.description : 'the broker reports it gone', undefined, prior);
    }
  }
  if (next['maintenance_info_version'] instanceof Unknown) {
    const live = await fetchInstance(client, instanceId);
    next['maintenance_info_version'] = live === null ? null : (maintenanceVersion(live) ?? null);
  }
  return finalize(next);
}

async function deprovision(settings: ProviderSettings, prior: CtyObject): Promise<void> {
  const { client } = settings;
  const instanceId = str(prior['instance_id']) ?? String(prior['id']);
  const response = await client.call('DELETE', instancePath(instanceId), {
    accepts_incomplete: 'true',
    service_id: String(prior['service_id']),
    plan_id: String(prior['plan_id']),
  });
  if (response.status === 410 || response.status === 200) return;
  if (response.status !== 202) throw refusal(`The broker refused to deprovision instance ${instanceId}`, response).withState(prior);
  const operation = (response.body as { operation?: unknown } | undefined)?.operation;
  const outcome = await waitOrKeep(client, instanceId, typeof operation === 'string' ? operation : null, deadlineOf(prior, 'delete'), `the deprovision of ${instanceId}`, prior as Record<string, CtyValue>);
  if (outcome.state === 'failed') throw new ProviderError(`Deprovisioning service instance ${instanceId} failed`, outcome.description, undefined, prior);
}

/** Data sources `ovsb_plan` (ids of one plan) and `ovsb_catalog` (every service and plan). */
import { UNKNOWN, Unknown } from '../codec/cty';
import { ProviderError, errorDiagnostic } from '../diagnostics';
import type { CatalogPlan, CatalogService } from '../osb-client';
import type { Schema } from '../schema';
import { str } from './common';
import type { DataSource } from './resource';

export const PLAN_SCHEMA: Schema = {
  version: 0,
  description: 'One plan of the broker\'s catalog: by service and plan name (or id), or by OVSB stack name.',
  block: {
    attributes: {
      id: { type: 'string', computed: true, description: 'The plan id.' },
      service: { type: 'string', optional: true, description: 'Service name or id; with `plan`.' },
      plan: { type: 'string', optional: true, description: 'Plan name or id (with `service`), or a stack name alone.' },
      stack_name: { type: 'string', optional: true, computed: true, description: 'OVSB stack name (`ovsb plans`), instead of service and plan.' },
      service_id: { type: 'string', computed: true, description: 'The service id.' },
      service_name: { type: 'string', computed: true, description: 'The service name.' },
      plan_id: { type: 'string', computed: true, description: 'The plan id.' },
      plan_name: { type: 'string', computed: true, description: 'The plan name.' },
      description: { type: 'string', computed: true, description: 'The plan description.' },
      free: { type: 'bool', computed: true, description: 'Whether the plan is free.' },
      bindable: { type: 'bool', computed: true, description: 'Whether instances of the plan can be bound.' },
      maximum_polling_duration: { type: 'number', computed: true, description: 'Seconds the broker allows an operation (null if not given).' },
      maintenance_info_version: { type: 'string', computed: true, description: 'The plan\'s maintenance_info.version.' },
      metadata_json: { type: 'string', computed: true, description: 'The plan\'s metadata as JSON.' },
    },
  },
};

const SERVICE_TYPE = [
  'object',
  {
    id: 'string',
    name: 'string',
    description: 'string',
    bindable: 'bool',
    tags: ['list', 'string'],
    diversity_status: 'string',
    metadata_json: 'string',
    plans: ['list', ['object', { id: 'string', name: 'string', description: 'string', free: 'bool', stack_name: 'string', metadata_json: 'string' }]],
  },
] as const;

export const CATALOG_SCHEMA: Schema = {
  version: 0,
  description: 'The broker\'s catalog: services with their plans and metadata (for OVSB, the client diversity status).',
  block: {
    attributes: {
      id: { type: 'string', computed: true, description: 'The broker URL the catalog came from.' },
      services: { type: ['list', SERVICE_TYPE], computed: true, description: 'Every service and its plans.' },
    },
  },
};

function planValues(service: CatalogService, plan: CatalogPlan) {
  return {
    id: plan.id,
    service_id: service.id,
    service_name: service.name,
    plan_id: plan.id,
    plan_name: plan.name,
    stack_name: typeof plan.metadata?.['stackName'] === 'string' ? plan.metadata['stackName'] : null,
    description: plan.description ?? null,
    free: plan.free ?? null,
    bindable: plan.bindable ?? service.bindable ?? null,
    maximum_polling_duration: typeof plan.maximum_polling_duration === 'number' ? plan.maximum_polling_duration : null,
    maintenance_info_version: plan.maintenance_info?.version ?? null,
    metadata_json: JSON.stringify(plan.metadata ?? {}),
  };
}

export const planDataSource: DataSource = {
  typeName: 'ovsb_plan',
  schema: PLAN_SCHEMA,
  validate(config) {
    const given = (name: string) => config[name] !== null && config[name] !== undefined;
    if (!given('stack_name') && !given('plan')) {
      return [errorDiagnostic('Which plan?', 'set stack_name, or plan (with service, or a stack name or plan id alone)', ['plan'])];
    }
    return [];
  },
  async read(settings, config) {
    if (Object.values(config).some((value) => value instanceof Unknown)) return { ...config, id: UNKNOWN };
    const catalog = await settings.client.catalog();
    const service = str(config['service']);
    const plan = str(config['plan']);
    const stackName = str(config['stack_name']);
    let found: { service: CatalogService; plan: CatalogPlan } | undefined;
    if (service !== undefined && plan !== undefined) {
      const s = catalog.service(service);
      if (!s) throw new ProviderError('Unknown service', `service "${service}" is not in the broker's catalog`, ['service']);
      const p = catalog.plan(s, plan);
      if (!p) throw new ProviderError('Unknown plan', `plan "${plan}" is not a plan of ${s.name}; its plans: ${s.plans.map((x) => x.name).join(', ')}`, ['plan']);
      found = { service: s, plan: p };
    } else {
      const key = stackName ?? plan!;
      found = catalog.planAnywhere(key);
      if (!found) throw new ProviderError('Unknown plan', `no plan has stack name or id "${key}" (ovsb plans lists them)`, [stackName !== undefined ? 'stack_name' : 'plan']);
    }
    return { ...config, ...planValues(found.service, found.plan) };
  },
};

export const catalogDataSource: DataSource = {
  typeName: 'ovsb_catalog',
  schema: CATALOG_SCHEMA,
  validate: () => [],
  async read(settings) {
    const catalog = await settings.client.catalog();
    return {
      id: settings.client.url,
      services: catalog.services.map((service) => {
        const diversity = service.metadata?.['diversity'] as { status?: unknown } | undefined;
        return {
          id: service.id,
          name: service.name,
          description: service.description ?? null,
          bindable: service.bindable ?? null,
          tags: [...(service.tags ?? [])],
          diversity_status: typeof diversity?.status === 'string' ? diversity.status : null,
          metadata_json: JSON.stringify(service.metadata ?? {}),
          plans: service.plans.map((plan) => ({
            id: plan.id,
            name: plan.name,
            description: plan.description ?? null,
            free: plan.free ?? null,
            stack_name: typeof plan.metadata?.['stackName'] === 'string' ? plan.metadata['stackName'] : null,
            metadata_json: JSON.stringify(plan.metadata ?? {}),
          })),
        };
      }),
    };
  },
};

/**
 * `ovsb_service_binding`: an OSB binding of an instance. Create = PUT (async when the broker answers
 * 202), delete = DELETE, read = GET; every argument forces a new binding (OSB has no binding update).
 * `credentials` is sensitive: terraform never prints it.
 */
import { randomUUID } from 'node:crypto';
import { dynamicOf, sameJson, toPlain, UNKNOWN, type CtyObject, type CtyValue } from '../codec/cty';
import { ProviderError, type Diagnostic } from '../diagnostics';
import { refusal, type OsbClient } from '../osb-client';
import type { ProviderSettings } from '../provider-config';
import { timeoutsBlock, type Schema } from '../schema';
import type { ManagedResource, PlanResult } from './resource';
import { DEFAULT_TIMEOUT, deadlineOf, osbContext, parametersObject, sameParameters, str, upgradeState, validateParameters, validateTimeouts } from './common';

const ENDPOINT_TYPE = ['object', { host: 'string', ports: ['list', 'string'], protocol: 'string' }] as const;

export const SERVICE_BINDING_SCHEMA: Schema = {
  version: 0,
  description: 'A binding of a service instance: credentials (for OVSB: the node\'s endpoints and a scoped token).',
  block: {
    attributes: {
      id: { type: 'string', computed: true, description: '`<instance_id>/<binding_id>`.' },
      instance_id: { type: 'string', required: true, description: 'The instance to bind. Changing it replaces the binding.' },
      binding_id: { type: 'string', optional: true, computed: true, description: 'The OSB binding id. Default: a new UUID.' },
      parameters: { type: 'dynamic', optional: true, description: 'Bind parameters, e.g. `{ scopes = [...] }`: an object or a JSON string. Changing them replaces the binding.' },
      service_id: { type: 'string', computed: true, description: 'The instance\'s service id when bound.' },
      plan_id: { type: 'string', computed: true, description: 'The instance\'s plan id when bound.' },
      credentials: { type: 'dynamic', computed: true, sensitive: true, description: 'The binding\'s credentials (sensitive).' },
      endpoints: { type: ['list', ENDPOINT_TYPE], computed: true, description: 'Network endpoints the broker reported.' },
    },
    blocks: { timeouts: timeoutsBlock(['create', 'delete'], DEFAULT_TIMEOUT) },
  },
};

const TYPE_NAME = 'ovsb_service_binding';
const bindingPath = (instanceId: string, bindingId: string) =>
  `v2/service_instances/${encodeURIComponent(instanceId)}/service_bindings/${encodeURIComponent(bindingId)}`;

function endpointsOf(body: Record<string, unknown>): CtyValue {
  const list = Array.isArray(body['endpoints']) ? (body['endpoints'] as Record<string, unknown>[]) : [];
  return list.map((e) => ({
    host: String(e['host'] ?? ''),
    ports: Array.isArray(e['ports']) ? e['ports'].map(String) : [],
    protocol: typeof e['protocol'] === 'string' ? e['protocol'] : null,
  }));
}

async function fetchBinding(client: OsbClient, instanceId: string, bindingId: string): Promise<Record<string, unknown> | null> {
  const response = await client.call('GET', bindingPath(instanceId, bindingId));
  if (response.status === 404 || response.status === 410) return null;
  if (response.status !== 200) throw refusal(`Reading binding ${instanceId}/${bindingId} failed`, response);
  return response.body as Record<string, unknown>;
}

export const serviceBinding: ManagedResource = {
  typeName: TYPE_NAME,
  schema: SERVICE_BINDING_SCHEMA,

  validate(config): Diagnostic[] {
    return [...validateParameters(config), ...validateTimeouts(config)];
  },

  upgrade(version, state) {
    return upgradeState(SERVICE_BINDING_SCHEMA, TYPE_NAME, version, state);
  },

  async read(settings, state) {
    const instanceId = str(state['instance_id']);
    const bindingId = str(state['binding_id']);
    if (instanceId === undefined || bindingId === undefined) return null;
    const body = await fetchBinding(settings.client, instanceId, bindingId);
    if (body === null) return null;
    const credentials = body['credentials'] ?? {};
    const known = state['credentials'] ?? null;
    return {
      ...state,
      credentials: known !== null && sameJson(toPlain(known), credentials) ? known : dynamicOf(credentials),
      endpoints: endpointsOf(body),
    };
  },

  async plan(_settings, { prior, proposed, config }): Promise<PlanResult> {
    if (proposed === null || config === null) return { planned: null, requiresReplace: [] };
    const planned: Record<string, CtyValue> = { ...proposed };
    if (prior === null) {
      for (const name of ['id', 'service_id', 'plan_id', 'credentials', 'endpoints']) planned[name] = UNKNOWN;
      planned['binding_id'] = config['binding_id'] ?? UNKNOWN;
      return { planned, requiresReplace: [] };
    }
    const requiresReplace: string[][] = [];
    if (config['instance_id'] !== prior['instance_id']) requiresReplace.push(['instance_id']);
    if (config['binding_id'] !== null && config['binding_id'] !== prior['binding_id']) requiresReplace.push(['binding_id']);
    if (config['binding_id'] === null) planned['binding_id'] = prior['binding_id'] ?? null;
    let parametersChanged: boolean;
    try {
      parametersChanged = !sameParameters(prior['parameters'] ?? null, config['parameters'] ?? null);
    } catch {
      parametersChanged = true; // unknown until apply
    }
    if (parametersChanged) requiresReplace.push(['parameters']);
    return { planned, requiresReplace };
  },

  async apply(settings, { prior, planned, config }) {
    if (planned === null) {
      if (prior !== null) await unbind(settings, prior);
      return null;
    }
    if (prior !== null) return planned; // only timeouts can change in place
    return bind(settings, planned, config);
  },

  async importState(settings, id) {
    const [instanceId, bindingId, ...rest] = id.split('/');
    if (!instanceId || !bindingId || rest.length > 0) {
      throw new ProviderError('Invalid import id', `"${id}" is not <instance_id>/<binding_id>; e.g. terraform import ovsb_service_binding.b my-node/my-binding`);
    }
    const instance = await settings.client.call('GET', `v2/service_instances/${encodeURIComponent(instanceId)}`);
    if (instance.status !== 200) throw refusal(`Cannot import binding ${id}: reading instance ${instanceId} failed`, instance);
    const body = await fetchBinding(settings.client, instanceId, bindingId);
    if (body === null) throw new ProviderError('Cannot import service binding', `the broker has no binding ${bindingId} of instance ${instanceId}`);
    const parameters = body['parameters'];
    const instanceBody = instance.body as Record<string, unknown>;
    return {
      id,
      instance_id: instanceId,
      binding_id: bindingId,
      parameters: parameters !== null && typeof parameters === 'object' && Object.keys(parameters).length > 0 ? dynamicOf(parameters) : null,
      service_id: String(instanceBody['service_id']),
      plan_id: String(instanceBody['plan_id']),
      credentials: dynamicOf(body['credentials'] ?? {}),
      endpoints: endpointsOf(body),
      timeouts: null,
    };
  },
};

async function bind(settings: ProviderSettings, planned: CtyObject, config: CtyObject | null): Promise<CtyObject> {
  const { client } = settings;
  const instanceId = String(planned['instance_id']);
  const bindingId = str(planned['binding_id']) ?? randomUUID();
  const instance = await client.call('GET', `v2/service_instances/${encodeURIComponent(instanceId)}`);
  if (instance.status !== 200) throw refusal(`Cannot bind instance ${instanceId}: reading it failed`, instance, ['instance_id']);
  const { service_id: serviceId, plan_id: planId } = instance.body as { service_id: string; plan_id: string };
  const parameters = parametersObject(planned['parameters'] ?? null);
  const path = bindingPath(instanceId, bindingId);
  const response = await client.call(
    'PUT',
    path,
    { accepts_incomplete: 'true' },
    { service_id: serviceId, plan_id: planId, ...(parameters !== undefined && { parameters }), context: osbContext(settings, config?.['context'] ?? null) },
  );
  if (response.status === 409) {
    throw new ProviderError('Service binding already exists', `instance ${instanceId} already has binding ${bindingId} with other attributes; import it or set another binding_id`, ['binding_id']);
  }
  if (![200, 201, 202].includes(response.status)) throw refusal(`The broker refused to bind instance ${instanceId}`, response, response.status === 400 ? ['parameters'] : undefined);
  let body = (response.body ?? {}) as Record<string, unknown>;
  const state = { ...planned, id: `${instanceId}/${bindingId}`, binding_id: bindingId, service_id: serviceId, plan_id: planId, credentials: null, endpoints: [] };
  if (response.status === 202) {
    const operation = typeof body['operation'] === 'string' ? body['operation'] : undefined;
    const outcome = await client.waitFor(`${path}/last_operation`, operation, deadlineOf(planned, 'create'), `binding ${bindingId}`);
    if (outcome.state !== 'succeeded') {
      throw new ProviderError(`Binding instance ${instanceId} failed`, outcome.state === 'failed' ? outcome.description : 'the broker reports it gone');
    }
    const fetched = await fetchBinding(client, instanceId, bindingId);
    if (fetched === null) throw new ProviderError(`Binding instance ${instanceId} failed`, `the broker reported success but has no binding ${bindingId}`);
    body = fetched;
  }
  return { ...state, credentials: dynamicOf(body['credentials'] ?? {}), endpoints: endpointsOf(body) };
}

async function unbind(settings: ProviderSettings, prior: CtyObject): Promise<void> {
  const { client } = settings;
  const instanceId = String(prior['instance_id']);
  const bindingId = String(prior['binding_id']);
  const path = bindingPath(instanceId, bindingId);
  const response = await client.call('DELETE', path, { accepts_incomplete: 'true', service_id: String(prior['service_id']), plan_id: String(prior['plan_id']) });
  if (response.status === 200 || response.status === 410) return;
  // The instance went first (deprovisioned behind terraform's back): its bindings went with it.
  if (response.status === 404) return;
  if (response.status !== 202) throw refusal(`The broker refused to unbind ${instanceId}/${bindingId}`, response).withState(prior);
  const operation = (response.body as { operation?: unknown } | undefined)?.operation;
  const outcome = await client.waitFor(`${path}/last_operation`, typeof operation === 'string' ? operation : undefined, deadlineOf(prior, 'delete'), `the unbind of ${bindingId}`);
  if (outcome.state === 'failed') throw new ProviderError(`Unbinding ${instanceId}/${bindingId} failed`, outcome.description, undefined, prior);
}

/**
 * The OpenAPI 3.1 description of everything the broker serves, at `GET /openapi.json`.
 * test/broker/openapi.test.ts walks the live Express routes and fails when a route is served but not
 * described here, or described but not served, so the document cannot drift from the code.
 *
 * OSB semantics (status codes, bodies) follow the Open Service Broker API v2.17; descriptions here say
 * what this broker does where the spec leaves a choice.
 */

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type JsonMap = { readonly [key: string]: Json };

const ref = (name: string): JsonMap => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonMap, description: string): JsonMap => ({ description, content: { 'application/json': { schema } } });
const osbError = (description: string): JsonMap => json(ref('Error'), description);
const param = (name: string, location: 'path' | 'query' | 'header', description: string, required: boolean, schema: JsonMap = { type: 'string' }): JsonMap => ({
  name,
  in: location,
  description,
  required,
  schema,
});

const OSB_COMMON_ERRORS: JsonMap = {
  '401': osbError('Basic authentication missing or wrong.'),
  '412': osbError('X-Broker-API-Version missing, or not a supported 2.x (>= 2.13).'),
  '500': osbError('A broker bug; the description carries the request id to find it in the log.'),
  '503': osbError('Storage or terraform unavailable; retry later.'),
};
const BODY_ERRORS: JsonMap = {
  '413': osbError('Request body larger than the broker accepts.'),
  '415': osbError('Body not JSON, or an unsupported charset or encoding.'),
};

const apiVersion = param('X-Broker-API-Version', 'header', 'OSB API version, 2.13 or later 2.x.', true, { type: 'string', pattern: '^2\\.\\d+$' });
const originatingIdentity = param(
  'X-Broker-API-Originating-Identity',
  'header',
  '`<platform> <base64 JSON>`: the platform user behind the request, recorded with the operation (see /audit). Its platform must be the body\'s `context.platform` when both are given (400 otherwise).',
  false,
);
const requestIdentity = param(
  'X-Broker-API-Request-Identity',
  'header',
  'Echoed in the response as sent when printable ASCII of at most 1024 characters (otherwise not echoed); names the request in logs.',
  false,
);
const instanceId = param('instance_id', 'path', 'Chosen by the platform; RFC 3986 unreserved characters, at most 255.', true, {
  type: 'string',
  pattern: '^[A-Za-z0-9._~-]{1,255}$',
});
const bindingId = param('binding_id', 'path', 'Chosen by the platform; RFC 3986 unreserved characters, at most 255.', true, {
  type: 'string',
  pattern: '^[A-Za-z0-9._~-]{1,255}$',
});
const acceptsIncomplete = (required: boolean): JsonMap =>
  param(
    'accepts_incomplete',
    'query',
    required ? 'Must be true: the operation runs terraform asynchronously (422 AsyncRequired otherwise).' : 'Accepted; bindings complete synchronously.',
    required,
    { type: 'boolean' },
  );
const operationHint = param('operation', 'query', 'The `operation` value of the 202 answer; a hint, never a reason for 400.', false);
const serviceIdQuery = (required: boolean): JsonMap => param('service_id', 'query', 'The instance\'s service offering id.', required);
const planIdQuery = (required: boolean): JsonMap => param('plan_id', 'query', 'The instance\'s plan id.', required);
const osbHeaders = [apiVersion, originatingIdentity, requestIdentity];
const basicAuth: readonly JsonMap[] = [{ basicAuth: [] }];

const lastOperation = (what: string, parameters: readonly JsonMap[]): JsonMap => ({
  get: {
    operationId: what === 'instance' ? 'instanceLastOperation' : 'bindingLastOperation',
    tags: ['OSB'],
    summary: `Poll the last operation of a service ${what}`,
    security: basicAuth,
    parameters: [...osbHeaders, ...parameters, serviceIdQuery(false), planIdQuery(false), operationHint],
    responses: {
      '200': {
        ...json(ref('LastOperation'), 'The operation\'s state; `Retry-After` (seconds) while in progress.'),
        headers: { 'Retry-After': { description: 'Seconds before polling again (in progress only).', schema: { type: 'integer' } } },
      },
      '400': osbError('A malformed id.'),
      '404': osbError(`No such ${what}.`),
      ...OSB_COMMON_ERRORS,
    },
  },
});

const PATHS: JsonMap = {
  '/v2/catalog': {
    get: {
      operationId: 'getCatalog',
      tags: ['OSB'],
      summary: 'The catalog: one service per client bundle (execution x consensus) plus MEV-Boost, plans per role, target and network',
      security: basicAuth,
      parameters: osbHeaders,
      responses: {
        '200': json(ref('Catalog'), 'The OSB catalog, with a strong ETag.'),
        '304': { description: 'If-None-Match named the current ETag: the catalog has not changed.' },
        ...OSB_COMMON_ERRORS,
      },
    },
  },
  '/v2/service_instances/{instance_id}': {
    put: {
      operationId: 'provisionInstance',
      tags: ['OSB'],
      summary: 'Provision: synthesise the plan\'s stack and apply it with terraform (asynchronous)',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, acceptsIncomplete(true)],
      requestBody: { required: true, content: { 'application/json': { schema: ref('ProvisionRequest') } } },
      responses: {
        '200': json(ref('ProvisionResponse'), 'The instance exists with identical attributes and is provisioned.'),
        '202': json(ref('AsyncResponse'), 'Accepted (also for an identical request while it runs, and as a new attempt after a failed provision); poll last_operation.'),
        '400': osbError('Malformed body or id, unknown service or plan, or parameters not valid for the plan\'s schema (the field is named).'),
        '409': osbError('The instance exists with different attributes.'),
        '422': osbError('AsyncRequired, ConcurrencyError, MaintenanceInfoConflict, or a provision refused by the operator\'s policy.'),
        ...BODY_ERRORS,
        ...OSB_COMMON_ERRORS,
      },
    },
    patch: {
      operationId: 'updateInstance',
      tags: ['OSB'],
      summary: 'Update plan, parameters or maintenance_info: re-synthesise and apply (asynchronous)',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, acceptsIncomplete(true)],
      requestBody: { required: true, content: { 'application/json': { schema: ref('UpdateRequest') } } },
      responses: {
        '200': json({ type: 'object' }, 'Nothing to change.'),
        '202': json(ref('AsyncResponse'), 'Accepted; poll last_operation.'),
        '400': osbError('Malformed body or id, unknown service or plan, or parameters (as given, or merged over the instance\'s) not valid for the target plan (the field is named).'),
        '404': osbError('No such instance.'),
        '422': osbError('AsyncRequired, ConcurrencyError, MaintenanceInfoConflict, a plan change the plan does not allow, an instance whose provision failed, or an update refused by the operator\'s policy.'),
        ...BODY_ERRORS,
        ...OSB_COMMON_ERRORS,
      },
    },
    delete: {
      operationId: 'deprovisionInstance',
      tags: ['OSB'],
      summary: 'Deprovision: terraform destroy (asynchronous; idempotent for half-created instances)',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, acceptsIncomplete(true), serviceIdQuery(true), planIdQuery(true)],
      responses: {
        '202': json(ref('AsyncResponse'), 'Accepted; poll last_operation, which answers succeeded when it is gone.'),
        '400': osbError('A malformed id, or service_id / plan_id missing or not those of what is deleted (nothing is deleted).'),
        '410': osbError('No such instance (or already deprovisioned).'),
        '422': osbError('AsyncRequired, or ConcurrencyError while another operation runs.'),
        ...OSB_COMMON_ERRORS,
      },
    },
    get: {
      operationId: 'fetchInstance',
      tags: ['OSB'],
      summary: 'Fetch an instance (secret parameters are left out)',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, serviceIdQuery(false), planIdQuery(false)],
      responses: {
        '200': json(ref('InstanceView'), 'The instance.'),
        '400': osbError('A malformed id, or a service_id / plan_id that is not the instance\'s.'),
        '404': osbError('No such instance, or it is being provisioned or deprovisioned.'),
        '422': osbError('ConcurrencyError: an update is in progress.'),
        ...OSB_COMMON_ERRORS,
      },
    },
  },
  '/v2/service_instances/{instance_id}/last_operation': lastOperation('instance', [instanceId]),
  '/v2/service_instances/{instance_id}/service_bindings/{binding_id}': {
    put: {
      operationId: 'bind',
      tags: ['OSB'],
      summary: 'Bind: credentials from the instance\'s terraform outputs plus a per-binding token',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, bindingId, acceptsIncomplete(false)],
      requestBody: { required: true, content: { 'application/json': { schema: ref('BindRequest') } } },
      responses: {
        '200': json(ref('Binding'), 'The binding exists with identical attributes.'),
        '201': json(ref('Binding'), 'Created.'),
        '400': osbError('Malformed body or id, invalid parameters, or an unusable predecessor_binding_id.'),
        '404': osbError('No such instance.'),
        '409': osbError('The binding exists with different attributes.'),
        '422': osbError('RequiresApp (when the catalog requires bind_resource.app_guid) or ConcurrencyError.'),
        ...BODY_ERRORS,
        ...OSB_COMMON_ERRORS,
      },
    },
    delete: {
      operationId: 'unbind',
      tags: ['OSB'],
      summary: 'Unbind: the binding\'s token stops working at once',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, bindingId, acceptsIncomplete(false), serviceIdQuery(true), planIdQuery(true)],
      responses: {
        '200': json({ type: 'object' }, 'Unbound.'),
        '400': osbError('A malformed id, or service_id / plan_id missing or not those of what is deleted (nothing is deleted).'),
        '410': osbError('No such binding.'),
        '422': osbError('ConcurrencyError.'),
        ...OSB_COMMON_ERRORS,
      },
    },
    get: {
      operationId: 'fetchBinding',
      tags: ['OSB'],
      summary: 'Fetch a binding',
      security: basicAuth,
      parameters: [...osbHeaders, instanceId, bindingId, serviceIdQuery(false), planIdQuery(false)],
      responses: {
        '200': json(ref('Binding'), 'The binding.'),
        '400': osbError('A malformed id, or a service_id / plan_id that is not the binding\'s.'),
        '404': osbError('No such binding, or it is being created.'),
        ...OSB_COMMON_ERRORS,
      },
    },
  },
  '/v2/service_instances/{instance_id}/service_bindings/{binding_id}/last_operation': lastOperation('binding', [instanceId, bindingId]),
  '/live': {
    get: {
      operationId: 'live',
      tags: ['Operations'],
      summary: 'Liveness: the process answers',
      responses: { '200': json({ type: 'object', properties: { status: { const: 'live' } } }, 'Alive.') },
    },
  },
  '/ready': {
    get: {
      operationId: 'ready',
      tags: ['Operations'],
      summary: 'Readiness: storage reachable and terraform found',
      responses: {
        '200': json(ref('Readiness'), 'Ready.'),
        '503': json(ref('Readiness'), 'A check fails (named; details in the log).'),
      },
    },
  },
  '/audit': {
    get: {
      operationId: 'audit',
      tags: ['Operations'],
      summary: 'The operations trail, with the platform identity behind each request',
      security: basicAuth,
      parameters: [
        param('instance_id', 'query', 'Only this instance.', false),
        param('binding_id', 'query', 'Only this binding.', false),
        param('kind', 'query', 'Comma-separated: provision, update, deprovision, bind, unbind.', false),
        param('state', 'query', 'Comma-separated: in progress, succeeded, failed.', false),
        param('platform', 'query', 'Originating identity platform, e.g. kubernetes.', false),
        param('since', 'query', 'ISO 8601.', false, { type: 'string', format: 'date-time' }),
        param('until', 'query', 'ISO 8601.', false, { type: 'string', format: 'date-time' }),
        param('order', 'query', 'newest-first (default) or oldest-first.', false, { enum: ['newest-first', 'oldest-first'] }),
        param('limit', 'query', '1-1000, default 100.', false, { type: 'integer', minimum: 1, maximum: 1000 }),
      ],
      responses: {
        '200': json({ type: 'object', required: ['operations'], properties: { operations: { type: 'array', items: { type: 'object' } } } }, 'Operations.'),
        '400': osbError('A filter value that is not valid (named).'),
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/diversity': {
    get: {
      operationId: 'diversity',
      tags: ['Diversity'],
      summary: 'Client shares per network and layer: published network-wide and across this operator\'s validators, with statuses, thresholds and data freshness',
      security: basicAuth,
      responses: {
        '200': json(ref('DiversityOverview'), 'The shares in use.'),
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/diversity/suggestions': {
    get: {
      operationId: 'diversitySuggestions',
      tags: ['Diversity'],
      summary: 'Offered client combos ranked by how much they improve diversity, least represented first',
      security: basicAuth,
      parameters: [
        param('network', 'query', 'An offered network, e.g. mainnet.', true),
        param('role', 'query', 'validator (default) or rpc.', false, { enum: ['validator', 'rpc'] }),
      ],
      responses: {
        '200': json(ref('Suggestions'), 'Ranked combos.'),
        '400': osbError('A network that is not offered, or an unknown role (named).'),
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/diversity/dashboard': {
    get: {
      operationId: 'operatorDashboard',
      tags: ['Diversity'],
      summary: 'The diversity dashboard with this operator\'s validator counts and shares next to the published ones',
      security: basicAuth,
      responses: {
        '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } },
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/dashboard': {
    get: {
      operationId: 'dashboard',
      tags: ['Diversity'],
      summary: 'The public diversity dashboard, network-wide data only: an HTML page with server-rendered SVG charts (no scripts, no CDN)',
      responses: { '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/dashboard/instances/{dashboard_id}': {
    get: {
      operationId: 'instanceDashboard',
      tags: ['Diversity'],
      summary: 'An instance\'s dashboard_url: the dashboard with the instance\'s clients marked (plan, clients and state only)',
      parameters: [
        {
          name: 'dashboard_id',
          in: 'path',
          required: true,
          description: 'The opaque random id of the instance\'s dashboard_url (never the OSB instance id: the page is public).',
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        },
      ],
      responses: {
        '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } },
        '404': { description: 'No live node instance has this dashboard id (malformed ids alike): the dashboard without an instance.', content: { 'text/html': { schema: { type: 'string' } } } },
      },
    },
  },
  '/forks': {
    get: {
      operationId: 'forks',
      tags: ['Forks'],
      summary:
        "Hard-fork readiness: each offered network's scheduled forks with the time left, which plans' pinned releases follow them, which live instances run releases that do and which need an upgrade (to which maintenance_info version); data freshness of the release, diversity and Lido data",
      security: basicAuth,
      responses: {
        '200': json(
          {
            type: 'object',
            required: ['now', 'windowDays', 'releaseData', 'forks', 'dataFreshness', 'warnings'],
            properties: {
              now: { type: 'string', format: 'date-time' },
              windowDays: { type: 'integer' },
              releaseData: { type: 'object', properties: { observed: { type: 'string' }, changed: { type: 'string' } } },
              forks: { type: 'array', items: { type: 'object' } },
              dataFreshness: { type: 'array', items: { type: 'object' } },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
          'Scheduled forks and readiness.',
        ),
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Diversity'],
      summary:
        'Prometheus metrics: ovsb_client_share{network,layer,scope,client}, ovsb_diversity_data_timestamp_seconds, ovsb_fork_seconds_until{network,fork}, ovsb_instances_not_fork_ready{network,fork}, ovsb_data_age_seconds{dataset}, process metrics',
      security: basicAuth,
      responses: {
        '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/introspect': {
    post: {
      operationId: 'introspect',
      tags: ['Operations'],
      summary: 'Binding token introspection (RFC 7662 shape) for an RPC gateway in front of the nodes; Basic auth with the introspection credentials (OVSB_INTROSPECT_*, valid here and on /gateway only) or the broker credentials',
      security: basicAuth,
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } },
          'application/json': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } },
        },
      },
      responses: {
        '200': json(ref('Introspection'), 'Active with its scopes, or `{"active": false}` for unknown, revoked or malformed tokens.'),
        '400': osbError('No token in the request.'),
        '401': osbError('Basic authentication missing or wrong.'),
        '413': osbError('Request body larger than 4 kB.'),
      },
    },
  },
  '/gateway/policy': {
    get: {
      operationId: 'gatewayPolicy',
      tags: ['Operations'],
      summary: 'For the RPC gateway (`ovsb gateway`): the scope action each JSON-RPC method, eth_subscribe subscription and beacon route needs (catalog.yaml `gateway:` over the built-in tables); introspection or broker credentials',
      security: basicAuth,
      responses: {
        '200': json(ref('GatewayPolicy'), 'The tables; "deny" marks what is not offered.'),
        '401': osbError('Basic authentication missing or wrong.'),
      },
    },
  },
  '/gateway/instances/{instance_id}': {
    get: {
      operationId: 'gatewayInstance',
      tags: ['Operations'],
      summary: 'For the RPC gateway: a serving instance\'s direct node URLs (its terraform outputs) and its plan\'s per-token limits; introspection or broker credentials',
      security: basicAuth,
      parameters: [instanceId],
      responses: {
        '200': json(ref('GatewayInstance'), 'Node URLs and limits.'),
        '401': osbError('Basic authentication missing or wrong.'),
        '404': osbError('No such instance, or it does not serve (not provisioned, failed, deprovisioned).'),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openApi',
      tags: ['Operations'],
      summary: 'This document',
      responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1.') },
    },
  },
};

const stringMap: JsonMap = { type: 'object', additionalProperties: { type: 'string' } };

const SCHEMAS: JsonMap = {
  Error: {
    type: 'object',
    required: ['description'],
    properties: {
      error: { type: 'string', description: 'OSB error code, e.g. AsyncRequired, ConcurrencyError, RequiresApp, MaintenanceInfoConflict.' },
      description: { type: 'string', description: 'What went wrong, naming the field, the value and the fix.' },
      instance_usable: { type: 'boolean' },
      update_repeatable: { type: 'boolean' },
    },
  },
  MaintenanceInfo: {
    type: 'object',
    required: ['version'],
    properties: { version: { type: 'string', description: 'Semantic version derived from the plan\'s client versions.' }, description: { type: 'string' } },
  },
  Catalog: {
    type: 'object',
    required: ['services'],
    properties: { services: { type: 'array', items: ref('Service') } },
  },
  Service: {
    type: 'object',
    required: ['id', 'name', 'description', 'bindable', 'plans'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      requires: { type: 'array', items: { type: 'string' } },
      bindable: { type: 'boolean' },
      instances_retrievable: { type: 'boolean' },
      bindings_retrievable: { type: 'boolean' },
      allow_context_updates: { type: 'boolean' },
      plan_updateable: { type: 'boolean' },
      metadata: { type: 'object', description: 'displayName, clients and their versions, diversity status and incentives.' },
      plans: { type: 'array', minItems: 1, items: ref('Plan') },
    },
  },
  Plan: {
    type: 'object',
    required: ['id', 'name', 'description'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      metadata: { type: 'object' },
      free: { type: 'boolean' },
      bindable: { type: 'boolean' },
      plan_updateable: { type: 'boolean' },
      schemas: { type: 'object', description: 'JSON Schemas of provision, update and bind parameters.' },
      maximum_polling_duration: { type: 'integer' },
      maintenance_info: ref('MaintenanceInfo'),
    },
  },
  ProvisionRequest: {
    type: 'object',
    required: ['service_id', 'plan_id', 'organization_guid', 'space_guid'],
    properties: {
      service_id: { type: 'string' },
      plan_id: { type: 'string' },
      context: { type: 'object' },
      parameters: { type: 'object', description: 'Validated against the plan\'s schemas.service_instance.create.parameters.' },
      maintenance_info: ref('MaintenanceInfo'),
      organization_guid: { type: 'string', minLength: 1, deprecated: true, description: 'Deprecated by context, still REQUIRED by v2.17.' },
      space_guid: { type: 'string', minLength: 1, deprecated: true, description: 'Deprecated by context, still REQUIRED by v2.17.' },
    },
  },
  UpdateRequest: {
    type: 'object',
    required: ['service_id'],
    properties: {
      service_id: { type: 'string' },
      plan_id: { type: 'string' },
      context: { type: 'object' },
      parameters: { type: 'object', description: 'Validated against the plan\'s schemas.service_instance.update.parameters.' },
      maintenance_info: ref('MaintenanceInfo'),
      previous_values: { type: 'object', properties: { plan_id: { type: 'string' }, service_id: { type: 'string' } } },
    },
  },
  ProvisionResponse: { type: 'object', properties: { dashboard_url: { type: 'string', format: 'uri' } } },
  AsyncResponse: {
    type: 'object',
    required: ['operation'],
    properties: { operation: { type: 'string' }, dashboard_url: { type: 'string', format: 'uri' } },
  },
  InstanceView: {
    type: 'object',
    required: ['service_id', 'plan_id'],
    properties: {
      service_id: { type: 'string' },
      plan_id: { type: 'string' },
      parameters: { type: 'object' },
      maintenance_info: ref('MaintenanceInfo'),
      dashboard_url: { type: 'string', format: 'uri' },
      metadata: {
        type: 'object',
        description:
          'OSB ServiceInstanceMetadata. labels: the next fork scheduled on the instance\'s network (fork, fork_time) and whether the releases the instance runs follow it (fork_readiness: ready | upgrade-required | no-ready-release | unknown; upgrade_to_maintenance_info_version, fork_readiness_reason).',
        properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
      },
    },
  },
  LastOperation: {
    type: 'object',
    required: ['state'],
    properties: {
      state: { enum: ['in progress', 'succeeded', 'failed'] },
      description: { type: 'string', description: 'Progress (e.g. the terraform apply step) or the failure, never a secret.' },
      instance_usable: { type: 'boolean' },
      update_repeatable: { type: 'boolean' },
    },
  },
  BindRequest: {
    type: 'object',
    required: ['service_id', 'plan_id'],
    properties: {
      service_id: { type: 'string' },
      plan_id: { type: 'string' },
      context: { type: 'object' },
      parameters: { type: 'object' },
      bind_resource: { type: 'object', properties: { app_guid: { type: 'string' }, route: { type: 'string' } } },
      app_guid: { type: 'string', deprecated: true },
      predecessor_binding_id: { type: 'string' },
    },
  },
  Binding: {
    type: 'object',
    properties: {
      credentials: {
        type: 'object',
        description: 'The instance\'s terraform outputs (execution RPC, beacon API, ...) and the binding\'s secret `token`.',
      },
      endpoints: {
        type: 'array',
        items: {
          type: 'object',
          required: ['host', 'ports'],
          properties: { host: { type: 'string' }, ports: { type: 'array', items: { type: 'string' } }, protocol: { enum: ['tcp', 'udp', 'all'] } },
        },
      },
      parameters: { type: 'object' },
    },
  },
  ClientShare: {
    type: 'object',
    required: ['client', 'share', 'status'],
    properties: {
      client: { type: 'string' },
      share: { type: 'number', minimum: 0, maximum: 1 },
      status: { enum: ['unknown', 'minority', 'warn', 'majority', 'supermajority'] },
    },
  },
  DiversityOverview: {
    type: 'object',
    required: ['networks', 'thresholds', 'refresh'],
    properties: {
      networks: {
        type: 'object',
        description: 'Per network, per layer (execution, consensus): `network` (published shares with source, url, date) and `operator` (validators, shares).',
        additionalProperties: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['operator'],
            properties: {
              network: {
                type: 'object',
                required: ['source', 'url', 'date', 'clients'],
                properties: { source: { type: 'string' }, url: { type: 'string' }, date: { type: 'string' }, clients: { type: 'array', items: ref('ClientShare') } },
              },
              operator: {
                type: 'object',
                required: ['validators', 'clients'],
                properties: { validators: { type: 'number' }, clients: { type: 'array', items: ref('ClientShare') } },
              },
            },
          },
        },
      },
      thresholds: {
        type: 'object',
        additionalProperties: { type: 'object', required: ['warn', 'refuse'], properties: { warn: { type: 'number' }, refuse: { type: 'number' } } },
      },
      refresh: {
        type: 'array',
        description: 'The last refresh of each feed: ok with the data date, or the error and the date of the data kept.',
        items: { type: 'object', required: ['ok', 'network', 'layer', 'at'] },
      },
    },
  },
  Suggestions: {
    type: 'object',
    required: ['network', 'role', 'suggestions'],
    properties: {
      network: { type: 'string' },
      role: { enum: ['validator', 'rpc'] },
      suggestions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['execution', 'consensus', 'score', 'status', 'shares'],
          properties: {
            execution: { type: 'string' },
            consensus: { type: 'string' },
            score: { type: 'number', description: '1 - the larger effective share of its two clients; higher helps diversity more.' },
            status: { enum: ['unknown', 'minority', 'warn', 'majority', 'supermajority'] },
            shares: { type: 'object' },
          },
        },
      },
    },
  },
  GatewayPolicy: {
    type: 'object',
    required: ['methods', 'subscriptions', 'beacon'],
    properties: {
      methods: { ...stringMap, description: 'JSON-RPC method -> scope action (or "deny").' },
      subscriptions: { ...stringMap, description: 'eth_subscribe subscription type -> scope action (or "deny").' },
      beacon: {
        type: 'array',
        description: 'Beacon API routes in match order (first match wins).',
        items: {
          type: 'object',
          required: ['method', 'path', 'action'],
          properties: { method: { enum: ['GET', 'POST'] }, path: { type: 'string' }, action: { type: 'string' } },
        },
      },
    },
  },
  GatewayInstance: {
    type: 'object',
    required: ['instance_id', 'plan_id', 'upstreams', 'limits'],
    properties: {
      instance_id: { type: 'string' },
      plan_id: { type: 'string' },
      upstreams: {
        type: 'object',
        properties: { execution_http_url: { type: 'string' }, execution_ws_url: { type: 'string' }, beacon_api_url: { type: 'string' } },
        additionalProperties: false,
      },
      limits: {
        type: 'object',
        required: ['requests_per_second', 'burst', 'concurrency', 'websockets'],
        properties: {
          requests_per_second: { type: 'integer' },
          burst: { type: 'integer' },
          concurrency: { type: 'integer' },
          websockets: { type: 'integer' },
        },
      },
    },
  },
  Introspection: {
    type: 'object',
    required: ['active'],
    properties: {
      active: { type: 'boolean' },
      scope: { type: 'string', description: 'Space-separated scopes, e.g. pool:validator.<instance>:read.basic.' },
      token_type: { const: 'bearer' },
      iat: { type: 'integer' },
      sub: { type: 'string', description: 'The binding id.' },
      aud: { type: 'string', description: 'The instance id.' },
      instance_id: { type: 'string' },
      binding_id: { type: 'string' },
      service_id: { type: 'string' },
      plan_id: { type: 'string' },
    },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: { status: { enum: ['ready', 'not ready'] }, checks: { ...stringMap } },
  },
};

export interface OpenApiInfo {
  /** The broker's package version. */
  readonly version: string;
}

/** The document, built once per app (it is immutable). */
export function openApiDocument(info: OpenApiInfo): JsonMap {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Open Validator Service Broker',
      version: info.version,
      description:
        'An Open Service Broker API v2.17 broker for Ethereum node operators: catalog plans are client combinations; provision and bind run terraform on the plan\'s synthesised stack.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'OSB', description: 'Open Service Broker API v2.17' },
      { name: 'Operations', description: 'Probes, audit trail and this document' },
      { name: 'Diversity', description: 'Client diversity: shares, suggestions, Prometheus metrics' },
      { name: 'Forks', description: 'Hard-fork readiness of plans and instances, and the age of the bundled data' },
    ],
    paths: PATHS,
    components: {
      securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } },
      schemas: SCHEMAS,
    },
  };
}

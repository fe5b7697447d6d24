/**
 * `stacks.yaml`: the stacks a team manages by hand with `cdktf deploy` (docs/iac-workflow.md). Each entry
 * names a catalog plan and provision parameters; the parameters pass the same schema and rules as an OSB
 * provision, and resolve to the same stack props, so a hand-managed stack and a broker instance of the
 * same plan and parameters synthesise the same Terraform.
 *
 *   stacks:
 *     - name: team-hoodi-validator          # the stack name: `cdktf deploy team-hoodi-validator`
 *       plan: nethermind-prysm-validator-kubernetes-hoodi   # stack name, plan id or service/plan
 *       instance_name: team-hoodi-1         # optional: names namespaces and hosts (default: name)
 *       parameters: { fee_recipient: "0x...", graffiti: "team" }
 *       backend: { kind: pg, schema_name: team_hoodi_validator }
 *     - name: team-hoodi-brokered            # broker mode: provisioned through the broker's OSB API
 *       plan: nethermind-prysm-validator-sandbox-hoodi
 *       broker_url: http://127.0.0.1:8080    # with OVSB_USERNAME / OVSB_PASSWORD in the environment
 *       binding: true                        # optional (default true): also bind and output credentials
 *       parameters: { fee_recipient: "0x..." }
 *   broker:                                   # optional: the broker's own stack, `ovsb-broker`
 *     image: registry.example.com/ovsb:0.1.0
 *     backend: { kind: s3, bucket: ..., key: ovsb-broker.tfstate, region: ... }
 *     gateway: { replicas: 2, public_url: https://rpc.example.org }   # optional: the RPC gateway too
 */
import { checkFileSchema } from '../catalog/file-schema';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { BrokerGatewayProps, BrokerStackProps } from '../../stacks/broker/broker-stack';
import type { BrokerInstanceStackProps } from '../../stacks/broker-instance-stack';
import { BROKER_STACK_NAME } from '../../stacks/broker/names';
import type { ResourceSpec } from '../../modules/clients/types';
import type { BackendProps } from '../../stacks/props';
import type { Catalog } from '../catalog/catalog';
import type { CatalogPlan } from '../catalog/model';
import { YamlNode } from '../catalog/yaml-reader';
import { ConfigError, OsbError } from '../errors';
import { resolveStackProps, type ResolvedStack } from '../topology';

/** The default path of the file, relative to the working directory; `OVSB_STACKS_FILE` overrides it. */
export const DEFAULT_STACKS_FILE = 'stacks.yaml';

/** One entry of stacks.yaml, resolved: the stack name and the props of its stack class. */
export type TeamStack =
  | ({ readonly name: string; readonly plan: CatalogPlan } & ResolvedStack)
  | { readonly name: typeof BROKER_STACK_NAME; readonly kind: 'broker'; readonly props: BrokerStackProps }
  /** Broker mode: the plan provisioned through a broker with terraform-provider-ovsb. */
  | { readonly name: string; readonly kind: 'through-broker'; readonly plan: CatalogPlan; readonly props: BrokerInstanceStackProps };

/** One entry as written, before the catalog is consulted. */
export interface TeamStackEntry {
  readonly name: string;
  readonly plan: string;
  readonly instanceName: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly backend?: BackendProps;
  /** Broker mode: the broker's base URL. @default direct mode (the node's resources) */
  readonly brokerUrl?: string;
  /** Broker mode: also bind. @default true */
  readonly binding?: boolean;
  /** `stacks[3]`: where the entry is, for errors. */
  readonly path: string;
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const PG_SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `OVSB_STACKS_FILE` when set, else `./stacks.yaml`. */
export function stacksFilePathFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env['OVSB_STACKS_FILE']?.trim();
  return configured ? configured : DEFAULT_STACKS_FILE;
}

/**
 * Reads and resolves stacks.yaml against the catalog. Throws ConfigError naming the file, the path in it
 * and the reason (bad YAML, unknown plan, invalid parameters, duplicate or invalid names).
 */
export function loadTeamStacks(path: string, catalog: Catalog, sourceName: string = path): TeamStack[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(sourceName, '', `cannot read the stacks file (${code === 'ENOENT' ? 'no such file' : String(error)}); set OVSB_STACKS_FILE to a stacks.yaml`);
  }
  return parseTeamStacks(text, sourceName, catalog, (file) => readFileSync(resolve(dirname(path), file), 'utf8'));
}

/**
 * Parses stacks.yaml text; `source` names it in errors. `readRelative` reads a file named in it
 * (`broker.catalog_file`), relative to the stacks file.
 */
export function parseTeamStacks(
  text: string,
  source: string,
  catalog: Catalog,
  readRelative: (file: string) => string = () => {
    throw new Error('no file reader given');
  },
): TeamStack[] {
  return withLines(text, source, (document) => {
    const root = new YamlNode(source, '', document.toJS({ maxAliasCount: 100 }));
    const stacks: TeamStack[] = readEntries(root).map((entry) => resolveEntry(entry, source, catalog));
    const broker = root.isAbsent ? undefined : readBroker(root.child('broker'), readRelative);
    if (broker) {
      const clash = stacks.find((stack) => stack.name === BROKER_STACK_NAME);
      if (clash) throw new ConfigError(source, 'broker', `the broker's stack is named ${BROKER_STACK_NAME}, which a stack in stacks already uses; rename that stack`);
      stacks.push({ name: BROKER_STACK_NAME, kind: 'broker', props: broker });
    }
    return stacks;
  });
}

/** The entries as written (structure checked, catalog not consulted): what `ovsb review` lists. */
export function parseTeamStackEntries(text: string, source: string): TeamStackEntry[] {
  return withLines(text, source, (document) => readEntries(new YamlNode(source, '', document.toJS({ maxAliasCount: 100 }))));
}

function withLines<T>(text: string, source: string, read: (document: Document) => T): T {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ConfigError(source, `line ${line}, column ${col}`, `invalid YAML: ${syntaxError.message.split('\n')[0]}`);
  }
  try {
    return read(document);
  } catch (error) {
    if (error instanceof ConfigError && error.source === source && error.path) {
      const line = lineOf(document, lineCounter, error.path);
      if (line !== undefined) throw new ConfigError(source, error.path, `${error.reason} (line ${line})`);
    }
    throw error;
  }
}

function readEntries(root: YamlNode): TeamStackEntry[] {
  if (root.isAbsent) return [];
  // Structure first (schemas/stacks.schema.json, the file editors validate against); the rules below.
  checkFileSchema('stacks', root.value, root.source);
  root.map(['stacks', 'broker']);
  const list = root.child('stacks');
  if (list.isAbsent) return [];
  const seen = new Map<string, string>();
  const seenInstances = new Map<string, string>();
  return list.items().map((item) => {
    item.map(['name', 'plan', 'instance_name', 'parameters', 'backend', 'broker_url', 'binding']);
    const nameNode = item.child('name');
    const name = nameNode.string();
    if (!STACK_NAME.test(name)) {
      nameNode.fail(`"${name}" is not a valid stack name; use letters, digits, "-" and "_" (at most 128, starting alphanumeric)`);
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) nameNode.fail(`"${name}" is already the name of ${earlier}; stack names must be unique`);
    seen.set(name, item.path);

    const instanceNode = item.child('instance_name');
    const instanceName = instanceNode.optionalString() ?? name;
    if (!INSTANCE_NAME.test(instanceName)) {
      (instanceNode.isAbsent ? nameNode : instanceNode).fail(
        `"${instanceName}" cannot name an instance (namespaces, hosts): use at most 40 of [a-z0-9-], alphanumeric at both ends${instanceNode.isAbsent ? '; set instance_name to such a name' : ''}`,
      );
    }
    const earlierInstance = seenInstances.get(instanceName);
    if (earlierInstance !== undefined) {
      (instanceNode.isAbsent ? nameNode : instanceNode).fail(
        `instance name "${instanceName}" is already used by ${earlierInstance}; two stacks would deploy into the same namespace and hosts`,
      );
    }
    seenInstances.set(instanceName, item.path);

    const parametersNode = item.child('parameters');
    const parameters = parametersNode.isAbsent ? {} : parametersNode.map();
    const backendNode = item.child('backend');
    const backend = backendNode.isAbsent ? undefined : readBackend(backendNode);
    const brokerUrlNode = item.child('broker_url');
    const brokerUrl = brokerUrlNode.optionalString();
    if (brokerUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(brokerUrl)) {
      brokerUrlNode.fail(`"${brokerUrl}" is not an http(s) URL; give the broker's base URL, e.g. http://127.0.0.1:8080`);
    }
    const bindingNode = item.child('binding');
    if (!bindingNode.isAbsent && brokerUrl === undefined) bindingNode.fail('applies to broker mode only; set broker_url too, or remove binding');
    const binding = bindingNode.isAbsent ? undefined : bindingNode.boolean();
    return {
      name,
      plan: item.child('plan').string(),
      instanceName,
      parameters,
      ...(backend ? { backend } : {}),
      ...(brokerUrl !== undefined && { brokerUrl }),
      ...(binding !== undefined && { binding }),
      path: item.path,
    };
  });
}

function readBackend(node: YamlNode): BackendProps {
  const kind = node.child('kind').oneOf(['local', 'pg', 's3'] as const);
  switch (kind) {
    case 'local': {
      node.map(['kind', 'path']);
      const path = node.child('path').optionalString();
      return { kind, ...(path !== undefined ? { path } : {}) };
    }
    case 'pg': {
      node.map(['kind', 'schema_name']);
      const schemaNode = node.child('schema_name');
      const schemaName = schemaNode.string();
      if (!PG_SCHEMA.test(schemaName)) {
        schemaNode.fail(`"${schemaName}" is not a PostgreSQL schema name: letters, digits and "_", at most 63, not starting with a digit`);
      }
      // The connection string is a secret: terraform reads it from PG_CONN_STR, never from this file.
      return { kind, schemaName };
    }
    case 's3': {
      node.map(['kind', 'bucket', 'key', 'region', 'dynamodb_table']);
      const dynamodbTable = node.child('dynamodb_table').optionalString();
      return {
        kind,
        bucket: node.child('bucket').string(),
        key: node.child('key').string(),
        region: node.child('region').string(),
        ...(dynamodbTable !== undefined ? { dynamodbTable } : {}),
      };
    }
  }
}

const BROKER_KEYS = [
  'image',
  'replicas',
  'namespace',
  'create_namespace',
  'name',
  'username',
  'existing_credentials_secret',
  'catalog_file',
  'kubernetes_target_access',
  'provider_mirror_claim_name',
  'max_concurrent_applies',
  'log_level',
  'resources',
  'extra_env',
  'config_context',
  'backend',
  'gateway',
];

/** `gateway: {}` deploys the RPC gateway with its defaults. */
function readGateway(node: YamlNode): BrokerGatewayProps | undefined {
  if (node.isAbsent) return undefined;
  node.map(['replicas', 'public_url', 'extra_env']);
  const replicas = node.child('replicas').isAbsent ? undefined : node.child('replicas').integer(1, 50);
  const publicUrl = node.child('public_url').optionalString();
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(publicUrl)) node.child('public_url').fail(`"${publicUrl}" is not an http(s) URL`);
  const extraEnvNode = node.child('extra_env');
  return {
    ...(replicas !== undefined && { replicas }),
    ...(publicUrl !== undefined && { publicUrl: publicUrl.replace(/\/+$/, '') }),
    ...(!extraEnvNode.isAbsent && { extraEnv: Object.fromEntries(extraEnvNode.entries().map((entry) => [entry.key, entry.string()])) }),
  };
}

function readBroker(node: YamlNode, readRelative: (file: string) => string): BrokerStackProps | undefined {
  if (node.isAbsent) return undefined;
  node.map(BROKER_KEYS);
  const text = (key: string) => node.child(key).optionalString();
  const integer = (key: string, min: number, max: number) => (node.child(key).isAbsent ? undefined : node.child(key).integer(min, max));
  const flag = (key: string) => (node.child(key).isAbsent ? undefined : node.child(key).boolean());

  const backendNode = node.child('backend');
  if (backendNode.isAbsent) {
    backendNode.fail('is required: the broker stack deploys to a cluster, and local state inside cdktf.out is deleted when the stack leaves stacks.yaml; use pg or s3');
  }
  const catalogFile = text('catalog_file');
  let catalogYaml: string | undefined;
  if (catalogFile !== undefined) {
    try {
      catalogYaml = readRelative(catalogFile);
    } catch (error) {
      node.child('catalog_file').fail(`cannot read ${catalogFile} (${(error as NodeJS.ErrnoException).code ?? String(error)}); the path is relative to the stacks file`);
    }
  }
  const resourcesNode = node.child('resources');
  let resources: Partial<ResourceSpec> | undefined;
  if (!resourcesNode.isAbsent) {
    resourcesNode.map(['cpu_request', 'cpu_limit', 'memory_request', 'memory_limit']);
    const cpuRequest = resourcesNode.child('cpu_request').optionalString();
    const cpuLimit = resourcesNode.child('cpu_limit').optionalString();
    const memoryRequest = resourcesNode.child('memory_request').optionalString();
    const memoryLimit = resourcesNode.child('memory_limit').optionalString();
    resources = {
      ...(cpuRequest !== undefined && { cpuRequest }),
      ...(cpuLimit !== undefined && { cpuLimit }),
      ...(memoryRequest !== undefined && { memoryRequest }),
      ...(memoryLimit !== undefined && { memoryLimit }),
    };
  }
  const extraEnvNode = node.child('extra_env');
  const extraEnv = extraEnvNode.isAbsent ? undefined : Object.fromEntries(extraEnvNode.entries().map((entry) => [entry.key, entry.string()]));
  const logLevelNode = node.child('log_level');
  const logLevel = logLevelNode.isAbsent ? undefined : logLevelNode.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const);

  const image = text('image');
  const replicas = integer('replicas', 1, 20);
  const namespace = text('namespace');
  const createNamespace = flag('create_namespace');
  const name = text('name');
  const username = text('username');
  const existingCredentialsSecret = text('existing_credentials_secret');
  const kubernetesTargetAccess = flag('kubernetes_target_access');
  const providerMirrorClaimName = text('provider_mirror_claim_name');
  const maxConcurrentApplies = integer('max_concurrent_applies', 1, 64);
  const configContext = text('config_context');
  const gateway = readGateway(node.child('gateway'));
  return {
    ...(image !== undefined && { image }),
    ...(replicas !== undefined && { replicas }),
    ...(namespace !== undefined && { namespace }),
    ...(createNamespace !== undefined && { createNamespace }),
    ...(name !== undefined && { name }),
    ...(username !== undefined && { username }),
    ...(existingCredentialsSecret !== undefined && { existingCredentialsSecret }),
    ...(catalogYaml !== undefined && { catalogYaml }),
    ...(kubernetesTargetAccess !== undefined && { kubernetesTargetAccess }),
    ...(providerMirrorClaimName !== undefined && { providerMirrorClaimName }),
    ...(maxConcurrentApplies !== undefined && { maxConcurrentApplies }),
    ...(logLevel !== undefined && { logLevel }),
    ...(resources && { resources }),
    ...(extraEnv && { extraEnv }),
    ...(configContext !== undefined && { configContext }),
    ...(gateway !== undefined && { gateway }),
    backend: readBackend(backendNode),
  };
}

function resolveEntry(entry: TeamStackEntry, source: string, catalog: Catalog): TeamStack {
  const plan = catalog.findPlanByRef(entry.plan);
  if (!plan) {
    throw new ConfigError(
      source,
      `${entry.path}.plan`,
      `no plan "${entry.plan}" in ${catalog.source}; name a plan by stack name (e.g. ${catalog.plans[0]?.stackName ?? 'geth-lighthouse-validator-sandbox-hoodi'}), plan id or service/plan (\`ovsb plans\` lists them)`,
    );
  }
  if (plan.target !== 'sandbox' && (entry.backend === undefined || (entry.backend.kind === 'local' && entry.backend.path === undefined))) {
    // cdktf deletes a stack's directory in cdktf.out when the stack leaves the app: local state kept there would go with it.
    throw new ConfigError(
      source,
      `${entry.path}.backend`,
      `is required for a ${plan.target} stack: state inside cdktf.out is deleted when the stack leaves stacks.yaml; use { kind: pg, schema_name: ... } or { kind: s3, ... }, or { kind: local, path: ... } outside cdktf.out`,
    );
  }
  const validation = catalog.validateParameters(plan, entry.parameters, 'create');
  if (!validation.ok) {
    const [first] = validation.errors;
    throw new ConfigError(
      source,
      first?.field ? `${entry.path}.parameters.${first.field}` : `${entry.path}.parameters`,
      `${validation.errors.map((e) => e.message).join('; ')} (plan ${plan.stackName})`,
    );
  }
  if (entry.brokerUrl !== undefined) {
    // The broker checks the parameters again (and its policies); checking here fails synth early.
    return {
      name: entry.name,
      kind: 'through-broker',
      plan,
      props: {
        brokerUrl: entry.brokerUrl,
        service: plan.serviceName,
        plan: plan.name,
        instanceId: entry.instanceName,
        parameters: entry.parameters,
        ...(entry.binding !== undefined && { binding: entry.binding }),
        ...(entry.backend ? { backend: entry.backend } : {}),
      },
    };
  }
  try {
    const resolved = resolveStackProps(catalog, plan, validation.parameters as Parameters<typeof resolveStackProps>[2], {
      instanceName: entry.instanceName,
      ...(entry.backend ? { backend: entry.backend } : {}),
    });
    return { name: entry.name, plan, ...resolved };
  } catch (error) {
    // Rules that need the catalog's defaults (relays) are raised as OSB errors for the broker's callers.
    if (error instanceof OsbError) throw new ConfigError(source, `${entry.path}.parameters`, `${error.description} (plan ${plan.stackName})`);
    throw error;
  }
}

/** The line of `stacks[3].parameters.fee_recipient` in the document, or of its nearest existing parent. */
function lineOf(document: Document, lineCounter: LineCounter, path: string): number | undefined {
  const keys = path.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
  for (let length = keys.length; length > 0; length--) {
    const node = document.getIn(keys.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

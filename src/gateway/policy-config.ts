/**
 * catalog.yaml's `gateway:` section: additions to and overrides of the gateway's built-in tables
 * (./policy.ts), and per-plan limits. Format in docs/catalog.md ("The RPC gateway").
 */
import type { YamlNode } from '../catalog/yaml-reader';
import {
  BEACON_METHODS,
  DEFAULT_BEACON_ROUTES,
  DEFAULT_LIMITS,
  DEFAULT_METHODS,
  DEFAULT_SUBSCRIPTIONS,
  DENY,
  isAction,
  isNeverExposed,
  type BeaconRoute,
  type GatewayLimits,
  type GatewayPolicy,
  type PlanLimits,
} from './policy';

export interface GatewayConfig {
  readonly policy: GatewayPolicy;
  readonly defaultLimits: GatewayLimits;
  /** First match wins. */
  readonly planLimits: readonly PlanLimits[];
}

export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = {
  policy: { methods: DEFAULT_METHODS, subscriptions: DEFAULT_SUBSCRIPTIONS, beacon: DEFAULT_BEACON_ROUTES },
  defaultLimits: DEFAULT_LIMITS,
  planLimits: [],
};

const LIMIT_KEYS: Readonly<Record<string, { field: keyof GatewayLimits; max: number }>> = {
  requests_per_second: { field: 'requestsPerSecond', max: 1_000_000 },
  burst: { field: 'burst', max: 1_000_000 },
  concurrency: { field: 'concurrency', max: 100_000 },
  websockets: { field: 'websockets', max: 100_000 },
};

const METHOD_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const PATH = /^(\/([a-zA-Z0-9_.-]+|\*|\*\*))+$/;
const PLAN_PATTERN = /^[a-z0-9*-]+$/;

export function parseGatewaySection(node: YamlNode): GatewayConfig {
  if (node.isAbsent) return DEFAULT_GATEWAY_CONFIG;
  node.map(['methods', 'subscriptions', 'beacon', 'limits']);
  const limits = parseLimits(node.child('limits'));
  return {
    policy: {
      methods: parseActionTable(node.child('methods'), DEFAULT_METHODS, 'method', (key, entry) => {
        if (!METHOD_NAME.test(key)) entry.fail(`"${key}" is not a JSON-RPC method name (letters, digits and _, e.g. eth_getProof)`);
        if (isNeverExposed(key)) {
          entry.fail(`${key} is never exposed by the gateway (it controls the node or uses the node's keys); remove it`);
        }
      }),
      subscriptions: parseActionTable(node.child('subscriptions'), DEFAULT_SUBSCRIPTIONS, 'subscription', (key, entry) => {
        if (!METHOD_NAME.test(key)) entry.fail(`"${key}" is not an eth_subscribe subscription type (e.g. newHeads)`);
      }),
      beacon: [...parseBeaconRoutes(node.child('beacon')), ...DEFAULT_BEACON_ROUTES],
    },
    ...limits,
  };
}

function action(node: YamlNode, what: string): string {
  const value = node.string();
  if (value !== DENY && !isAction(value)) {
    node.fail(`"${value}" is not a scope action (dotted names of letters, digits, _ or -, e.g. read.basic) or "${DENY}" for a ${what} not offered`);
  }
  return value;
}

function parseActionTable(
  node: YamlNode,
  defaults: Readonly<Record<string, string>>,
  what: string,
  checkKey: (key: string, entry: YamlNode) => void,
): Readonly<Record<string, string>> {
  if (node.isAbsent) return defaults;
  const table: Record<string, string> = { ...defaults };
  for (const entry of node.entries()) {
    checkKey(entry.key, entry);
    table[entry.key] = action(entry, what);
  }
  return table;
}

function parseBeaconRoutes(node: YamlNode): BeaconRoute[] {
  if (node.isAbsent) return [];
  return node.items().map((item) => {
    item.map(['method', 'path', 'action']);
    const method = item.child('method').oneOf(BEACON_METHODS);
    const pathNode = item.child('path');
    const path = pathNode.string();
    if (!PATH.test(path) || path.split('/').slice(0, -1).includes('**')) {
      pathNode.fail(`"${path}" is not a route: "/"-separated names, "*" for one segment and a final "**" for the rest, e.g. /eth/v1/beacon/headers/*`);
    }
    return { method, path, action: action(item.child('action'), 'route') };
  });
}

function parseLimitFields(node: YamlNode, extraKeys: readonly string[]): Partial<GatewayLimits> {
  node.map([...extraKeys, ...Object.keys(LIMIT_KEYS)]);
  const out: Partial<Record<keyof GatewayLimits, number>> = {};
  for (const [key, { field, max }] of Object.entries(LIMIT_KEYS)) {
    const child = node.child(key);
    if (!child.isAbsent) out[field] = child.integer(1, max);
  }
  return out;
}

function parseLimits(node: YamlNode): Pick<GatewayConfig, 'defaultLimits' | 'planLimits'> {
  if (node.isAbsent) return { defaultLimits: DEFAULT_LIMITS, planLimits: [] };
  node.map(['default', 'plans']);
  const defaultNode = node.child('default');
  const defaultLimits = defaultNode.isAbsent ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...parseLimitFields(defaultNode, []) };
  const plansNode = node.child('plans');
  const planLimits = plansNode.isAbsent
    ? []
    : plansNode.items().map((item): PlanLimits => {
        const limits = parseLimitFields(item, ['plan']);
        const planNode = item.child('plan');
        const plan = planNode.string();
        if (!PLAN_PATTERN.test(plan)) planNode.fail(`"${plan}" is not a plan stack name or pattern (e.g. geth-lighthouse-rpc-kubernetes-mainnet, *-sandbox-*)`);
        if (Object.keys(limits).length === 0) item.fail(`sets no limit; give at least one of ${Object.keys(LIMIT_KEYS).join(', ')}`);
        return { plan, limits };
      });
  return { defaultLimits, planLimits };
}

/**
 * What the RPC gateway lets a binding token do, as data: which scope action each JSON-RPC method, each
 * `eth_subscribe` subscription and each beacon API route needs, what is never exposed, and the per-token
 * limits of each plan. The built-in tables below are the defaults; catalog.yaml's `gateway:` section
 * adds to and overrides them (src/gateway/policy-config.ts parses it), the broker serves the result on
 * `GET /gateway/policy`, and the gateway enforces it.
 *
 * A call on instance X needing action A is allowed when the token's scopes cover
 * `pool:validator.<X>:<A>` (src/scopes: isSuperset), X escaped into one scope segment as bindings do.
 */
import { InvalidScopeError, isSuperset, isValidScope, ScopeComplexityError } from '../scopes';
import { scopeContextOf } from '../scopes/instance-context';

/** Marks a method, subscription or route that is not offered (it removes a built-in entry in catalog.yaml). */
export const DENY = 'deny';

/** Chain reads every binding gets by default (`pool:validator.<id>:read.basic`). */
export const READ_BASIC = 'read.basic';

/**
 * JSON-RPC namespaces that control or expose the node itself (peers, keys, the consensus client's Engine
 * API, tracing that can pin the node's CPU); never exposed, and catalog.yaml cannot map them.
 */
export const NEVER_PREFIXES: readonly string[] = ['admin_', 'debug_', 'engine_', 'personal_', 'miner_'];

/** Methods that use keys held by the node, or list them: never exposed either. */
export const NEVER_METHODS: readonly string[] = ['eth_sendTransaction', 'eth_sign', 'eth_signTransaction', 'eth_signTypedData', 'eth_signTypedData_v3', 'eth_signTypedData_v4', 'eth_accounts'];

const READS = [
  'web3_clientVersion',
  'web3_sha3',
  'net_version',
  'net_listening',
  'net_peerCount',
  'eth_chainId',
  'eth_syncing',
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_feeHistory',
  'eth_blobBaseFee',
  'eth_getBalance',
  'eth_getCode',
  'eth_getStorageAt',
  'eth_getTransactionCount',
  'eth_getProof',
  'eth_call',
  'eth_estimateGas',
  'eth_createAccessList',
  'eth_getBlockByNumber',
  'eth_getBlockByHash',
  'eth_getBlockReceipts',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getUncleCountByBlockHash',
  'eth_getUncleCountByBlockNumber',
  'eth_getUncleByBlockHashAndIndex',
  'eth_getUncleByBlockNumberAndIndex',
  'eth_getTransactionByHash',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getTransactionReceipt',
  'eth_getLogs',
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
  'eth_subscribe',
  'eth_unsubscribe',
];

/** Built-in JSON-RPC method -> action. Methods not listed are not offered. */
export const DEFAULT_METHODS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(READS.map((method) => [method, READ_BASIC])),
  eth_newPendingTransactionFilter: 'read.mempool',
  eth_sendRawTransaction: 'write.tx',
};

/** Built-in `eth_subscribe` subscription type -> action (checked besides eth_subscribe's own action). */
export const DEFAULT_SUBSCRIPTIONS: Readonly<Record<string, string>> = {
  newHeads: READ_BASIC,
  logs: READ_BASIC,
  syncing: READ_BASIC,
  newPendingTransactions: 'read.mempool',
};

export const BEACON_METHODS = ['GET', 'POST'] as const;
export type BeaconMethod = (typeof BEACON_METHODS)[number];

/** A beacon API route: `path` segments are names, `*` (one segment) or a final `**` (one or more). */
export interface BeaconRoute {
  readonly method: BeaconMethod;
  readonly path: string;
  /** A scope action, or DENY. */
  readonly action: string;
}

/**
 * Built-in beacon routes, first match wins (catalog.yaml's come before them). Reads are GETs, writes
 * (publishing blocks, attestations, exits) POSTs, except the two POST forms of reads the spec defines for
 * long id lists. Debug state dumps and the node's identity and peers (its addresses) are not offered.
 */
export const DEFAULT_BEACON_ROUTES: readonly BeaconRoute[] = [
  { method: 'GET', path: '/eth/*/debug/**', action: DENY },
  { method: 'GET', path: '/eth/v1/node/identity', action: DENY },
  { method: 'GET', path: '/eth/v1/node/peers', action: DENY },
  { method: 'GET', path: '/eth/v1/node/peers/**', action: DENY },
  { method: 'POST', path: '/eth/v1/beacon/states/*/validators', action: READ_BASIC },
  { method: 'POST', path: '/eth/v1/beacon/states/*/validator_balances', action: READ_BASIC },
  { method: 'GET', path: '/eth/**', action: READ_BASIC },
  { method: 'POST', path: '/eth/**', action: 'write.beacon' },
];

/** Per-token limits at the gateway. */
export interface GatewayLimits {
  /** Sustained JSON-RPC calls (each call of a batch counts) and beacon requests per second. */
  readonly requestsPerSecond: number;
  /** Calls allowed at once above the sustained rate (the token bucket's size). */
  readonly burst: number;
  /** HTTP requests in flight at once. */
  readonly concurrency: number;
  /** Open WebSocket connections. */
  readonly websockets: number;
}

export const DEFAULT_LIMITS: GatewayLimits = { requestsPerSecond: 50, burst: 100, concurrency: 16, websockets: 4 };

/** Limits for plans whose stack name matches `plan` (`*` matches any run of characters). */
export interface PlanLimits {
  readonly plan: string;
  readonly limits: Partial<GatewayLimits>;
}

/** The whole policy, as the broker serves it on GET /gateway/policy. */
export interface GatewayPolicy {
  readonly methods: Readonly<Record<string, string>>;
  readonly subscriptions: Readonly<Record<string, string>>;
  /** In match order. */
  readonly beacon: readonly BeaconRoute[];
}

export const DEFAULT_POLICY: GatewayPolicy = { methods: DEFAULT_METHODS, subscriptions: DEFAULT_SUBSCRIPTIONS, beacon: DEFAULT_BEACON_ROUTES };

export const isNeverExposed = (method: string): boolean => NEVER_METHODS.includes(method) || NEVER_PREFIXES.some((prefix) => method.startsWith(prefix));

/** An action is a scope's third domain: dotted names (`read.basic`), no wildcards. */
export const isAction = (action: string): boolean => /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/.test(action) && isValidScope(`pool:x:${action}`);

/** The limits of a plan: the first matching entry over the defaults. */
export function limitsFor(stackName: string, defaults: GatewayLimits, plans: readonly PlanLimits[]): GatewayLimits {
  const match = plans.find((entry) => globMatches(entry.plan, stackName));
  return match === undefined ? defaults : { ...defaults, ...match.limits };
}

const globMatches = (pattern: string, text: string): boolean =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(text);

/** Why a call or request is refused; also the `reason` label of the denial metric. */
export type DenialReason =
  | 'never_exposed'
  | 'not_offered'
  | 'scope'
  | 'invalid_request'
  | 'rate_limited'
  | 'concurrency'
  | 'unauthenticated'
  | 'invalid_token'
  | 'auth_failures'
  | 'too_large'
  /** The instance is unknown to the broker, or does not serve. */
  | 'unknown_instance'
  /** The node failed or timed out, or the gateway has no policy yet. */
  | 'unavailable';

export type Decision = { readonly allowed: true; readonly action: string } | { readonly allowed: false; readonly reason: DenialReason; readonly action?: string; readonly message: string };

/** The scope a call on an instance needs for an action. */
export const requiredScope = (instanceId: string, action: string): string => `pool:validator.${scopeContextOf(instanceId)}:${action}`;

const MAX_DECISIONS = 10_000;

/**
 * Decides calls against a policy. Scope checks go through the scope algebra, which is exact but not free
 * (automata per question), so answers are memoised per (token scopes, required scope).
 */
export class PolicyEngine {
  private readonly decisions = new Map<string, boolean>();
  private readonly routes: readonly { readonly route: BeaconRoute; readonly segments: readonly string[] }[];

  constructor(readonly policy: GatewayPolicy) {
    this.routes = policy.beacon.map((route) => ({ route, segments: route.path.split('/').filter((s) => s !== '') }));
  }

  /** The action a JSON-RPC call needs, or why it is not offered. */
  methodAction(method: string, params: unknown): Decision {
    if (isNeverExposed(method)) return { allowed: false, reason: 'never_exposed', message: `the method ${method} is never exposed by this gateway` };
    const action = this.policy.methods[method];
    if (action === undefined || action === DENY) return { allowed: false, reason: 'not_offered', message: `the method ${method} is not offered by this gateway` };
    if (method === 'eth_subscribe') {
      const kind = Array.isArray(params) ? params[0] : undefined;
      const subscription = typeof kind === 'string' ? this.policy.subscriptions[kind] : undefined;
      if (subscription === undefined || subscription === DENY) {
        return { allowed: false, reason: 'not_offered', message: `the subscription ${typeof kind === 'string' ? kind : String(kind)} is not offered by this gateway` };
      }
      // Both must be granted; the subscription's is the one that differs between kinds.
      return { allowed: true, action: subscription === action ? action : `${action}+${subscription}` };
    }
    return { allowed: true, action };
  }

  /** The action a beacon request needs (HEAD counts as GET), or why it is not offered. */
  beaconAction(method: string, path: string): Decision {
    const verb = method === 'HEAD' ? 'GET' : method;
    const segments = path.split('/').filter((s) => s !== '');
    for (const { route, segments: pattern } of this.routes) {
      if (route.method !== verb || !pathMatches(pattern, segments)) continue;
      if (route.action === DENY) return { allowed: false, reason: 'not_offered', message: `${verb} ${path} is not offered by this gateway` };
      return { allowed: true, action: route.action };
    }
    return { allowed: false, reason: 'not_offered', message: `${verb} ${path} is not offered by this gateway` };
  }

  /** Whether scopes (space-separated, as introspection gives them) grant every part of `action` on the instance. */
  permits(scope: string, instanceId: string, action: string): boolean {
    return action.split('+').every((part) => this.grants(scope, requiredScope(instanceId, part)));
  }

  private grants(scope: string, required: string): boolean {
    const key = `${scope}\n${required}`;
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    let granted: boolean;
    try {
      granted = isSuperset(scope.split(' ').filter((s) => s !== ''), required);
    } catch (error) {
      // A token's scopes were checked when granted; anything the algebra cannot decide is refused.
      if (!(error instanceof ScopeComplexityError) && !(error instanceof InvalidScopeError)) throw error;
      granted = false;
    }
    if (this.decisions.size >= MAX_DECISIONS) this.decisions.clear();
    this.decisions.set(key, granted);
    return granted;
  }
}

function pathMatches(pattern: readonly string[], segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part === '**') return segments.length > i;
    if (i >= segments.length) return false;
    if (part !== '*' && part !== segments[i]) return false;
  }
  return pattern.length === segments.length;
}

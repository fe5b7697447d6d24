import type { DenialReason, PolicyEngine } from './policy';

/**
 * JSON-RPC 2.0 as the gateway sees it: a body is one call or a batch; each call is decided on its own, and
 * a denied call is answered with an error in its place while the others go to the node. Calls sent on are
 * renumbered (the gateway's ids), so answers are matched whatever ids, duplicates or nulls the client used.
 */

/** Error codes: JSON-RPC 2.0's own, EIP-1474's "limit exceeded", and -32001 for a scope that does not allow the call. */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internal: -32603,
  notAllowed: -32001,
  limitExceeded: -32005,
} as const;

export type RpcId = string | number | null;

export interface RpcCall {
  /** Absent for notifications (no answer expected). */
  readonly id?: RpcId;
  readonly method: string;
  readonly params?: unknown;
}

export type ParsedEntry = { readonly ok: true; readonly call: RpcCall } | { readonly ok: false; readonly id: RpcId; readonly message: string };

export type ParsedBody =
  | { readonly kind: 'single'; readonly entry: ParsedEntry }
  | { readonly kind: 'batch'; readonly entries: readonly ParsedEntry[] }
  | { readonly kind: 'invalid'; readonly code: number; readonly message: string };

export interface RpcErrorObject {
  readonly jsonrpc: '2.0';
  readonly id: RpcId;
  readonly error: { readonly code: number; readonly message: string };
}

export const rpcError = (id: RpcId, code: number, message: string): RpcErrorObject => ({ jsonrpc: '2.0', id, error: { code, message } });

const isId = (value: unknown): value is RpcId => value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

function parseEntry(value: unknown): ParsedEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, id: null, message: 'a call must be a JSON object' };
  const record = value as Record<string, unknown>;
  const id = 'id' in record ? record['id'] : undefined;
  if (id !== undefined && !isId(id)) return { ok: false, id: null, message: 'id must be a string, a number or null' };
  if (record['jsonrpc'] !== '2.0') return { ok: false, id: id ?? null, message: 'jsonrpc must be "2.0"' };
  if (typeof record['method'] !== 'string') return { ok: false, id: id ?? null, message: 'method must be a string' };
  return { ok: true, call: { ...(id !== undefined && { id }), method: record['method'], ...('params' in record && { params: record['params'] }) } };
}

export function parseBody(text: string, maxBatch: number): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', code: RPC_ERRORS.parse, message: 'the body is not JSON' };
  }
  if (!Array.isArray(value)) return { kind: 'single', entry: parseEntry(value) };
  if (value.length === 0) return { kind: 'invalid', code: RPC_ERRORS.invalidRequest, message: 'an empty batch' };
  if (value.length > maxBatch) {
    return { kind: 'invalid', code: RPC_ERRORS.invalidRequest, message: `a batch of ${value.length} calls; this gateway takes at most ${maxBatch} per batch, send several` };
  }
  return { kind: 'batch', entries: value.map(parseEntry) };
}

/** What to send upstream for a set of calls, and how to put the answers back. */
export interface Forwarding {
  /** Serialized single call or batch, with the gateway's ids. */
  readonly body: string;
  /** gateway id -> the client's call */
  readonly calls: ReadonlyMap<number, RpcCall>;
}

export function forwardingOf(calls: readonly RpcCall[], firstId: number, asBatch: boolean): Forwarding {
  const map = new Map<number, RpcCall>();
  const wire = calls.map((call, i) => {
    map.set(firstId + i, call);
    return { jsonrpc: '2.0', id: firstId + i, method: call.method, ...(call.params !== undefined && { params: call.params }) };
  });
  return { body: JSON.stringify(asBatch ? wire : wire[0]), calls: map };
}

/** The node's answer to one call, with the client's id back in place; undefined for notifications. */
export function restoreId(answer: unknown, calls: ReadonlyMap<number, RpcCall>): { readonly gatewayId: number; readonly value: unknown } | undefined {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return undefined;
  const gatewayId = (answer as { id?: unknown }).id;
  if (typeof gatewayId !== 'number') return undefined;
  const call = calls.get(gatewayId);
  if (call === undefined) return undefined;
  return { gatewayId, value: { ...(answer as object), id: call.id ?? null } };
}

/** Keeps only the JSON-RPC fields of an answer (a node may add its own). */
export function cleanAnswer(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return {
    jsonrpc: '2.0',
    id: record['id'] ?? null,
    ...('result' in record ? { result: record['result'] } : {}),
    ...('error' in record ? { error: record['error'] } : {}),
  };
}

/** A call after the policy and the token's scope were applied. */
export interface Decided {
  /** Absent for a malformed entry. */
  readonly call?: RpcCall;
  readonly id: RpcId;
  /** The scope action the call needs, when known. */
  readonly action?: string;
  /** Set when denied: answered in place. */
  readonly error?: { readonly code: number; readonly message: string; readonly reason: DenialReason };
}

/** Each entry decided on its own: malformed, never exposed, not offered, outside the token's scope, or allowed. */
export function decideCalls(policy: PolicyEngine, scope: string, instanceId: string, entries: readonly ParsedEntry[]): Decided[] {
  return entries.map((entry): Decided => {
    if (!entry.ok) return { id: entry.id, error: { code: RPC_ERRORS.invalidRequest, message: entry.message, reason: 'invalid_request' } };
    const { call } = entry;
    const id = call.id ?? null;
    const decision = policy.methodAction(call.method, call.params);
    if (!decision.allowed) return { call, id, error: { code: RPC_ERRORS.methodNotFound, message: decision.message, reason: decision.reason } };
    if (!policy.permits(scope, instanceId, decision.action)) {
      const needs = decision.action.replace('+', ' and ');
      return { call, id, action: decision.action, error: { code: RPC_ERRORS.notAllowed, message: `the token's scope does not allow ${call.method} on this instance (it needs the action ${needs})`, reason: 'scope' } };
    }
    return { call, id, action: decision.action };
  });
}

/**
 * What every gateway request goes through before anything reaches a node, for HTTP and WebSocket alike:
 *
 *   route (/i/<instance>/rpc | /ws | /beacon/...) -> token (Bearer header, or ?access_token=) ->
 *   failed-check limit per client address -> introspection (cached) -> [per call: policy + scope] ->
 *   per-token rate limit -> instance upstreams (cached) -> the node
 *
 * Denials carry an HTTP status, a reason (metric label) and a message that names what to do, never
 * anything about the node.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log';
import type { InstanceInfo, TokenInfo } from './broker-client';
import type { InstanceCache, TokenCache } from './caches';
import type { ConcurrencyLimiter, RateLimiter } from './limits';
import type { GatewayMetrics } from './metrics';
import type { DenialReason, PolicyEngine } from './policy';
import type { GatewaySettings } from './settings';
import type { Upstream } from './upstream';

export interface GatewayContext {
  readonly settings: GatewaySettings;
  readonly tokens: TokenCache;
  readonly instances: InstanceCache;
  /** Undefined until the broker's policy was fetched once. */
  readonly policy: () => PolicyEngine | undefined;
  readonly rates: RateLimiter;
  readonly authFailures: RateLimiter;
  readonly inflight: ConcurrencyLimiter;
  readonly websockets: ConcurrencyLimiter;
  readonly metrics: GatewayMetrics;
  readonly upstream: Upstream;
  readonly logger: Logger;
}

export type Route =
  | { readonly kind: 'rpc' | 'ws'; readonly instanceId: string }
  | { readonly kind: 'beacon'; readonly instanceId: string; readonly path: string; readonly query: string }
  | { readonly kind: 'live' | 'ready' };

export class Denial extends Error {
  constructor(
    readonly status: number,
    readonly reason: DenialReason,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The route of a request path, or undefined (404). */
export function routeOf(url: string): Route | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (path === '/live') return { kind: 'live' };
  if (path === '/ready') return { kind: 'ready' };
  const match = /^\/i\/([^/]+)\/(rpc|ws|beacon)(\/.*)?$/.exec(path);
  if (match === null) return undefined;
  let instanceId: string;
  try {
    instanceId = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  const kind = match[2] as 'rpc' | 'ws' | 'beacon';
  if (kind === 'beacon') return { kind, instanceId, path: match[3] ?? '/', query: withoutAccessToken(query) };
  return match[3] === undefined || match[3] === '/' ? { kind, instanceId } : undefined;
}

/** The query without `access_token` (never sent on to a node). */
function withoutAccessToken(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((part) => part !== '' && !part.startsWith('access_token=') && part !== 'access_token')
    .join('&');
}

/** The path as logged: no query string (it may hold access_token). */
export const loggedPath = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/** `Authorization: Bearer <token>`, else RFC 6750's `access_token` query parameter. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match === null ? undefined : match[1];
  }
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    if (part.startsWith('access_token=')) {
      try {
        const token = decodeURIComponent(part.slice('access_token='.length).replace(/\+/g, ' '));
        return token === '' ? undefined : token;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function clientAddress(req: IncomingMessage, header: string | undefined): string {
  if (header !== undefined) {
    const value = req.headers[header];
    const text = Array.isArray(value) ? value.at(-1) : value;
    const last = text?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ovsb-gateway"' };

export type LiveToken = TokenInfo & { active: true };

/** The live token presented with the request, or a Denial (401, or 429 once an address failed too often). */
export async function authenticate(ctx: GatewayContext, req: IncomingMessage): Promise<LiveToken & { readonly token: string; readonly address: string }> {
  const token = presentedToken(req);
  if (token === undefined) {
    throw new Denial(401, 'unauthenticated', 'a binding token is required: send Authorization: Bearer <token> (or ?access_token=<token> for clients that cannot set headers)', BEARER_CHALLENGE);
  }
  const address = clientAddress(req, ctx.settings.clientIpHeader);
  return { ...(await checkToken(ctx, token, address)), token, address };
}

/** Whether a token is live (through the cache); failures count against the client's address. */
export async function checkToken(ctx: GatewayContext, token: string, address: string): Promise<LiveToken> {
  const perSecond = ctx.settings.authFailuresPerMinute / 60;
  const burst = ctx.settings.authFailuresPerMinute;
  if (!ctx.authFailures.has(address, perSecond, burst)) {
    throw new Denial(429, 'auth_failures', 'too many failed token checks from this address; wait before trying again', { 'Retry-After': String(Math.ceil(60 / ctx.settings.authFailuresPerMinute)) });
  }
  const { value, hit } = await ctx.tokens.lookup(token);
  ctx.metrics.tokenLookup(hit);
  if (!value.active) {
    ctx.authFailures.take(address, 1, perSecond, burst);
    throw new Denial(401, 'invalid_token', 'the token is not valid (unknown, revoked, or its instance no longer serves); bind again for a new one', {
      'WWW-Authenticate': 'Bearer realm="ovsb-gateway", error="invalid_token"',
    });
  }
  return value;
}

/** The instance's upstreams and limits; 404 when the broker does not know it as serving. */
export async function instanceOf(ctx: GatewayContext, instanceId: string): Promise<InstanceInfo> {
  const instance = await ctx.instances.lookup(instanceId);
  if (instance === undefined) throw new Denial(404, 'unknown_instance', `instance ${instanceId} does not exist or does not serve`);
  return instance;
}

/** Takes `cost` calls from the binding's bucket, or a 429 Denial. */
export function takeRate(ctx: GatewayContext, token: TokenInfo & { active: true }, instance: InstanceInfo, cost: number): void {
  const { requestsPerSecond, burst } = instance.limits;
  if (ctx.rates.take(token.bindingId, cost, requestsPerSecond, burst)) return;
  const retry = cost > burst ? undefined : ctx.rates.retryAfterSec(token.bindingId, cost, requestsPerSecond);
  throw new Denial(
    429,
    'rate_limited',
    cost > burst
      ? `${cost} calls at once exceed this token's burst of ${burst}; send smaller batches`
      : `this token's rate limit (${requestsPerSecond} calls/s, bursts of ${burst}) is exceeded; retry after ${retry} s`,
    retry === undefined ? {} : { 'Retry-After': String(retry) },
  );
}

/** A slot among the binding's in-flight requests (release it when the answer is sent), or a 429 Denial. */
export function takeSlot(ctx: GatewayContext, token: TokenInfo & { active: true }, instance: InstanceInfo): () => void {
  const release = ctx.inflight.acquire(token.bindingId, instance.limits.concurrency);
  if (release === undefined) {
    throw new Denial(429, 'concurrency', `this token already has ${instance.limits.concurrency} requests in flight; wait for answers before sending more`, { 'Retry-After': '1' });
  }
  return release;
}

export function requirePolicy(ctx: GatewayContext): PolicyEngine {
  const policy = ctx.policy();
  if (policy === undefined) throw new Denial(503, 'unavailable', 'the gateway has not loaded its policy from the broker yet; retry shortly', { 'Retry-After': '1' });
  return policy;
}

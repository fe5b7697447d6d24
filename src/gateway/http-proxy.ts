/**
 * The gateway's HTTP side: execution JSON-RPC (`POST /i/<instance>/rpc`), the beacon API
 * (`/i/<instance>/beacon/<beacon path>`), and /live, /ready. Each request passes the gate (./gate.ts);
 * JSON-RPC calls are decided one by one, the allowed ones go to the node as one request, and the answer is
 * put together in the client's order with denied calls answered by an error in place.
 *
 * Nothing of the node's HTTP answer reaches the client but its JSON-RPC answers (only their JSON-RPC fields)
 * or, for the beacon API, the body and a few API headers of a non-5xx answer; a node that fails, times out or
 * answers something else is reported as "the node could not answer", never with its own words.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, Denial, instanceOf, loggedPath, requirePolicy, routeOf, takeRate, takeSlot, type GatewayContext, type Route } from './gate';
import { cleanAnswer, decideCalls, forwardingOf, parseBody, restoreId, rpcError, RPC_ERRORS } from './jsonrpc';
import { UNKNOWN_INSTANCE } from './metrics';
import { readBody, UpstreamError } from './upstream';

/** Largest node answer read into memory (eth_getLogs can be large). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/** Beacon API answer headers passed on (consensus fork and block value metadata). */
const BEACON_HEADERS = ['content-type', 'eth-consensus-version', 'eth-execution-payload-blinded', 'eth-execution-payload-value', 'eth-consensus-block-value'];

interface Outcome {
  instance: string;
  binding?: string;
  calls: number;
  denied: number;
}

function send(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** The request body, refused past `limit` bytes. */
function requestBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

const tooLarge = (limit: number) => new Denial(413, 'too_large', `the body is larger than this gateway's limit of ${limit} bytes`, { Connection: 'close' });

export function httpHandler(ctx: GatewayContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const route = routeOf(req.url ?? '/');
    const outcome: Outcome = { instance: UNKNOWN_INSTANCE, calls: 0, denied: 0 };
    const done = (status: number) =>
      ctx.logger.info(
        { method: req.method, path: loggedPath(req.url ?? '/'), status, ms: Math.round((performance.now() - started) * 100) / 100, ...outcome },
        'gateway request',
      );
    handle(ctx, route, req, res, outcome).then(
      () => done(res.statusCode),
      (error: unknown) => {
        if (error instanceof Denial) {
          ctx.metrics.denied(outcome.instance, 'none', error.reason);
          const body = route?.kind === 'beacon' ? { code: error.status, message: error.message } : rpcError(null, error.status === 429 ? RPC_ERRORS.limitExceeded : RPC_ERRORS.invalidRequest, error.message);
          send(res, error.status, JSON.stringify(body), error.headers);
          done(error.status);
          return;
        }
        ctx.logger.error({ err: error, path: loggedPath(req.url ?? '/') }, 'gateway bug');
        send(res, 500, JSON.stringify(rpcError(null, RPC_ERRORS.internal, 'internal gateway error')));
        done(500);
      },
    );
  };
}

async function handle(ctx: GatewayContext, route: Route | undefined, req: IncomingMessage, res: ServerResponse, outcome: Outcome): Promise<void> {
  if (route === undefined) throw new Denial(404, 'not_offered', 'no such route: use /i/<instance id>/rpc, /i/<instance id>/ws or /i/<instance id>/beacon/...');
  switch (route.kind) {
    case 'live':
      return send(res, 200, '{"status":"ok"}');
    case 'ready':
      return ctx.policy() === undefined ? send(res, 503, '{"status":"waiting for the broker"}') : send(res, 200, '{"status":"ready"}');
    case 'ws':
      throw new Denial(426, 'invalid_request', 'this is the WebSocket endpoint: open a WebSocket, or POST JSON-RPC to /i/<instance id>/rpc', { Upgrade: 'websocket' });
    case 'rpc':
      if (req.method !== 'POST') throw new Denial(405, 'invalid_request', 'send JSON-RPC with POST', { Allow: 'POST' });
      return proxyRpc(ctx, route.instanceId, req, res, outcome);
    case 'beacon':
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') throw new Denial(405, 'invalid_request', 'the beacon API takes GET and POST', { Allow: 'GET, HEAD, POST' });
      return proxyBeacon(ctx, route, req, res, outcome);
  }
}

async function proxyRpc(ctx: GatewayContext, instanceId: string, req: IncomingMessage, res: ServerResponse, outcome: Outcome): Promise<void> {
  const token = await authenticate(ctx, req);
  outcome.binding = token.bindingId;
  const policy = requirePolicy(ctx);
  const text = await requestBody(req, ctx.settings.maxBodyBytes);
  const parsed = parseBody(text, ctx.settings.maxBatch);
  if (parsed.kind === 'invalid') throw new Denial(400, 'invalid_request', parsed.message);
  const entries = parsed.kind === 'single' ? [parsed.entry] : parsed.entries;
  // Labelled by instance only for its own tokens: other paths cannot grow the label set.
  if (token.instanceId === instanceId) outcome.instance = instanceId;
  const decided = decideCalls(policy, token.scope, instanceId, entries);
  outcome.calls = decided.length;
  const allowed = decided.filter((d) => d.error === undefined);
  outcome.denied = decided.length - allowed.length;
  for (const d of decided) if (d.error !== undefined) ctx.metrics.denied(outcome.instance, d.action ?? 'none', d.error.reason);

  const answers = new Map<number, unknown>();
  if (allowed.length > 0) {
    const instance = await instanceOf(ctx, instanceId);
    const upstreamUrl = instance.upstreams.execution_http_url;
    if (upstreamUrl === undefined) throw new Denial(404, 'not_offered', `instance ${instanceId} has no execution JSON-RPC endpoint`);
    takeRate(ctx, token, instance, allowed.length);
    const release = takeSlot(ctx, token, instance);
    const actionClass = parsed.kind === 'batch' && new Set(allowed.map((d) => d.action)).size > 1 ? 'batch' : allowed[0]!.action!;
    try {
      const forwarding = forwardingOf(allowed.map((d) => d.call!), 1, parsed.kind === 'batch');
      const sent = performance.now();
      const result = await callNode(ctx, upstreamUrl, forwarding.body);
      ctx.metrics.upstreamSeconds(instance.instanceId, actionClass, 'http', (performance.now() - sent) / 1000);
      ctx.metrics.forwarded(instance.instanceId, actionClass, 'http', allowed.length);
      for (const answer of Array.isArray(result) ? result : result === undefined ? [] : [result]) {
        const restored = restoreId(answer, forwarding.calls);
        if (restored !== undefined) answers.set(restored.gatewayId, cleanAnswer(restored.value));
      }
    } finally {
      release();
    }
  }

  let gatewayId = 0;
  const out: unknown[] = [];
  for (const d of decided) {
    const notification = d.call !== undefined && d.call.id === undefined;
    if (d.error !== undefined) {
      if (!notification) out.push(rpcError(d.id, d.error.code, d.error.message));
      continue;
    }
    gatewayId += 1;
    if (notification) continue;
    out.push(answers.get(gatewayId) ?? rpcError(d.id, RPC_ERRORS.internal, 'the node could not answer this call'));
  }
  if (out.length === 0) {
    res.writeHead(204).end();
    return;
  }
  send(res, 200, JSON.stringify(parsed.kind === 'single' ? out[0] : out));
}

/** The node's parsed JSON-RPC answer; undefined when it failed (every call then gets a generic error). */
async function callNode(ctx: GatewayContext, url: string, body: string): Promise<unknown> {
  try {
    const response = await ctx.upstream.request({ method: 'POST', url, headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body });
    const bytes = await readBody(response, MAX_ANSWER_BYTES);
    if (response.statusCode !== 200) return undefined;
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    if (error instanceof UpstreamError || error instanceof SyntaxError) {
      ctx.logger.warn({ upstreamError: error.message }, 'node did not answer');
      if (error instanceof UpstreamError && error.kind === 'timeout') throw new Denial(504, 'unavailable', 'the node did not answer in time');
      return undefined;
    }
    throw error;
  }
}

async function proxyBeacon(ctx: GatewayContext, route: Route & { kind: 'beacon' }, req: IncomingMessage, res: ServerResponse, outcome: Outcome): Promise<void> {
  const token = await authenticate(ctx, req);
  outcome.binding = token.bindingId;
  outcome.calls = 1;
  const policy = requirePolicy(ctx);
  const decision = policy.beaconAction(req.method!, route.path);
  if (!decision.allowed) throw new Denial(404, decision.reason, decision.message);
  if (!policy.permits(token.scope, route.instanceId, decision.action)) {
    throw new Denial(403, 'scope', `the token's scope does not allow ${req.method} ${route.path} on this instance (it needs the action ${decision.action})`);
  }
  const instance = await instanceOf(ctx, route.instanceId);
  outcome.instance = instance.instanceId;
  const base = instance.upstreams.beacon_api_url;
  if (base === undefined) throw new Denial(404, 'not_offered', `instance ${route.instanceId} has no beacon API endpoint`);
  const body = req.method === 'POST' ? await requestBody(req, ctx.settings.maxBodyBytes) : undefined;
  takeRate(ctx, token, instance, 1);
  const release = takeSlot(ctx, token, instance);
  res.once('close', release);
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'content-type', 'eth-consensus-version']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const sent = performance.now();
  let response: IncomingMessage;
  try {
    response = await ctx.upstream.request({
      method: req.method!,
      url: `${base.replace(/\/+$/, '')}${route.path}${route.query === '' ? '' : `?${route.query}`}`,
      headers,
      ...(body !== undefined && { body }),
    });
  } catch (error) {
    release();
    if (!(error instanceof UpstreamError)) throw error;
    ctx.logger.warn({ upstreamError: error.message }, 'beacon node did not answer');
    throw new Denial(error.kind === 'timeout' ? 504 : 502, 'unavailable', error.kind === 'timeout' ? 'the beacon node did not answer in time' : 'the beacon node could not answer');
  }
  ctx.metrics.upstreamSeconds(instance.instanceId, decision.action, 'beacon', (performance.now() - sent) / 1000);
  ctx.metrics.forwarded(instance.instanceId, decision.action, 'beacon');
  const status = response.statusCode ?? 502;
  if (status >= 500) {
    response.resume();
    throw new Denial(502, 'unavailable', 'the beacon node could not answer');
  }
  const passed: Record<string, string> = { 'Cache-Control': 'no-store' };
  for (const name of BEACON_HEADERS) {
    const value = response.headers[name];
    if (typeof value === 'string') passed[name] = value;
  }
  res.writeHead(status, passed);
  res.once('close', () => response.destroy());
  response.pipe(res);
}

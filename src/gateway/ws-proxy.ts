/**
 * The gateway's WebSocket side (`/i/<instance>/ws`): the token is checked at the upgrade (header or
 * ?access_token=), a connection to the node's WebSocket is opened, and then every message is decided call by
 * call as over HTTP, `eth_subscribe` included (the subscription type needs its own action). Calls sent on
 * carry the gateway's ids, so answers find their way back into the client's batch or call; subscription
 * notifications pass as they come.
 *
 * Revocation: the token is looked up again (through the cache) on every message and every
 * OVSB_GATEWAY_TOKEN_CACHE_SEC, so a revoked token's connection closes (1008) within the same bound as HTTP.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { authenticate, checkToken, Denial, instanceOf, loggedPath, requirePolicy, routeOf, takeRate, type GatewayContext, type LiveToken } from './gate';
import { cleanAnswer, decideCalls, forwardingOf, parseBody, restoreId, rpcError, RPC_ERRORS, type Decided, type RpcCall } from './jsonrpc';
import { UNKNOWN_INSTANCE } from './metrics';

/** Calls awaiting the node's answer on one connection. */
const MAX_PENDING = 1_000;
const POLICY_VIOLATION = 1008;

interface BatchState {
  readonly slots: unknown[];
  remaining: number;
}

interface Pending {
  readonly call: RpcCall;
  readonly batch?: BatchState;
  readonly slot: number;
}

function reject(socket: Duplex, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  const body = JSON.stringify(rpcError(null, status === 429 ? RPC_ERRORS.limitExceeded : RPC_ERRORS.invalidRequest, message));
  const lines = [`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function upgradeHandler(ctx: GatewayContext): { handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => void; close: () => void } {
  const server = new WebSocketServer({ noServer: true, maxPayload: ctx.settings.maxBodyBytes, perMessageDeflate: false });
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = routeOf(req.url ?? '/');
    socket.on('error', () => socket.destroy());
    if (route?.kind !== 'ws') {
      reject(socket, 404, 'WebSockets are served on /i/<instance id>/ws');
      return;
    }
    let instanceLabel = UNKNOWN_INSTANCE;
    open(ctx, route.instanceId, req)
      .then(({ token, upstream, release }) => {
        instanceLabel = route.instanceId;
        server.handleUpgrade(req, socket, head, (client) => {
          ctx.logger.info({ path: loggedPath(req.url ?? '/'), instance: route.instanceId, binding: token.bindingId, status: 101 }, 'gateway websocket opened');
          bridge(ctx, route.instanceId, token, client, upstream, release);
        });
      })
      .catch((error: unknown) => {
        if (error instanceof Denial) {
          ctx.metrics.denied(instanceLabel, 'none', error.reason);
          ctx.logger.info({ path: loggedPath(req.url ?? '/'), status: error.status, reason: error.reason }, 'gateway websocket refused');
          reject(socket, error.status, error.message, error.headers);
          return;
        }
        ctx.logger.error({ err: error }, 'gateway bug');
        reject(socket, 500, 'internal gateway error');
      });
  };
  const close = (): void => {
    // Upgraded sockets left the HTTP server: closing it does not end them.
    for (const client of server.clients) client.close(1001, 'gateway stopping');
    server.close();
  };
  return { handle, close };
}

type Presented = LiveToken & { readonly token: string; readonly address: string };

async function open(ctx: GatewayContext, instanceId: string, req: IncomingMessage): Promise<{ token: Presented; upstream: WebSocket; release: () => void }> {
  const token = await authenticate(ctx, req);
  requirePolicy(ctx);
  const instance = await instanceOf(ctx, instanceId);
  const url = instance.upstreams.execution_ws_url;
  if (url === undefined) throw new Denial(404, 'not_offered', `instance ${instanceId} has no execution WebSocket endpoint`);
  const release = ctx.websockets.acquire(token.bindingId, instance.limits.websockets);
  if (release === undefined) throw new Denial(429, 'concurrency', `this token already has ${instance.limits.websockets} WebSocket connections open; close one first`);
  try {
    const upstream = await new Promise<WebSocket>((resolve, fail) => {
      const ws = new WebSocket(url, { handshakeTimeout: ctx.settings.upstreamTimeoutMs, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
      ws.once('open', () => resolve(ws));
      ws.once('error', (error) => fail(error));
    });
    return { token, upstream, release };
  } catch (error) {
    release();
    ctx.logger.warn({ upstreamError: (error as Error).message }, 'node WebSocket did not open');
    throw new Denial(502, 'unavailable', 'the node could not be reached');
  }
}

function bridge(ctx: GatewayContext, instanceId: string, token: Presented, client: WebSocket, upstream: WebSocket, release: () => void): void {
  ctx.metrics.websocketOpened(instanceId);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    clearInterval(recheck);
    release();
    ctx.metrics.websocketClosed(instanceId);
    ctx.logger.info({ instance: instanceId, binding: token.bindingId, code, reason }, 'gateway websocket closed');
    if (client.readyState === WebSocket.OPEN) client.close(code, reason);
    else client.terminate();
    upstream.terminate();
  };

  /** Still live? Through the cache, so at most one broker call per cache period. */
  const stillLive = async (): Promise<boolean> => {
    try {
      await checkToken(ctx, token.token, token.address);
      return true;
    } catch (error) {
      if (error instanceof Denial) return false;
      throw error;
    }
  };
  const recheck = setInterval(() => {
    stillLive().then(
      (live) => {
        if (!live) close(POLICY_VIOLATION, 'token revoked');
      },
      () => undefined,
    );
  }, Math.max(ctx.settings.tokenCacheMs, 1000));

  const sendClient = (value: unknown): void => {
    if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(value));
  };

  client.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      sendClient(rpcError(null, RPC_ERRORS.invalidRequest, 'send JSON-RPC as text messages'));
      return;
    }
    void onClientMessage(data.toString()).catch((error: unknown) => {
      ctx.logger.error({ err: error }, 'gateway bug');
      close(1011, 'internal gateway error');
    });
  });

  const onClientMessage = async (text: string): Promise<void> => {
    if (!(await stillLive())) {
      close(POLICY_VIOLATION, 'token revoked');
      return;
    }
    const policy = ctx.policy()!;
    const parsed = parseBody(text, ctx.settings.maxBatch);
    if (parsed.kind === 'invalid') {
      ctx.metrics.denied(instanceId, 'none', 'invalid_request');
      sendClient(rpcError(null, parsed.code, parsed.message));
      return;
    }
    const decided: Decided[] = decideCalls(policy, token.scope, instanceId, parsed.kind === 'single' ? [parsed.entry] : parsed.entries);
    let allowed = decided.filter((d) => d.error === undefined);
    let limitError: Decided['error'];
    if (allowed.length > 0) {
      try {
        const instance = await instanceOf(ctx, instanceId);
        if (pending.size + allowed.length > MAX_PENDING) throw new Denial(429, 'concurrency', `more than ${MAX_PENDING} calls are awaiting answers on this connection`);
        takeRate(ctx, token, instance, allowed.length);
      } catch (error) {
        if (!(error instanceof Denial)) throw error;
        limitError = { code: RPC_ERRORS.limitExceeded, message: error.message, reason: error.reason };
        allowed = [];
      }
    }
    const answers = decided.map((d): Decided => (d.error === undefined && limitError !== undefined ? { ...d, error: limitError } : d));
    for (const d of answers) if (d.error !== undefined) ctx.metrics.denied(instanceId, d.action ?? 'none', d.error.reason);

    const isBatch = parsed.kind === 'batch';
    // Denied calls are answered in place, except notifications (no id: no answer, as JSON-RPC says).
    const isNotification = (d: Decided): boolean => d.call !== undefined && d.call.id === undefined;
    const slots: unknown[] = answers.map((d) => (d.error !== undefined && !isNotification(d) ? rpcError(d.id, d.error.code, d.error.message) : undefined));
    const expected = allowed.filter((d) => d.call!.id !== undefined).length;
    const batch: BatchState | undefined = isBatch ? { slots, remaining: expected } : undefined;
    if (allowed.length === 0 || expected === 0) {
      const immediate = slots.filter((slot) => slot !== undefined);
      if (immediate.length > 0) sendClient(isBatch ? immediate : immediate[0]);
    }
    if (allowed.length === 0) return;
    const forwarding = forwardingOf(allowed.map((d) => d.call!), nextId, isBatch);
    let gatewayId = nextId;
    answers.forEach((d, slot) => {
      if (d.error !== undefined) return;
      pending.set(gatewayId, { call: d.call!, slot, ...(batch !== undefined && { batch }) });
      gatewayId += 1;
    });
    nextId = gatewayId;
    const actionClass = new Set(allowed.map((d) => d.action)).size > 1 ? 'batch' : allowed[0]!.action!;
    ctx.metrics.forwarded(instanceId, actionClass, 'ws', allowed.length);
    upstream.send(forwarding.body);
  };

  const onAnswer = (answer: unknown): void => {
    const gatewayId = (answer as { id?: unknown } | null)?.id;
    const entry = typeof gatewayId === 'number' ? pending.get(gatewayId) : undefined;
    if (entry === undefined) return;
    pending.delete(gatewayId as number);
    if (entry.call.id === undefined) return;
    const value = cleanAnswer(restoreId(answer, new Map([[gatewayId as number, entry.call]]))!.value);
    if (entry.batch === undefined) {
      sendClient(value);
      return;
    }
    entry.batch.slots[entry.slot] = value;
    entry.batch.remaining -= 1;
    if (entry.batch.remaining === 0) sendClient(entry.batch.slots.filter((slot) => slot !== undefined));
  };

  upstream.on('message', (data: RawData) => {
    const text = data.toString();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(value)) {
      for (const answer of value) onAnswer(answer);
      return;
    }
    if (value !== null && typeof value === 'object' && (value as { method?: unknown }).method === 'eth_subscription') {
      if (client.readyState === WebSocket.OPEN) client.send(text);
      return;
    }
    onAnswer(value);
  });

  client.on('close', () => close(1000, 'client closed'));
  client.on('error', () => close(1011, 'client error'));
  upstream.on('close', () => close(1011, 'the node closed the connection'));
  upstream.on('error', () => close(1011, 'the node connection failed'));
}

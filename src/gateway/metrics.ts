/**
 * Prometheus metrics of the gateway, on their own registry (served on OVSB_GATEWAY_METRICS_PORT):
 *   ovsb_gateway_requests_total{instance,class,transport}    calls and requests let through
 *   ovsb_gateway_denials_total{instance,class,reason}          refused, by reason (./policy.ts DenialReason)
 *   ovsb_gateway_upstream_seconds{instance,class,transport}    node latency (histogram)
 *   ovsb_gateway_token_lookups_total{result}                   token cache hit / miss
 *   ovsb_gateway_websockets{instance}                          open WebSocket connections
 * `class` is the scope action a call needs (read.basic, write.tx, ...) or `none`; `instance` is `-` until a
 * token is accepted, so unauthenticated traffic cannot grow the label set.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DenialReason } from './policy';

export type Transport = 'http' | 'ws' | 'beacon';

export const UNKNOWN_INSTANCE = '-';

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'ovsb_gateway_requests_total', help: 'JSON-RPC calls and beacon requests forwarded to a node', labelNames: ['instance', 'class', 'transport'], registers: [this.registry] });
  private readonly denials = new Counter({ name: 'ovsb_gateway_denials_total', help: 'calls and requests refused, by reason', labelNames: ['instance', 'class', 'reason'], registers: [this.registry] });
  private readonly upstream = new Histogram({
    name: 'ovsb_gateway_upstream_seconds',
    help: 'time from forwarding to the node answer',
    labelNames: ['instance', 'class', 'transport'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly lookups = new Counter({ name: 'ovsb_gateway_token_lookups_total', help: 'token checks answered from the cache (hit) or by the broker (miss)', labelNames: ['result'], registers: [this.registry] });
  private readonly sockets = new Gauge({ name: 'ovsb_gateway_websockets', help: 'open client WebSocket connections', labelNames: ['instance'], registers: [this.registry] });

  forwarded(instance: string, actionClass: string, transport: Transport, count = 1): void {
    this.requests.inc({ instance, class: actionClass, transport }, count);
  }

  denied(instance: string, actionClass: string, reason: DenialReason): void {
    this.denials.inc({ instance, class: actionClass, reason });
  }

  upstreamSeconds(instance: string, actionClass: string, transport: Transport, seconds: number): void {
    this.upstream.observe({ instance, class: actionClass, transport }, seconds);
  }

  tokenLookup(hit: boolean): void {
    this.lookups.inc({ result: hit ? 'hit' : 'miss' });
  }

  websocketOpened(instance: string): void {
    this.sockets.inc({ instance });
  }

  websocketClosed(instance: string): void {
    this.sockets.dec({ instance });
  }
}

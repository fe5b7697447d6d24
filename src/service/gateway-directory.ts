/**
 * What the RPC gateway (`ovsb gateway`) learns from the broker, behind the introspection credentials:
 * the policy (catalog.yaml `gateway:` over the built-in tables) and, per instance, its direct node URLs
 * (terraform outputs, the operator's view) and the per-token limits of its plan. Binding credentials carry
 * the gateway's URLs instead when OVSB_GATEWAY_URL is set (./credentials.ts).
 */
import type { Catalog } from '../catalog/catalog';
import { limitsFor, type GatewayLimits, type GatewayPolicy } from '../gateway/policy';
import type { Instance } from '../operations/types';
import type { Storage } from '../storage/types';

/** The node URLs the gateway proxies to, by the terraform output names. */
export const UPSTREAM_OUTPUTS = ['execution_http_url', 'execution_ws_url', 'beacon_api_url'] as const;
export type UpstreamOutput = (typeof UPSTREAM_OUTPUTS)[number];
export type Upstreams = Partial<Record<UpstreamOutput, string>>;

export interface GatewayInstance {
  readonly instanceId: string;
  readonly planId: string;
  readonly upstreams: Upstreams;
  readonly limits: GatewayLimits;
}

/** Instance states whose nodes serve (as for introspection). */
const SERVING: ReadonlySet<Instance['state']> = new Set(['provisioned', 'updating']);

export class GatewayDirectory {
  constructor(private readonly deps: { readonly storage: Pick<Storage, 'getInstance'>; readonly catalog: Catalog }) {}

  policy(): GatewayPolicy {
    return this.deps.catalog.config.gateway.policy;
  }

  /** Undefined unless the instance exists and serves. */
  async instance(instanceId: string): Promise<GatewayInstance | undefined> {
    const instance = await this.deps.storage.getInstance(instanceId);
    if (instance === undefined || !SERVING.has(instance.state)) return undefined;
    const upstreams: Upstreams = {};
    for (const name of UPSTREAM_OUTPUTS) {
      const value = instance.outputs[name];
      if (typeof value === 'string') upstreams[name] = value;
    }
    const { defaultLimits, planLimits } = this.deps.catalog.config.gateway;
    const plan = this.deps.catalog.findPlanById(instance.planId);
    return {
      instanceId: instance.id,
      planId: instance.planId,
      upstreams,
      limits: plan === undefined ? defaultLimits : limitsFor(plan.stackName, defaultLimits, planLimits),
    };
  }
}

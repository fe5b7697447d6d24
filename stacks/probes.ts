/**
 * The operator's probe settings (seed spec: liveness / readiness parameters) laid over each component's
 * own probe: timings and thresholds from the settings, the endpoint (port, path) from the client unless
 * the settings name a path. Kubernetes runs liveness with successThreshold 1 whatever is asked: the
 * catalog's schema description of liveness.success_threshold says so, and that is the only notice (the
 * mapping's `adjustments` are not reported); other targets take the values as given.
 */
import type { ContainerSpec, NodeTopology, ProbeSpec, Target } from '../modules/clients/types';
import type { ProbeKind } from '../src/probes/parameters';
import { toKubernetesProbe, toProbeSpec } from '../src/probes/targets';
import type { ProbeSettings } from './props';

export interface ProbeOverrides {
  /** @default each client's own liveness probe */
  readonly liveness?: ProbeSettings;
  /** @default each client's own readiness probe */
  readonly readiness?: ProbeSettings;
}

function overridden(kind: ProbeKind, own: ProbeSpec | undefined, settings: ProbeSettings | undefined, target: Target): ProbeSpec | undefined {
  if (own === undefined || settings === undefined) return own;
  const endpoint = { type: own.type, port: own.port, ...(own.path !== undefined && { path: own.path }) };
  return target === 'kubernetes' ? toKubernetesProbe(kind, settings, endpoint).probe : toProbeSpec(kind, settings, endpoint);
}

export function withProbeSettings<T extends Pick<NodeTopology, 'containers'>>(topology: T, overrides: ProbeOverrides, target: Target): T {
  if (overrides.liveness === undefined && overrides.readiness === undefined) return topology;
  const containers = topology.containers.map((container): ContainerSpec => {
    const liveness = overridden('liveness', container.liveness, overrides.liveness, target);
    const readiness = overridden('readiness', container.readiness, overrides.readiness, target);
    return { ...container, ...(liveness !== undefined && { liveness }), ...(readiness !== undefined && { readiness }) };
  });
  return { ...topology, containers };
}

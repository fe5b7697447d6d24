/**
 * ProbeSettings -> what each target can run. Where a target cannot honour a value, the mapping runs the
 * nearest value the target accepts and lists the change in `adjustments` for its caller. The broker does
 * not report these per request: the catalog states each such rule in the parameter's schema description
 * (kubernetesLivenessNote), which is where a platform user reads it before provisioning.
 */
import type { ProbeSpec } from '../../modules/clients/types';
import type { ProbeSettings } from '../../stacks/props';
import type { ProbeKind } from './parameters';

/** A value the target could not take as given. */
export interface ProbeAdjustment {
  /** OSB parameter path, e.g. `liveness.success_threshold`. */
  readonly field: string;
  readonly requested: number;
  readonly applied: number;
  readonly reason: string;
}

/** Where the component answers health checks (its own probe's target). */
export interface ProbeEndpoint {
  readonly type: 'http' | 'tcp';
  readonly port: number;
  /** The component's health path; required for `http`. */
  readonly path?: string;
}

export const KUBERNETES_LIVENESS_SUCCESS_THRESHOLD = 1;

/** Text for the catalog's liveness `success_threshold` description on Kubernetes plans. */
export const kubernetesLivenessNote =
  "On this plan's Kubernetes target the liveness probe always runs with successThreshold 1, whatever this says: Kubernetes requires 1 for a liveness probe (one passing check ends a failure streak). The readiness probe and the other targets take their success_threshold as given.";

export interface KubernetesProbeMapping {
  readonly probe: ProbeSpec;
  readonly adjustments: readonly ProbeAdjustment[];
  /**
   * Readiness only: app_start_timeout_sec, the bound on a rollout becoming ready. Kubernetes probes have
   * no such field; it belongs on the workload's create/update timeouts (wait for rollout).
   */
  readonly rolloutTimeoutSeconds?: number;
}

function target(settings: ProbeSettings, endpoint: ProbeEndpoint): Pick<ProbeSpec, 'type' | 'port' | 'path'> {
  // A requested path means an HTTP check on the component's port, whatever its own probe type.
  const path = settings.path ?? endpoint.path;
  if (settings.path !== undefined || endpoint.type === 'http') {
    if (path === undefined) throw new TypeError(`an http probe endpoint on port ${endpoint.port} needs a path`);
    return { type: 'http', port: endpoint.port, path };
  }
  return { type: 'tcp', port: endpoint.port };
}

/** The operator's settings on a component's own health endpoint, as any target reads them. */
export function toProbeSpec(kind: ProbeKind, settings: ProbeSettings, endpoint: ProbeEndpoint): ProbeSpec {
  return {
    ...target(settings, endpoint),
    initialDelaySeconds: kind === 'liveness' ? (settings.initialDelaySec ?? 0) : 0,
    periodSeconds: settings.checkIntervalSec,
    timeoutSeconds: settings.timeoutSec,
    failureThreshold: settings.failureThreshold,
    successThreshold: settings.successThreshold,
  };
}

/** The Kubernetes probe for a component (modules/kubernetes reads ProbeSpec). */
export function toKubernetesProbe(kind: ProbeKind, settings: ProbeSettings, endpoint: ProbeEndpoint): KubernetesProbeMapping {
  const adjustments: ProbeAdjustment[] = [];
  let successThreshold = settings.successThreshold;
  if (kind === 'liveness' && successThreshold !== KUBERNETES_LIVENESS_SUCCESS_THRESHOLD) {
    adjustments.push({
      field: 'liveness.success_threshold',
      requested: successThreshold,
      applied: KUBERNETES_LIVENESS_SUCCESS_THRESHOLD,
      reason: 'Kubernetes rejects a liveness probe whose successThreshold is not 1',
    });
    successThreshold = KUBERNETES_LIVENESS_SUCCESS_THRESHOLD;
  }
  const probe: ProbeSpec = { ...toProbeSpec(kind, settings, endpoint), successThreshold };
  return {
    probe,
    adjustments,
    ...(kind === 'readiness' && settings.appStartTimeoutSec !== undefined && { rolloutTimeoutSeconds: settings.appStartTimeoutSec }),
  };
}

export interface DockerHealthCheck {
  /** `docker run` flags, one per element (`--health-interval=30s`); quote them when building a shell line. */
  readonly flags: readonly string[];
  readonly adjustments: readonly ProbeAdjustment[];
}

/**
 * Docker health-check flags for a container on the AWS target. Docker keeps one check per container and
 * only reports status (it restarts nothing), which is the readiness meaning; the start period is the
 * start-up grace of the kind: initial_delay_sec for liveness, app_start_timeout_sec for readiness.
 * `command` runs inside the container (docker's CMD-SHELL), so it must use a tool the image has.
 */
export function toDockerHealthCheck(kind: ProbeKind, settings: ProbeSettings, command: string): DockerHealthCheck {
  if (command.trim() === '') throw new TypeError('a docker health check needs a command to run inside the container');
  const adjustments: ProbeAdjustment[] = [];
  if (settings.successThreshold !== 1) {
    adjustments.push({
      field: `${kind}.success_threshold`,
      requested: settings.successThreshold,
      applied: 1,
      reason: 'docker reports a container healthy after one passing check and has no success threshold',
    });
  }
  const startPeriod = kind === 'liveness' ? settings.initialDelaySec : settings.appStartTimeoutSec;
  return {
    flags: [
      `--health-cmd=${command}`,
      `--health-interval=${settings.checkIntervalSec}s`,
      `--health-timeout=${settings.timeoutSec}s`,
      `--health-retries=${settings.failureThreshold}`,
      `--health-start-period=${startPeriod ?? 0}s`,
    ],
    adjustments,
  };
}

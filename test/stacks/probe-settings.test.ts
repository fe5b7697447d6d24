/**
 * The seed's probe parameters reach the synthesised Terraform on every target: Kubernetes probes (with
 * liveness successThreshold 1) and rollout waiting, the AWS host's prober settings, the sandbox's records.
 */
import { describe, expect, it } from 'vitest';
import type { Target } from '../../modules/clients/types';
import { synthesizeNodeStack } from '../../src/synth';
import type { ProbeSettings } from '../../stacks/props';
import { nodeProps } from './props';

const LIVENESS: ProbeSettings = { timeoutSec: 7, checkIntervalSec: 20, failureThreshold: 4, successThreshold: 2, initialDelaySec: 90 };
const READINESS: ProbeSettings = { timeoutSec: 3, checkIntervalSec: 11, failureThreshold: 5, successThreshold: 2, appStartTimeoutSec: 600 };

type Json = Record<string, any>;
const synth = (target: Target, probes: { liveness?: ProbeSettings; readiness?: ProbeSettings }): Json =>
  synthesizeNodeStack('probes', nodeProps({ execution: 'geth', consensus: 'teku', role: 'validator', target, network: 'hoodi' }, probes)) as Json;

describe('GIVEN liveness and readiness settings WHEN a kubernetes stack is synthesised', () => {
  const statefulSets = Object.values(synth('kubernetes', { liveness: LIVENESS, readiness: READINESS }).resource.kubernetes_stateful_set_v1) as Json[];

  it('THEN every container runs the liveness timings, with successThreshold 1 as Kubernetes requires', () => {
    expect(statefulSets).toHaveLength(4);
    for (const set of statefulSets) {
      for (const container of set.spec.template.spec.container as Json[]) {
        expect(container.liveness_probe).toMatchObject({ initial_delay_seconds: 90, period_seconds: 20, timeout_seconds: 7, failure_threshold: 4, success_threshold: 1 });
      }
    }
  });

  it('THEN readiness takes the values as given and the endpoints stay the clients\' own', () => {
    const beacon = statefulSets.find((s) => s.metadata.name.endsWith('-beacon'))!;
    const container = beacon.spec.template.spec.container[0] as Json;
    expect(container.readiness_probe).toMatchObject({ period_seconds: 11, timeout_seconds: 3, failure_threshold: 5, success_threshold: 2 });
    expect(container.readiness_probe.http_get.path).toMatch(/^\/eth\/v1\/node\//);
  });

  it('THEN apply waits app_start_timeout_sec for each rollout', () => {
    for (const set of statefulSets) {
      expect(set.wait_for_rollout).toBe(true);
      expect(set.timeouts).toEqual({ create: '600s', update: '600s' });
    }
  });

  it('GIVEN a path THEN the probe calls it over HTTP on the component port', () => {
    const sets = Object.values(synth('kubernetes', { liveness: { ...LIVENESS, path: '/liveness_check' } }).resource.kubernetes_stateful_set_v1) as Json[];
    const execution = sets.find((s) => s.metadata.name.endsWith('-execution'))!.spec.template.spec.container[0] as Json;
    expect(execution.liveness_probe.http_get).toEqual({ path: '/liveness_check', port: '8545' });
  });
});

describe('GIVEN no probe settings WHEN a kubernetes stack is synthesised', () => {
  it('THEN each client keeps its own probes and apply does not wait for a rollout', () => {
    const sets = Object.values(synth('kubernetes', {}).resource.kubernetes_stateful_set_v1) as Json[];
    for (const set of sets) {
      expect(set.wait_for_rollout).toBe(false);
      expect(set.timeouts).toBeUndefined();
    }
    const beacon = sets.find((s) => s.metadata.name.endsWith('-beacon'))!.spec.template.spec.container[0] as Json;
    expect(beacon.liveness_probe.period_seconds).not.toBe(20);
  });
});

describe('GIVEN liveness settings WHEN an aws stack is synthesised', () => {
  it("THEN the host's prober runs every container with them, success threshold as given", () => {
    // The rendered cloud-init sits in a local (the instance takes it gzipped).
    const locals = synth('aws', { liveness: LIVENESS }).locals as Json;
    const userData = Object.entries(locals).find(([name]) => name.includes('user_data'))![1] as string;
    for (const container of ['execution', 'beacon', 'validator', 'mev-boost']) {
      const env = new RegExp(`/etc/ovsb/probes/[a-z-]*${container}\\.env <<'OVSB_EOF'\\n([^]*?)\\nOVSB_EOF`).exec(userData);
      expect(env, container).not.toBeNull();
      expect(env![1]).toContain('PROBE_TIMEOUT_SECONDS=7');
      expect(env![1]).toContain('PROBE_FAILURE_THRESHOLD=4');
      expect(env![1]).toContain('PROBE_SUCCESS_THRESHOLD=2');
      expect(env![1]).toContain('PROBE_INITIAL_DELAY_SECONDS=90');
    }
    expect(userData).toMatch(/OnUnitActiveSec=20\n/);
  });
});

describe('GIVEN readiness settings WHEN an aws stack is synthesised', () => {
  it("THEN the host's readiness prober runs every container with them, app_start_timeout_sec as its start deadline", () => {
    const locals = synth('aws', { readiness: READINESS }).locals as Json;
    const userData = Object.entries(locals).find(([name]) => name.includes('user_data'))![1] as string;
    const withReadiness = ['execution', 'beacon', 'validator', 'mev-boost'].filter((container) => userData.includes(`ovsb-ready-${container}.timer`));
    expect(withReadiness).toEqual(expect.arrayContaining(['execution', 'beacon']));
    for (const container of withReadiness) {
      const env = new RegExp(`/etc/ovsb/probes/${container}\\.readiness\\.env <<'OVSB_EOF'\\n([^]*?)\\nOVSB_EOF`).exec(userData);
      expect(env, container).not.toBeNull();
      expect(env![1]).toContain('PROBE_TIMEOUT_SECONDS=3');
      expect(env![1]).toContain('PROBE_FAILURE_THRESHOLD=5');
      expect(env![1]).toContain('PROBE_SUCCESS_THRESHOLD=2');
      expect(env![1]).toContain('PROBE_START_TIMEOUT_SECONDS=600');
    }
    expect(userData).toMatch(/OnUnitActiveSec=11\n/);
  });
});

describe('GIVEN probe settings WHEN a sandbox stack is synthesised', () => {
  it('THEN each component record carries the effective probes', () => {
    const data = synth('sandbox', { liveness: LIVENESS, readiness: READINESS }).resource.terraform_data as Json;
    const execution = Object.entries(data).find(([id]) => id.startsWith('node_execution'))![1] as Json;
    expect(execution.input.liveness).toMatchObject({ period_seconds: 20, timeout_seconds: 7, failure_threshold: 4, success_threshold: 2, initial_delay_seconds: 90 });
    expect(execution.input.readiness).toMatchObject({ period_seconds: 11, timeout_seconds: 3, failure_threshold: 5, success_threshold: 2 });
  });
});

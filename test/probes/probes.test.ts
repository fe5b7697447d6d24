import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { OsbError } from '../../src/errors';
import {
  PROBE_FIELDS,
  kubernetesLivenessNote,
  probeParametersSchema,
  toDockerHealthCheck,
  toKubernetesProbe,
  toProbeSettings,
  validateProbeParameters,
  type ProbeKind,
  type ProbeNumberField,
} from '../../src/probes';

describe('seed defaults', () => {
  it('fills every liveness default', () => {
    expect(toProbeSettings('liveness', {})).toEqual({
      timeoutSec: 4,
      checkIntervalSec: 30,
      failureThreshold: 4,
      successThreshold: 2,
      initialDelaySec: 300,
    });
  });

  it('fills every readiness default', () => {
    expect(toProbeSettings('readiness', {})).toEqual({
      timeoutSec: 4,
      checkIntervalSec: 5,
      failureThreshold: 2,
      successThreshold: 2,
      appStartTimeoutSec: 300,
    });
  });

  it('keeps given values and the path', () => {
    expect(toProbeSettings('liveness', { path: '/liveness_check', timeout_sec: 10, check_interval_sec: 60, initial_delay_sec: 0 })).toEqual({
      path: '/liveness_check',
      timeoutSec: 10,
      checkIntervalSec: 60,
      failureThreshold: 4,
      successThreshold: 2,
      initialDelaySec: 0,
    });
  });
});

describe('ranges', () => {
  // Each field at both ends of its range passes; one past either end fails, naming field, value and range.
  const rows = (Object.entries(PROBE_FIELDS) as [ProbeKind, (typeof PROBE_FIELDS)[ProbeKind]][]).flatMap(([kind, fields]) =>
    (Object.entries(fields) as [ProbeNumberField, { minimum: number; maximum: number }][]).map(
      ([field, rule]) => [kind, field, rule.minimum, rule.maximum] as const,
    ),
  );

  it.each(rows)('%s.%s accepts %i..%i and nothing outside', (kind, field, minimum, maximum) => {
    // Keep interval > timeout whatever the field under test is set to.
    const base = field === 'timeout_sec' ? { check_interval_sec: 300 } : field === 'check_interval_sec' ? { timeout_sec: 1 } : {};
    const at = (value: number) => validateProbeParameters(kind, { ...base, [field]: value });
    expect(at(minimum + (field === 'check_interval_sec' ? 1 : 0))).toEqual([]);
    expect(at(maximum - (field === 'timeout_sec' ? 1 : 0))).toEqual([]);
    for (const bad of [minimum - 1, maximum + 1]) {
      const issues = at(bad);
      expect(issues.map((i) => i.field)).toContain(`${kind}.${field}`);
      expect(issues.find((i) => i.field === `${kind}.${field}`)!.message).toBe(
        `${kind}.${field} ${bad} is out of range: use ${minimum} to ${maximum} (default ${PROBE_FIELDS[kind][field]!.default})`,
      );
    }
  });

  it.each<[ProbeKind, Record<string, unknown>, boolean]>([
    ['liveness', { timeout_sec: 29 }, true],
    ['liveness', { timeout_sec: 30 }, false],
    ['liveness', { timeout_sec: 31 }, false],
    ['readiness', { timeout_sec: 4 }, true],
    ['readiness', { timeout_sec: 5 }, false],
    ['readiness', { check_interval_sec: 4 }, false],
    ['readiness', { timeout_sec: 1, check_interval_sec: 2 }, true],
  ])('%s %j: check interval greater than timeout is %s', (kind, params, ok) => {
    const issues = validateProbeParameters(kind, params);
    expect(issues.length === 0).toBe(ok);
    if (!ok) {
      expect(issues[0]!.field).toBe(`${kind}.check_interval_sec`);
      expect(issues[0]!.message).toMatch(/must be greater than .*timeout_sec .*raise check_interval_sec or lower timeout_sec/);
    }
  });

  it.each<[ProbeKind, unknown, string, RegExp]>([
    ['liveness', { timeout_sec: 2.5 }, 'liveness.timeout_sec', /must be a whole number of seconds, got 2\.5/],
    ['liveness', { failure_threshold: '3' }, 'liveness.failure_threshold', /must be a whole number of checks, got "3"/],
    ['liveness', { app_start_timeout_sec: 60 }, 'liveness.app_start_timeout_sec', /is not a liveness parameter; it is a readiness field/],
    ['readiness', { initial_delay_sec: 60 }, 'readiness.initial_delay_sec', /is not a readiness parameter; it is a liveness field/],
    ['readiness', { port: 8080 }, 'readiness.port', /allowed: path, timeout_sec, check_interval_sec/],
    ['readiness', { path: 'health' }, 'readiness.path', /"health" is not a URL path: start it with "\/"/],
    ['readiness', { path: '/health?x=1' }, 'readiness.path', /is not a URL path/],
    ['liveness', 'fast', 'liveness', /liveness must be an object/],
  ])('%s %j is refused at %s', (kind, params, field, message) => {
    const issues = validateProbeParameters(kind, params);
    expect(issues.map((i) => i.field)).toContain(field);
    expect(issues.find((i) => i.field === field)!.message).toMatch(message);
  });

  it('toProbeSettings refuses bad input with a 400 naming every problem', () => {
    let error: unknown;
    try {
      toProbeSettings('liveness', { timeout_sec: 0, failure_threshold: 11 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OsbError);
    expect((error as OsbError).status).toBe(400);
    expect((error as OsbError).description).toMatch(/^Invalid liveness probe: liveness\.timeout_sec 0 is out of range.*; liveness\.failure_threshold 11 is out of range/);
  });
});

describe('Kubernetes mapping', () => {
  const http = { type: 'http', port: 8545, path: '/health' } as const;

  it('maps liveness and runs successThreshold 1, listing the change for the caller', () => {
    const mapping = toKubernetesProbe('liveness', toProbeSettings('liveness', {}), http);
    expect(mapping.probe).toEqual({
      type: 'http',
      port: 8545,
      path: '/health',
      initialDelaySeconds: 300,
      periodSeconds: 30,
      timeoutSeconds: 4,
      failureThreshold: 4,
      successThreshold: 1,
    });
    expect(mapping.adjustments).toEqual([
      { field: 'liveness.success_threshold', requested: 2, applied: 1, reason: 'Kubernetes rejects a liveness probe whose successThreshold is not 1' },
    ]);
    expect(mapping.rolloutTimeoutSeconds).toBeUndefined();
  });

  it('needs no adjustment when liveness success_threshold is already 1', () => {
    expect(toKubernetesProbe('liveness', toProbeSettings('liveness', { success_threshold: 1 }), http).adjustments).toEqual([]);
  });

  it('keeps readiness successThreshold and hands app_start_timeout_sec to the rollout', () => {
    const mapping = toKubernetesProbe('readiness', toProbeSettings('readiness', { app_start_timeout_sec: 900 }), http);
    expect(mapping.probe).toMatchObject({ initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 2, successThreshold: 2 });
    expect(mapping.adjustments).toEqual([]);
    expect(mapping.rolloutTimeoutSeconds).toBe(900);
  });

  it('checks a TCP port when the component has no HTTP health endpoint, HTTP when a path is asked for', () => {
    const tcp = { type: 'tcp', port: 30303 } as const;
    expect(toKubernetesProbe('readiness', toProbeSettings('readiness', {}), tcp).probe).toMatchObject({ type: 'tcp', port: 30303 });
    expect(toKubernetesProbe('readiness', toProbeSettings('readiness', { path: '/ready' }), tcp).probe).toMatchObject({
      type: 'http',
      port: 30303,
      path: '/ready',
    });
    expect(toKubernetesProbe('readiness', toProbeSettings('readiness', { path: '/ready' }), http).probe.path).toBe('/ready');
  });
});

describe('docker health check (AWS target)', () => {
  it('maps readiness onto the --health-* flags', () => {
    const check = toDockerHealthCheck('readiness', toProbeSettings('readiness', { success_threshold: 1 }), 'curl -fsS http://127.0.0.1:5052/eth/v1/node/health');
    expect(check.flags).toEqual([
      '--health-cmd=curl -fsS http://127.0.0.1:5052/eth/v1/node/health',
      '--health-interval=5s',
      '--health-timeout=4s',
      '--health-retries=2',
      '--health-start-period=300s',
    ]);
    expect(check.adjustments).toEqual([]);
  });

  it('uses the liveness start-up grace and reports the success threshold docker cannot keep', () => {
    const check = toDockerHealthCheck('liveness', toProbeSettings('liveness', { initial_delay_sec: 0 }), 'true');
    expect(check.flags).toContain('--health-start-period=0s');
    expect(check.flags).toContain('--health-retries=4');
    expect(check.adjustments).toEqual([
      expect.objectContaining({ field: 'liveness.success_threshold', requested: 2, applied: 1 }),
    ]);
  });

  it('needs a command', () => {
    expect(() => toDockerHealthCheck('readiness', toProbeSettings('readiness', {}), ' ')).toThrow(/needs a command/);
  });
});

describe('JSON Schema fragments', () => {
  const ajv = new Ajv({ strict: true, allErrors: true });

  it.each<ProbeKind>(['liveness', 'readiness'])('%s: defaults and ranges match PROBE_FIELDS and the schema compiles under strict ajv', (kind) => {
    const schema = probeParametersSchema(kind);
    const validate = ajv.compile(schema);
    const properties = schema['properties'] as Record<string, Record<string, unknown>>;
    for (const [field, rule] of Object.entries(PROBE_FIELDS[kind])) {
      expect(properties[field]).toMatchObject({ type: 'integer', minimum: rule!.minimum, maximum: rule!.maximum, default: rule!.default });
    }
    expect(validate({ path: '/health', timeout_sec: 1 })).toBe(true);
    expect(validate({ timeout_sec: 0 })).toBe(false);
    expect(validate({ unknown: 1 })).toBe(false);
  });

  it('says in the Kubernetes liveness description what runs, and promises no report', () => {
    const description = (probeParametersSchema('liveness', 'kubernetes')['properties'] as Record<string, Record<string, unknown>>)['success_threshold']!['description'] as string;
    expect(description).toBe(
      "Consecutive passing checks before an unhealthy component counts as healthy again. On this plan's Kubernetes target the liveness probe always runs with successThreshold 1, whatever this says: Kubernetes requires 1 for a liveness probe (one passing check ends a failure streak). The readiness probe and the other targets take their success_threshold as given.",
    );
    expect(description).not.toMatch(/report/);
  });

  it('runs on Kubernetes what the description says: successThreshold 1 for any requested value', () => {
    for (const requested of [1, 2, 10]) {
      const mapping = toKubernetesProbe('liveness', toProbeSettings('liveness', { success_threshold: requested }), { type: 'tcp', port: 30303 });
      expect(mapping.probe.successThreshold).toBe(1);
    }
  });

  it('tells Kubernetes plans about the liveness success threshold in the description, and only there', () => {
    const description = (kind: ProbeKind, target?: 'kubernetes' | 'aws') =>
      ((probeParametersSchema(kind, target)['properties'] as Record<string, Record<string, unknown>>)['success_threshold']!['description'] as string);
    expect(description('liveness', 'kubernetes')).toContain(kubernetesLivenessNote);
    expect(description('liveness', 'aws')).not.toContain(kubernetesLivenessNote);
    expect(description('readiness', 'kubernetes')).not.toContain(kubernetesLivenessNote);
    expect((probeParametersSchema('liveness', 'kubernetes')['properties'] as Record<string, Record<string, unknown>>)['success_threshold']).toMatchObject({
      minimum: 1,
      maximum: 10,
      default: 2,
    });
  });
});

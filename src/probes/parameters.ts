/**
 * The seed spec's health probes (shared/reference/seed-spec-notes.md §1): OSB parameters in snake_case,
 * their defaults and ranges, validation, and resolution into `ProbeSettings` (stacks/props.ts).
 */
import type { ProbeSettings } from '../../stacks/props';
import { badRequest } from '../errors';

export type ProbeKind = 'liveness' | 'readiness';

/** A probe as a platform sends it; every field is optional and takes the seed default. */
export interface ProbeParameters {
  /** @default the component's own health path */
  readonly path?: string;
  readonly timeout_sec?: number;
  /** Must be greater than timeout_sec. */
  readonly check_interval_sec?: number;
  readonly failure_threshold?: number;
  readonly success_threshold?: number;
  /** Liveness only. */
  readonly initial_delay_sec?: number;
  /** Readiness only. */
  readonly app_start_timeout_sec?: number;
}

export type ProbeNumberField = Exclude<keyof ProbeParameters, 'path'>;

export interface ProbeFieldRule {
  readonly default: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly description: string;
}

const COMMON = {
  timeout_sec: { minimum: 1, maximum: 300, description: 'Timeout of one check, in seconds.' },
  check_interval_sec: { minimum: 1, maximum: 300, description: 'Seconds between checks; must be greater than timeout_sec.' },
  failure_threshold: { minimum: 1, maximum: 10 },
  success_threshold: { minimum: 1, maximum: 10 },
} as const;

/** The seed's defaults and ranges, per probe kind and field. */
export const PROBE_FIELDS: Readonly<Record<ProbeKind, Readonly<Partial<Record<ProbeNumberField, ProbeFieldRule>>>>> = {
  liveness: {
    timeout_sec: { ...COMMON.timeout_sec, default: 4 },
    check_interval_sec: { ...COMMON.check_interval_sec, default: 30 },
    failure_threshold: { ...COMMON.failure_threshold, default: 4, description: 'Consecutive failed checks before the component counts as unhealthy and is restarted.' },
    success_threshold: { ...COMMON.success_threshold, default: 2, description: 'Consecutive passing checks before an unhealthy component counts as healthy again.' },
    initial_delay_sec: { minimum: 0, maximum: 3600, default: 300, description: 'Start-up grace in seconds during which failed checks are ignored.' },
  },
  readiness: {
    timeout_sec: { ...COMMON.timeout_sec, default: 4 },
    check_interval_sec: { ...COMMON.check_interval_sec, default: 5 },
    failure_threshold: { ...COMMON.failure_threshold, default: 2, description: 'Consecutive failed checks before the component stops receiving traffic.' },
    success_threshold: { ...COMMON.success_threshold, default: 2, description: 'Consecutive passing checks before the component receives traffic.' },
    app_start_timeout_sec: {
      minimum: 1,
      maximum: 1800,
      default: 300,
      description: 'The most a new deployment may take to become ready, in seconds, before it counts as failed.',
    },
  },
};

/** URL path the check calls: absolute, no query, unreserved characters only. */
export const PROBE_PATH_PATTERN = '^/[A-Za-z0-9._~/-]*$';
const PROBE_PATH = new RegExp(PROBE_PATH_PATTERN);
export const PROBE_PATH_MAX_LENGTH = 256;

/** One failed rule; `field` is the OSB parameter path, e.g. `liveness.check_interval_sec`. */
export interface ProbeIssue {
  readonly field: string;
  readonly message: string;
}

const shown = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value)));

/**
 * Every rule the probe parameters break, as sentences naming the field, the value and the fix.
 * Takes `unknown` so it can check raw request bodies; an absent probe (undefined) is valid.
 */
export function validateProbeParameters(kind: ProbeKind, value: unknown): ProbeIssue[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: kind, message: `${kind} must be an object such as { "timeout_sec": 4 }, got ${shown(value)}` }];
  }
  const rules = PROBE_FIELDS[kind];
  const issues: ProbeIssue[] = [];
  const record = value as Readonly<Record<string, unknown>>;
  for (const [key, field] of Object.entries(record)) {
    const name = `${kind}.${key}`;
    if (key === 'path') {
      if (typeof field !== 'string' || !PROBE_PATH.test(field) || field.length > PROBE_PATH_MAX_LENGTH) {
        issues.push({ field: name, message: `${name} ${shown(field)} is not a URL path: start it with "/" and use only letters, digits and . _ ~ / -` });
      }
      continue;
    }
    const rule = rules[key as ProbeNumberField];
    if (!rule) {
      const other = kind === 'liveness' ? 'readiness' : 'liveness';
      const hint = PROBE_FIELDS[other][key as ProbeNumberField]
        ? `it is a ${other} field`
        : `allowed: path, ${Object.keys(rules).join(', ')}`;
      issues.push({ field: name, message: `${name} is not a ${kind} parameter; ${hint}` });
      continue;
    }
    if (typeof field !== 'number' || !Number.isInteger(field)) {
      issues.push({ field: name, message: `${name} must be a whole number of ${key.endsWith('_sec') ? 'seconds' : 'checks'}, got ${shown(field)}` });
    } else if (field < rule.minimum || field > rule.maximum) {
      issues.push({ field: name, message: `${name} ${field} is out of range: use ${rule.minimum} to ${rule.maximum} (default ${rule.default})` });
    }
  }
  const timeout = record['timeout_sec'] ?? rules.timeout_sec!.default;
  const interval = record['check_interval_sec'] ?? rules.check_interval_sec!.default;
  if (typeof timeout === 'number' && typeof interval === 'number' && interval <= timeout) {
    issues.push({
      field: `${kind}.check_interval_sec`,
      message: `${kind}.check_interval_sec (${interval}) must be greater than ${kind}.timeout_sec (${timeout}): a check must time out before the next one starts; raise check_interval_sec or lower timeout_sec`,
    });
  }
  return issues;
}

const valueOf = (kind: ProbeKind, params: ProbeParameters, field: ProbeNumberField): number =>
  params[field] ?? PROBE_FIELDS[kind][field]!.default;

/**
 * Validated parameters with the seed defaults filled in. Throws a 400 OsbError listing every broken
 * rule, so a caller that has not validated first still cannot build a probe from bad input.
 */
export function toProbeSettings(kind: ProbeKind, params: ProbeParameters): ProbeSettings {
  const issues = validateProbeParameters(kind, params);
  if (issues.length > 0) throw badRequest(`Invalid ${kind} probe: ${issues.map((issue) => issue.message).join('; ')}`);
  const common = {
    ...(params.path !== undefined && { path: params.path }),
    timeoutSec: valueOf(kind, params, 'timeout_sec'),
    checkIntervalSec: valueOf(kind, params, 'check_interval_sec'),
    failureThreshold: valueOf(kind, params, 'failure_threshold'),
    successThreshold: valueOf(kind, params, 'success_threshold'),
  };
  return kind === 'liveness'
    ? { ...common, initialDelaySec: valueOf(kind, params, 'initial_delay_sec') }
    : { ...common, appStartTimeoutSec: valueOf(kind, params, 'app_start_timeout_sec') };
}

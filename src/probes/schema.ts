/**
 * JSON Schema (draft-07) fragments of the two probe objects, for the catalog to embed under
 * `liveness` / `readiness` of a plan's parameters. Defaults and ranges come from PROBE_FIELDS, so the
 * published schema and the broker's validation cannot drift apart. The interval > timeout rule is not
 * expressible in draft-07; the descriptions state it and validateProbeParameters enforces it.
 */
import type { Target } from '../../modules/clients/types';
import { PROBE_FIELDS, PROBE_PATH_MAX_LENGTH, PROBE_PATH_PATTERN, type ProbeKind, type ProbeNumberField } from './parameters';
import { kubernetesLivenessNote } from './targets';

export type JsonSchemaFragment = Readonly<Record<string, unknown>>;

const KIND_DESCRIPTIONS: Readonly<Record<ProbeKind, string>> = {
  liveness: 'Liveness probe of every component: a component failing it is restarted.',
  readiness: 'Readiness probe of every component: a component failing it receives no traffic.',
};

/**
 * The schema of one probe object. On Kubernetes plans the liveness `success_threshold` keeps the seed
 * range (so one set of parameters is valid on every target) and its description says that Kubernetes
 * runs the liveness probe with 1 whatever it is set to; nothing else reports that.
 */
export function probeParametersSchema(kind: ProbeKind, target?: Target): JsonSchemaFragment {
  const properties: Record<string, JsonSchemaFragment> = {
    path: {
      type: 'string',
      pattern: PROBE_PATH_PATTERN,
      maxLength: PROBE_PATH_MAX_LENGTH,
      description: "URL path the check calls, e.g. /liveness_check. Default: each component's own health endpoint.",
    },
  };
  for (const [field, rule] of Object.entries(PROBE_FIELDS[kind]) as [ProbeNumberField, NonNullable<(typeof PROBE_FIELDS)[ProbeKind][ProbeNumberField]>][]) {
    const kubernetesNote = target === 'kubernetes' && kind === 'liveness' && field === 'success_threshold' ? ` ${kubernetesLivenessNote}` : '';
    properties[field] = {
      type: 'integer',
      minimum: rule.minimum,
      maximum: rule.maximum,
      default: rule.default,
      description: `${rule.description}${kubernetesNote}`,
    };
  }
  return {
    type: 'object',
    additionalProperties: false,
    description: `${KIND_DESCRIPTIONS[kind]} Omitted: each client's own probe. Given: unset fields take the seed spec's defaults.`,
    properties,
  };
}

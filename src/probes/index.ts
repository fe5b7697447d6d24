export {
  PROBE_FIELDS,
  PROBE_PATH_MAX_LENGTH,
  PROBE_PATH_PATTERN,
  toProbeSettings,
  validateProbeParameters,
  type ProbeFieldRule,
  type ProbeIssue,
  type ProbeKind,
  type ProbeNumberField,
  type ProbeParameters,
} from './parameters';
export { probeParametersSchema, type JsonSchemaFragment } from './schema';
export {
  KUBERNETES_LIVENESS_SUCCESS_THRESHOLD,
  kubernetesLivenessNote,
  toDockerHealthCheck,
  toKubernetesProbe,
  type DockerHealthCheck,
  type KubernetesProbeMapping,
  type ProbeAdjustment,
  type ProbeEndpoint,
} from './targets';

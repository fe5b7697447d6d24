/**
 * Kubernetes resource quantities (the unit of ResourceSpec) as numbers, for docker flags and
 * instance sizing on a plain host.
 */
import { ConfigError } from '../errors';

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** CPU cores from "4", "1.5" or "500m". */
export function cpuCores(quantity: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!match) {
    throw new ConfigError('resources', field, `"${quantity}" is not a CPU quantity; use cores ("4", "1.5") or millicores ("500m")`);
  }
  const value = Number(match[1]);
  return match[2] === 'm' ? value / 1000 : value;
}

/** Bytes from "16Gi", "512Mi", "2G" or a plain byte count. */
export function memoryBytes(quantity: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) {
    throw new ConfigError(
      'resources',
      field,
      `"${quantity}" is not a memory quantity; use a number with Ki, Mi, Gi, Ti (or k, M, G, T), e.g. "16Gi"`,
    );
  }
  return Math.round(Number(match[1]) * MEMORY_UNITS[match[2] ?? '']!);
}

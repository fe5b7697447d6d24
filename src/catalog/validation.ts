/**
 * Parameter validation with ajv: the plan's published JSON Schema, the two custom formats it names, and
 * the few cross-field rules a schema cannot say (probe interval > timeout, from src/probes; request <= limit).
 * Validators are compiled once per schema object and cached.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isChecksumAddress, isHexAddress } from './eip55';
import { validateProbeParameters } from '../probes/parameters';
import type { JsonSchema } from './schemas';
import type { NodeParameters, ParameterError, ResourceParameters } from './parameters';

export const GRAFFITI_MAX_BYTES = 32;

export function createAjv(): Ajv {
  // verbose: errors carry their schema, so an unknown key can be answered with the allowed ones.
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv, ['uri']);
  ajv.addFormat('eip55-address', { type: 'string', validate: isChecksumAddress });
  ajv.addFormat('graffiti', { type: 'string', validate: (text) => Buffer.byteLength(text, 'utf8') <= GRAFFITI_MAX_BYTES });
  return ajv;
}

export class SchemaValidators {
  private readonly ajv = createAjv();
  private readonly compiled = new WeakMap<JsonSchema, ValidateFunction>();

  /** Compiles (once) and returns the validator of a schema object. Throws if the schema is invalid. */
  validatorFor(schema: JsonSchema): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** Schema errors as field-named messages; empty when the value conforms. */
  check(schema: JsonSchema, value: unknown): ParameterError[] {
    const validate = this.validatorFor(schema);
    if (validate(value)) return [];
    return toParameterErrors(validate.errors ?? [], value);
  }
}

/** `/mev_boost/relays/0` -> `mev_boost.relays[0]` */
export function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** The value an ajv instancePath points at in `root`. */
export function valueAt(root: unknown, instancePath: string): unknown {
  let value = root;
  for (const part of instancePath.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const join = (parent: string, child: string) => (parent ? `${parent}.${child}` : child);

function messageFor(error: ErrorObject, root: unknown): ParameterError {
  const field = fieldOf(error.instancePath);
  const value = valueAt(root, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = join(field, String(params['missingProperty']));
      return { field: missing, message: `${missing} is required` };
    }
    case 'additionalProperties': {
      const extra = join(field, String(params['additionalProperty']));
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        field: extra,
        message: `${extra} is not a parameter of this plan${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'format':
      return { field, message: formatMessage(field, String(params['format']), value) };
    case 'not':
      return field === 'fee_recipient'
        ? { field, message: `fee_recipient ${shown(value)} is the zero address: priority fees and MEV sent there are burned; give an address you control` }
        : { field, message: `${field || 'parameters'} ${shown(value)} is not allowed here` };
    case 'pattern':
      return { field, message: `${field} ${shown(value)} ${patternHint(field)}` };
    case 'type':
      return { field: field || '(parameters)', message: `${field || 'parameters'} must be ${String(params['type'])}, got ${shown(value)}` };
    default:
      return { field, message: `${field || 'parameters'} ${error.message ?? 'is invalid'} (got ${shown(value)})` };
  }
}

function formatMessage(field: string, format: string, value: unknown): string {
  if (format === 'eip55-address') {
    if (typeof value === 'string' && isHexAddress(value)) {
      const oneCase = value.slice(2) === value.slice(2).toLowerCase() || value.slice(2) === value.slice(2).toUpperCase();
      return oneCase
        ? `${field} ${shown(value)} has no EIP-55 checksum (it is all one case): copy the mixed-case form from the wallet or a block explorer, so a typo cannot go unnoticed`
        : `${field} ${shown(value)} fails its EIP-55 checksum: the address has a typo`;
    }
    return `${field} ${shown(value)} is not an address (0x followed by 40 hex digits)`;
  }
  if (format === 'graffiti' && typeof value === 'string') {
    return `${field} is ${Buffer.byteLength(value, 'utf8')} bytes in UTF-8; at most ${GRAFFITI_MAX_BYTES} fit in a block`;
  }
  return `${field} ${shown(value)} is not a valid ${format}`;
}

function patternHint(field: string): string {
  if (/relays\[\d+\]$/.test(field)) return 'is not a relay URL: expected https://0x<96 hex digit BLS public key>@host';
  if (field.endsWith('cpu_request') || field.endsWith('cpu_limit')) return 'is not a CPU quantity such as "2" or "500m"';
  if (field.endsWith('memory_request') || field.endsWith('memory_limit')) return 'is not a memory quantity such as "512Mi" or "16Gi"';
  if (field === 'fee_recipient') return 'is not an address (0x followed by 40 hex digits)';
  if (field.endsWith('checkpoint_sync_url') || field.endsWith('web3signer_url')) return 'must start with https:// (web3signer_url: http:// or https://)';
  if (field.endsWith('kubernetes_secret')) return 'is not a Kubernetes Secret name (lowercase letters, digits, "-" and ".")';
  if (field.endsWith('aws_secret')) return 'is not an AWS Secrets Manager secret name or ARN';
  if (field.endsWith('.path')) return 'is not a URL path starting with "/"';
  return 'has the wrong form';
}

/** ajv reports a failed `oneOf` once per branch; one clear sentence serves better. */
const VALIDATOR_KEYS_MESSAGE =
  'validator_keys must be exactly one of { "kubernetes_secret": "<secret name>" } (Kubernetes and sandbox plans), { "aws_secret": "<Secrets Manager secret name or ARN>" } (AWS plans) or { "web3signer_url": "https://..." } where the plan allows it; key material itself is never accepted';

function toParameterErrors(errors: readonly ErrorObject[], root: unknown): ParameterError[] {
  const out: ParameterError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const parameterError = error.instancePath.startsWith('/validator_keys')
      ? { field: 'validator_keys', message: VALIDATOR_KEYS_MESSAGE }
      : messageFor(error, root);
    // A pattern and a format failing on one field say the same thing; keep the first.
    if (seen.has(parameterError.field)) continue;
    seen.add(parameterError.field);
    out.push(parameterError);
  }
  return out;
}

/** Cross-field rules of node parameters, on a value that already passed the schema. */
export function nodeParameterRules(params: NodeParameters): ParameterError[] {
  const errors: ParameterError[] = [
    ...validateProbeParameters('liveness', params.liveness),
    ...validateProbeParameters('readiness', params.readiness),
  ];
  for (const [component, resources] of Object.entries(params.resources ?? {}) as [string, ResourceParameters][]) {
    const cpu = [resources.cpu_request, resources.cpu_limit].map((q) => (q === undefined ? undefined : cpuCores(q)));
    if (cpu[0] !== undefined && cpu[1] !== undefined && cpu[0] > cpu[1]) {
      errors.push({
        field: `resources.${component}.cpu_request`,
        message: `resources.${component}.cpu_request (${resources.cpu_request}) exceeds cpu_limit (${resources.cpu_limit})`,
      });
    }
    const memory = [resources.memory_request, resources.memory_limit].map((q) => (q === undefined ? undefined : memoryMi(q)));
    if (memory[0] !== undefined && memory[1] !== undefined && memory[0] > memory[1]) {
      errors.push({
        field: `resources.${component}.memory_request`,
        message: `resources.${component}.memory_request (${resources.memory_request}) exceeds memory_limit (${resources.memory_limit})`,
      });
    }
  }
  return errors;
}

const cpuCores = (quantity: string): number =>
  quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);

const MEMORY_UNITS_MI: Readonly<Record<string, number>> = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
const memoryMi = (quantity: string): number => Number(quantity.slice(0, -2)) * MEMORY_UNITS_MI[quantity.slice(-2)]!;

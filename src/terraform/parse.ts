/**
 * Parsers for terraform's single-document JSON outputs: `output -json`, `show -json` and
 * `validate -json`. Each throws {@link MachineOutputError} when the document is not what terraform
 * documents, so a changed format fails loudly instead of yielding empty credentials.
 */
import { parseDiagnostic, type Diagnostic } from './events';

export interface TerraformOutput {
  readonly value: unknown;
  /** Terraform type expression, e.g. `"string"` or `["tuple", ["number", "number"]]`. */
  readonly type: unknown;
  /** Sensitive values must never be logged or shown in operation descriptions. */
  readonly sensitive: boolean;
}

export type TerraformOutputs = Readonly<Record<string, TerraformOutput>>;

export interface StateResource {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
}

/** What `show -json` of the current state says, minus every attribute and output value. */
export interface StateSummary {
  /** Absent when there is no state at all. */
  readonly terraformVersion?: string;
  readonly resources: readonly StateResource[];
  readonly outputs: Readonly<Record<string, { readonly sensitive: boolean }>>;
}

export interface ValidationResult {
  readonly valid: boolean;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly diagnostics: readonly Diagnostic[];
}

export class MachineOutputError extends Error {
  override readonly name = 'MachineOutputError';
}

type JsonObject = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseDocument(text: string, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Neither the text nor JSON.parse's message (which quotes the text) may appear: it can hold secrets.
    throw new MachineOutputError(`${what} did not print a JSON document (${text.length} characters)`);
  }
  if (!isObject(parsed)) throw new MachineOutputError(`${what} printed JSON that is not an object`);
  return parsed;
}

export function parseOutputs(text: string): TerraformOutputs {
  const document = parseDocument(text, 'terraform output -json');
  const outputs: Record<string, TerraformOutput> = {};
  for (const [name, raw] of Object.entries(document)) {
    if (!isObject(raw) || !('value' in raw)) {
      throw new MachineOutputError(`terraform output -json: output ${JSON.stringify(name)} has no value field`);
    }
    outputs[name] = { value: raw['value'], type: raw['type'], sensitive: raw['sensitive'] === true };
  }
  return outputs;
}

function moduleResources(module: JsonObject, into: StateResource[]): void {
  const resources = module['resources'];
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      if (!isObject(resource) || typeof resource['address'] !== 'string') continue;
      into.push({
        address: resource['address'],
        mode: resource['mode'] === 'data' ? 'data' : 'managed',
        type: typeof resource['type'] === 'string' ? resource['type'] : '',
        name: typeof resource['name'] === 'string' ? resource['name'] : '',
      });
    }
  }
  const children = module['child_modules'];
  if (Array.isArray(children)) for (const child of children) if (isObject(child)) moduleResources(child, into);
}

export function parseShow(text: string): StateSummary {
  const document = parseDocument(text, 'terraform show -json');
  const values = isObject(document['values']) ? document['values'] : {};
  const resources: StateResource[] = [];
  if (isObject(values['root_module'])) moduleResources(values['root_module'], resources);
  const outputs: Record<string, { sensitive: boolean }> = {};
  if (isObject(values['outputs'])) {
    for (const [name, raw] of Object.entries(values['outputs'])) {
      outputs[name] = { sensitive: isObject(raw) && raw['sensitive'] === true };
    }
  }
  const version = document['terraform_version'];
  return { ...(typeof version === 'string' ? { terraformVersion: version } : {}), resources, outputs };
}

export function parseValidation(text: string): ValidationResult {
  const document = parseDocument(text, 'terraform validate -json');
  if (typeof document['valid'] !== 'boolean') {
    throw new MachineOutputError('terraform validate -json printed no "valid" field');
  }
  const diagnostics = Array.isArray(document['diagnostics']) ? document['diagnostics'].map(parseDiagnostic) : [];
  const count = (key: string): number => (typeof document[key] === 'number' ? (document[key] as number) : 0);
  return {
    valid: document['valid'],
    errorCount: count('error_count'),
    warningCount: count('warning_count'),
    diagnostics,
  };
}

/**
 * Parsers for terraform's single-document JSON outputs: `output -json`, `show -json` (of the state or
 * of a saved plan) and `validate -json`. Each throws {@link MachineOutputError} when the document is not what terraform
 * documents, so a changed format fails loudly instead of yielding empty credentials.
 */
import { isObject } from '../json';
import { parseDiagnostic, type ChangeAction, type Diagnostic, type ResourceRef } from './events';

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

/**
 * One `resource_changes` entry of `show -json <plan file>`. `before`/`after` hold attribute values,
 * sensitive ones included: inspect them, never log or return them to callers outside the runner.
 */
export interface PlannedResourceChange {
  readonly resource: ResourceRef;
  readonly action: ChangeAction;
  /** Attributes before the change; null when the resource is created. */
  readonly before: unknown;
  /**
   * Attributes after the change; null when it is deleted. Values known only after apply are left out
   * (terraform marks them in `after_unknown`, not read: to the rules an absent value proves nothing kept).
   */
  readonly after: unknown;
  /** Why terraform plans this action, e.g. `replace_because_cannot_update`. */
  readonly reason?: string;
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

/** `change.actions` of the plan JSON as the event stream's single action. */
function planAction(actions: unknown): ChangeAction {
  if (!Array.isArray(actions)) return 'noop';
  const joined = actions.join(',');
  switch (joined) {
    case 'create':
    case 'read':
    case 'update':
    case 'delete':
    case 'forget':
      return joined as ChangeAction;
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    default:
      return 'noop';
  }
}

export function parsePlan(text: string): PlannedResourceChange[] {
  const document = parseDocument(text, 'terraform show -json (plan)');
  const resourceChanges = document['resource_changes'];
  if (resourceChanges !== undefined && !Array.isArray(resourceChanges)) {
    throw new MachineOutputError('terraform show -json (plan): resource_changes is not a list');
  }
  const changes: PlannedResourceChange[] = [];
  for (const raw of resourceChanges ?? []) {
    if (!isObject(raw) || typeof raw['address'] !== 'string' || !isObject(raw['change'])) {
      throw new MachineOutputError('terraform show -json (plan): a resource change has no address or change');
    }
    const change = raw['change'];
    const index = raw['index'];
    const reason = raw['action_reason'];
    changes.push({
      resource: {
        address: raw['address'],
        module: typeof raw['module_address'] === 'string' ? raw['module_address'] : '',
        type: typeof raw['type'] === 'string' ? raw['type'] : '',
        name: typeof raw['name'] === 'string' ? raw['name'] : '',
        key: typeof index === 'string' || typeof index === 'number' ? index : null,
      },
      action: planAction(change['actions']),
      before: change['before'] ?? null,
      after: change['after'] ?? null,
      ...(typeof reason === 'string' ? { reason } : {}),
    });
  }
  return changes;
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

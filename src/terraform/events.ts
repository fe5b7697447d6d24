/**
 * Terraform's machine-readable UI (`plan|apply|destroy -json`): one JSON object per line, typed here as
 * a discriminated union on `type`. Field names follow terraform 1.11's stream (see the fixtures under
 * test/terraform/fixtures, captured from real runs); unknown fields are ignored and unknown message
 * types become `other`, as the format's compatibility promise asks of consumers.
 *
 * Nothing here carries an output value: `outputs` events of apply never contain sensitive values, and
 * the parser keeps only names, types and flags.
 */
import { isObject } from '../json';

/** Planned or applied action on one resource instance. */
export type ChangeAction =
  | 'noop'
  | 'create'
  | 'read'
  | 'update'
  | 'replace'
  | 'delete'
  | 'move'
  | 'remove'
  | 'import'
  | 'forget';

const CHANGE_ACTIONS: ReadonlySet<string> = new Set<ChangeAction>([
  'noop',
  'create',
  'read',
  'update',
  'replace',
  'delete',
  'move',
  'remove',
  'import',
  'forget',
]);

export interface ResourceRef {
  /** Full instance address, e.g. `module.node.kubernetes_stateful_set_v1.execution["a"]`. */
  readonly address: string;
  /** Module path, empty for the root module. */
  readonly module: string;
  readonly type: string;
  readonly name: string;
  readonly key: string | number | null;
}

export interface DiagnosticRange {
  readonly filename: string;
  readonly line: number;
  readonly column: number;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  /** The resource the diagnostic is about, when terraform knows it. */
  readonly address?: string;
  readonly range?: DiagnosticRange;
}

export interface ChangeCounts {
  readonly add: number;
  readonly change: number;
  readonly import: number;
  readonly remove: number;
}

/** An output as announced in the event stream: never its value when sensitive. */
export interface OutputAnnouncement {
  readonly sensitive: boolean;
  /** Planned action (plan phase only). */
  readonly action?: ChangeAction;
}

interface EventBase {
  /** `@level`: `info`, `warn`, `error`, ... */
  readonly level: string;
  /** `@message`: terraform's own one-line rendering. */
  readonly message: string;
  readonly timestamp: string;
}

export type TerraformEvent =
  | (EventBase & { readonly type: 'version'; readonly terraformVersion: string; readonly uiVersion: string })
  | (EventBase & {
      readonly type: 'planned_change' | 'resource_drift';
      readonly resource: ResourceRef;
      readonly action: ChangeAction;
      /** Why terraform plans this action, e.g. `cannot_update` for a replacement. */
      readonly reason?: string;
    })
  | (EventBase & {
      readonly type: 'change_summary';
      readonly operation: 'plan' | 'apply' | 'destroy';
      readonly changes: ChangeCounts;
    })
  | (EventBase & { readonly type: 'outputs'; readonly outputs: Readonly<Record<string, OutputAnnouncement>> })
  | (EventBase & {
      readonly type: 'apply_start' | 'apply_progress' | 'apply_complete' | 'apply_errored';
      readonly resource: ResourceRef;
      readonly action: ChangeAction;
      /** Absent on `apply_start`. */
      readonly elapsedSeconds?: number;
    })
  | (EventBase & { readonly type: 'refresh_start' | 'refresh_complete'; readonly resource: ResourceRef })
  | (EventBase & {
      readonly type: 'provision_start' | 'provision_progress' | 'provision_complete' | 'provision_errored';
      readonly resource: ResourceRef;
      readonly provisioner: string;
    })
  | (EventBase & { readonly type: 'diagnostic'; readonly diagnostic: Diagnostic })
  | (EventBase & { readonly type: 'log' | 'state_lock_acquire' | 'state_lock_release' })
  /** A message type this parser does not know (forward compatibility). */
  | (EventBase & { readonly type: 'other'; readonly originalType: string });

type JsonObject = Readonly<Record<string, unknown>>;

const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const obj = (value: unknown): JsonObject => (isObject(value) ? value : {});

function changeAction(value: unknown): ChangeAction {
  return typeof value === 'string' && CHANGE_ACTIONS.has(value) ? (value as ChangeAction) : 'noop';
}

function resourceRef(value: unknown): ResourceRef {
  const resource = obj(value);
  const key = resource['resource_key'];
  return {
    address: str(resource['addr']),
    module: str(resource['module']),
    type: str(resource['resource_type']),
    name: str(resource['resource_name']),
    key: typeof key === 'string' || typeof key === 'number' ? key : null,
  };
}

function counts(value: unknown): ChangeCounts {
  const changes = obj(value);
  return {
    add: num(changes['add']) ?? 0,
    change: num(changes['change']) ?? 0,
    import: num(changes['import']) ?? 0,
    remove: num(changes['remove']) ?? 0,
  };
}

/** One diagnostic object as terraform prints it (event stream and `validate -json` share the shape). */
export function parseDiagnostic(value: unknown): Diagnostic {
  const diagnostic = obj(value);
  const range = obj(diagnostic['range']);
  const start = obj(range['start']);
  const line = num(start['line']);
  const address = diagnostic['address'];
  return {
    severity: diagnostic['severity'] === 'warning' ? 'warning' : 'error',
    summary: str(diagnostic['summary']),
    detail: str(diagnostic['detail']),
    ...(typeof address === 'string' && address !== '' ? { address } : {}),
    ...(typeof range['filename'] === 'string' && line !== undefined
      ? { range: { filename: range['filename'], line, column: num(start['column']) ?? 0 } }
      : {}),
  };
}

function outputAnnouncements(value: unknown): Record<string, OutputAnnouncement> {
  const announced: Record<string, OutputAnnouncement> = {};
  for (const [name, raw] of Object.entries(obj(value))) {
    const output = obj(raw);
    // Values (present for non-sensitive outputs after apply) are dropped on purpose: `output -json` is
    // the one source of output values, so there is exactly one place that handles them.
    announced[name] = {
      sensitive: output['sensitive'] === true,
      ...(typeof output['action'] === 'string' ? { action: changeAction(output['action']) } : {}),
    };
  }
  return announced;
}

/**
 * Parses one line of the stream. Returns undefined for a line that is not a JSON object with a string
 * `type` (terraform prints plain text on stdout in a few failure modes; the caller keeps the raw line).
 */
export function parseEvent(line: string): TerraformEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || typeof raw['type'] !== 'string') return undefined;

  const base: EventBase = {
    level: str(raw['@level'], 'info'),
    message: str(raw['@message']),
    timestamp: str(raw['@timestamp']),
  };
  const type = raw['type'];
  const hook = obj(raw['hook']);
  switch (type) {
    case 'version':
      return { ...base, type, terraformVersion: str(raw['terraform'], str(raw['tofu'])), uiVersion: str(raw['ui']) };
    case 'planned_change':
    case 'resource_drift': {
      const change = obj(raw['change']);
      const reason = change['reason'];
      return {
        ...base,
        type,
        resource: resourceRef(change['resource']),
        action: changeAction(change['action']),
        ...(typeof reason === 'string' ? { reason } : {}),
      };
    }
    case 'change_summary': {
      const changes = obj(raw['changes']);
      const operation = changes['operation'];
      return {
        ...base,
        type,
        operation: operation === 'apply' || operation === 'destroy' ? operation : 'plan',
        changes: counts(changes),
      };
    }
    case 'outputs':
      return { ...base, type, outputs: outputAnnouncements(raw['outputs']) };
    case 'apply_start':
    case 'apply_progress':
    case 'apply_complete':
    case 'apply_errored': {
      const elapsedSeconds = num(hook['elapsed_seconds']);
      return {
        ...base,
        type,
        resource: resourceRef(hook['resource']),
        action: changeAction(hook['action']),
        ...(elapsedSeconds !== undefined ? { elapsedSeconds } : {}),
      };
    }
    case 'refresh_start':
    case 'refresh_complete':
      return { ...base, type, resource: resourceRef(hook['resource']) };
    case 'provision_start':
    case 'provision_progress':
    case 'provision_complete':
    case 'provision_errored':
      return { ...base, type, resource: resourceRef(hook['resource']), provisioner: str(hook['provisioner']) };
    case 'diagnostic':
      return { ...base, type, diagnostic: parseDiagnostic(raw['diagnostic']) };
    case 'log':
    case 'state_lock_acquire':
    case 'state_lock_release':
      return { ...base, type };
    default:
      return { ...base, type: 'other', originalType: type };
  }
}

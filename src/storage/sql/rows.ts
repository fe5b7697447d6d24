/** Row <-> domain mapping. Encrypted columns end in `_enc`; their associated data names table, key and column. */
import type { SecretBox } from '../../crypto/secret-box';
import type {
  Binding,
  BindingEndpoint,
  BindingState,
  Instance,
  InstanceState,
  JsonObject,
  Operation,
  OperationKind,
  OperationRequest,
  OperationStatus,
} from '../../operations/types';
import type { Row } from './driver';

/** Associated data binding a ciphertext to its row and column. */
export const sealedAt = (...parts: string[]): string => JSON.stringify(parts);

export const instanceAad = (id: string, column: 'parameters' | 'outputs') => sealedAt('instances', id, column);
export const bindingAad = (instanceId: string, id: string, column: 'parameters' | 'credentials') =>
  sealedAt('bindings', instanceId, id, column);
export const operationAad = (id: string) => sealedAt('operations', id, 'request');

const text = (value: unknown): string => String(value);
const optionalText = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));
const time = (value: unknown): Date => new Date(Number(value));
const optionalTime = (value: unknown): Date | undefined => (value === null || value === undefined ? undefined : time(value));
const optionalBool = (value: unknown): boolean | undefined =>
  value === null || value === undefined ? undefined : value === true || value === 1 || value === '1';
/** PostgreSQL returns JSONB parsed, SQLite returns TEXT. Our JSON columns always hold objects or arrays. */
const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));
const optionalJson = <T>(value: unknown): T | undefined => (value === null || value === undefined ? undefined : json<T>(value));

export function decodeInstance(row: Row, box: SecretBox): Instance {
  const id = text(row['id']);
  const maintenanceInfoVersion = optionalText(row['maintenance_info_version']);
  const dashboardUrl = optionalText(row['dashboard_url']);
  return {
    id,
    serviceId: text(row['service_id']),
    planId: text(row['plan_id']),
    parameters: box.openJson<JsonObject>(text(row['parameters_enc']), instanceAad(id, 'parameters')),
    context: json<JsonObject>(row['context']),
    ...(maintenanceInfoVersion !== undefined && { maintenanceInfoVersion }),
    state: text(row['state']) as InstanceState,
    outputs: box.openJson<JsonObject>(text(row['outputs_enc']), instanceAad(id, 'outputs')),
    ...(dashboardUrl !== undefined && { dashboardUrl }),
    createdAt: time(row['created_at']),
    updatedAt: time(row['updated_at']),
  };
}

export function decodeBinding(row: Row, box: SecretBox): Binding {
  const id = text(row['id']);
  const instanceId = text(row['instance_id']);
  const bindResource = optionalJson<JsonObject>(row['bind_resource']);
  const tokenHash = optionalText(row['token_hash']);
  const revokedAt = optionalTime(row['revoked_at']);
  return {
    id,
    instanceId,
    serviceId: text(row['service_id']),
    planId: text(row['plan_id']),
    parameters: box.openJson<JsonObject>(text(row['parameters_enc']), bindingAad(instanceId, id, 'parameters')),
    context: json<JsonObject>(row['context']),
    ...(bindResource !== undefined && { bindResource }),
    credentials: box.openJson<JsonObject>(text(row['credentials_enc']), bindingAad(instanceId, id, 'credentials')),
    endpoints: json<BindingEndpoint[]>(row['endpoints']),
    ...(tokenHash !== undefined && { tokenHash }),
    scopes: json<string[]>(row['scopes']),
    state: text(row['state']) as BindingState,
    createdAt: time(row['created_at']),
    updatedAt: time(row['updated_at']),
    ...(revokedAt !== undefined && { revokedAt }),
  };
}

export function decodeOperation(row: Row, box: SecretBox): Operation {
  const id = text(row['id']);
  const bindingId = optionalText(row['binding_id']);
  const platform = optionalText(row['identity_platform']);
  const requestIdentity = optionalText(row['request_identity']);
  const owner = optionalText(row['owner']);
  const leaseExpiresAt = optionalTime(row['lease_expires_at']);
  const common = {
    id,
    instanceId: text(row['instance_id']),
    ...(bindingId !== undefined && { bindingId }),
    request: box.openJson<OperationRequest>(text(row['request_enc']), operationAad(id)),
    ...(platform !== undefined && { originatingIdentity: { platform, value: json<JsonObject>(row['identity_value']) } }),
    ...(requestIdentity !== undefined && { requestIdentity }),
    ...(owner !== undefined && { owner }),
    ...(leaseExpiresAt !== undefined && { leaseExpiresAt }),
    createdAt: time(row['created_at']),
    updatedAt: time(row['updated_at']),
  };
  const status = decodeOperationStatus(row);
  switch (status.state) {
    case 'in progress':
      return { ...common, ...status, attempts: Number(row['attempts']), startedAt: time(row['created_at']) };
    case 'succeeded':
    case 'failed':
      return { ...common, ...status, finishedAt: time(row['finished_at']) };
  }
}

/** The columns `decodeOperationStatus` reads. */
export const OPERATION_STATUS_COLUMNS = 'id, kind, state, description, instance_usable, update_repeatable';

export function decodeOperationStatus(row: Row): OperationStatus {
  const common = { id: text(row['id']), kind: text(row['kind']) as OperationKind, description: text(row['description']) };
  const state = text(row['state']);
  switch (state) {
    case 'in progress':
    case 'succeeded':
      return { ...common, state };
    case 'failed': {
      const instanceUsable = optionalBool(row['instance_usable']);
      const updateRepeatable = optionalBool(row['update_repeatable']);
      return {
        ...common,
        state,
        ...(instanceUsable !== undefined && { instanceUsable }),
        ...(updateRepeatable !== undefined && { updateRepeatable }),
      };
    }
    default:
      throw new Error(`operation ${common.id} has unknown state ${JSON.stringify(state)} in the database`);
  }
}

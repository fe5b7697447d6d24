/**
 * The audit trail an operator queries: every operation with who asked (decoded originating identity),
 * the platform's request identity, what was asked (kind, service, plan) and how it ended. Parameters
 * and credentials are never part of it.
 */
import type { Operation, OperationKind, OperationStateName, OriginatingIdentity } from '../operations/types';
import type { OperationQuery, Storage } from '../storage/types';

export interface AuditEntry {
  readonly operation: string;
  readonly instance_id: string;
  readonly binding_id?: string;
  readonly kind: OperationKind;
  readonly service_id: string;
  readonly plan_id: string;
  readonly state: OperationStateName;
  readonly description: string;
  readonly originating_identity?: OriginatingIdentity;
  readonly request_identity?: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at?: string;
  readonly attempts?: number;
}

export function auditEntry(operation: Operation): AuditEntry {
  return {
    operation: operation.id,
    instance_id: operation.instanceId,
    ...(operation.bindingId !== undefined && { binding_id: operation.bindingId }),
    kind: operation.kind,
    service_id: operation.request.serviceId,
    plan_id: operation.request.planId,
    state: operation.state,
    description: operation.description,
    ...(operation.originatingIdentity !== undefined && { originating_identity: operation.originatingIdentity }),
    ...(operation.requestIdentity !== undefined && { request_identity: operation.requestIdentity }),
    created_at: operation.createdAt.toISOString(),
    updated_at: operation.updatedAt.toISOString(),
    ...(operation.state === 'in progress' ? { attempts: operation.attempts } : { finished_at: operation.finishedAt.toISOString() }),
  };
}

export async function auditTrail(storage: Storage, query: OperationQuery): Promise<AuditEntry[]> {
  return (await storage.listOperations(query)).map(auditEntry);
}

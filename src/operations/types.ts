/**
 * The broker's persisted domain model: service instances, bindings and the operations that change them.
 *
 * Names are the domain's; the HTTP layer maps them to OSB fields (`instanceUsable` -> `instance_usable`,
 * `state: 'in progress'` is already the OSB spelling).
 *
 * Lifecycle rules (enforced by storage, see src/storage/types.ts):
 * - At most one `in progress` operation per instance for instance-level kinds (provision, update,
 *   deprovision), and at most one per binding for binding kinds (bind, unbind).
 * - Operation records are never deleted: they are the audit trail (who asked for what, when, outcome).
 * - Tombstones: when a deprovision succeeds the instance row stays with state `deprovisioned` (its outputs
 *   are erased), so `last_operation` still answers `succeeded` and a later DELETE answers 410 Gone.
 *   A later provision PUT with the same id starts a new incarnation: the tombstone row is replaced
 *   (fresh `createdAt`), earlier operations stay in the audit trail. Bindings follow the same rule with
 *   state `deleted` (token revoked).
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonObject | readonly JsonValue[];
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export type OperationKind = 'provision' | 'update' | 'deprovision' | 'bind' | 'unbind';

/** Kinds that act on the instance as a whole (polled on the instance's last_operation). */
export const INSTANCE_OPERATION_KINDS = ['provision', 'update', 'deprovision'] as const;
export type InstanceOperationKind = (typeof INSTANCE_OPERATION_KINDS)[number];
/** Kinds that act on one binding (polled on the binding's last_operation). */
export const BINDING_OPERATION_KINDS = ['bind', 'unbind'] as const;
export type BindingOperationKind = (typeof BINDING_OPERATION_KINDS)[number];

export const isInstanceOperationKind = (kind: OperationKind): kind is InstanceOperationKind =>
  (INSTANCE_OPERATION_KINDS as readonly string[]).includes(kind);

export interface OperationInProgress {
  readonly state: 'in progress';
  /** Human-readable progress shown by last_operation, e.g. `applying 7/12: terraform_data.el`. Never secrets. */
  readonly description: string;
  /** How many times a worker has claimed (started) this operation; crash recovery bounds it. */
  readonly attempts: number;
  readonly startedAt: Date;
}

export interface OperationSucceeded {
  readonly state: 'succeeded';
  readonly description: string;
  readonly finishedAt: Date;
}

export interface OperationFailed {
  readonly state: 'failed';
  readonly description: string;
  readonly finishedAt: Date;
  /** Only for failed update/deprovision (OSB `instance_usable`). @default undefined (OSB: true) */
  readonly instanceUsable?: boolean;
  /** Only for failed update (OSB `update_repeatable`). @default undefined (OSB: true) */
  readonly updateRepeatable?: boolean;
}

export type OperationState = OperationInProgress | OperationSucceeded | OperationFailed;
export type OperationStateName = OperationState['state'];

/** Decoded `X-Broker-API-Originating-Identity`: `<platform> <base64 JSON>`. */
export interface OriginatingIdentity {
  /** e.g. `cloudfoundry`, `kubernetes`. */
  readonly platform: string;
  /** The decoded JSON object, e.g. `{"user_id": "683ea748-..."}` or `{"username": "...", "groups": [...]}`. */
  readonly value: JsonObject;
}

/**
 * What was asked for: the desired state the worker converges to. Stored encrypted as a whole
 * (parameters may carry references an operator does not want in plain text in a database dump).
 */
export interface OperationRequest {
  readonly serviceId: string;
  /** Target plan. For an update without `plan_id`, the instance's current plan. */
  readonly planId: string;
  /** Absent means "not given" (an update then keeps the instance's parameters). */
  readonly parameters?: JsonObject;
  /** OSB `context` as sent. @default undefined */
  readonly context?: JsonObject;
  /** `maintenance_info.version` as sent. @default undefined */
  readonly maintenanceInfoVersion?: string;
  /** For updates: the plan before the update (OSB `previous_values.plan_id` or the stored plan). @default undefined */
  readonly previousPlanId?: string;
  /** For binds: OSB `bind_resource` (e.g. `app_guid`). @default undefined */
  readonly bindResource?: JsonObject;
  /** For binds: OSB `predecessor_binding_id` (binding rotation). @default undefined */
  readonly predecessorBindingId?: string;
  /** Warnings of the provision policies that accepted it (`<policy>: <message>`), kept in the final description. @default none */
  readonly policyWarnings?: readonly string[];
}

export interface OperationCommon {
  /** Opaque, broker-generated (`op-` + random); the OSB `operation` value. */
  readonly id: string;
  readonly instanceId: string;
  /** Set for bind/unbind. */
  readonly bindingId?: string;
  readonly kind: OperationKind;
  readonly request: OperationRequest;
  /** Who asked, per the platform. Absent for platform-initiated calls (e.g. orphan mitigation). */
  readonly originatingIdentity?: OriginatingIdentity;
  /** `X-Broker-API-Request-Identity` of the request that created the operation. */
  readonly requestIdentity?: string;
  /** Replica currently running it (lease holder); absent when unclaimed or finished. */
  readonly owner?: string;
  /** The owner's lease end; another replica may claim the operation after it. */
  readonly leaseExpiresAt?: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type Operation = OperationCommon & OperationState;

/** What last_operation reports of an operation; storage reads it without decrypting the request. */
export type OperationStatus = Pick<OperationCommon, 'id' | 'kind'> &
  (
    | Pick<OperationInProgress, 'state' | 'description'>
    | Pick<OperationSucceeded, 'state' | 'description'>
    | Pick<OperationFailed, 'state' | 'description' | 'instanceUsable' | 'updateRepeatable'>
  );
export type InProgressOperation = OperationCommon & OperationInProgress;

export type InstanceState =
  | 'provisioning'
  | 'provisioned'
  | 'updating'
  | 'deprovisioning'
  /** Tombstone: resources destroyed; kept so last_operation answers and DELETE answers 410. */
  | 'deprovisioned'
  /** Provision failed, or an update/deprovision failed leaving the instance unusable. */
  | 'failed';

/** States in which an instance holds (or may hold) real resources; the diversity ledger counts these. */
export const LIVE_INSTANCE_STATES: readonly InstanceState[] = [
  'provisioning',
  'provisioned',
  'updating',
  'deprovisioning',
  'failed',
];

export interface Instance {
  readonly id: string;
  readonly serviceId: string;
  readonly planId: string;
  /** Parameters in effect (after the last successful provision/update). Encrypted at rest. */
  readonly parameters: JsonObject;
  readonly context: JsonObject;
  readonly maintenanceInfoVersion?: string;
  readonly state: InstanceState;
  /** Terraform outputs of the last successful apply (endpoints, JWT, ...). Encrypted at rest; `{}` before. */
  readonly outputs: JsonObject;
  readonly dashboardUrl?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type BindingState =
  | 'creating'
  | 'created'
  | 'deleting'
  /** Tombstone: token revoked, credentials erased. */
  | 'deleted'
  | 'failed';

/** OSB Endpoint object, domain spelling. */
export interface BindingEndpoint {
  readonly host: string;
  /** Each a port ("443") or a range ("9000-9010"); non-empty. */
  readonly ports: readonly string[];
  /** @default 'tcp' */
  readonly protocol?: 'tcp' | 'udp' | 'all';
}

export interface Binding {
  readonly id: string;
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  /** Encrypted at rest. */
  readonly parameters: JsonObject;
  readonly context: JsonObject;
  readonly bindResource?: JsonObject;
  /** Encrypted at rest; `{}` until the bind succeeds and after unbind. */
  readonly credentials: JsonObject;
  readonly endpoints: readonly BindingEndpoint[];
  /**
   * sha256 hex of the binding's secret token (src/crypto hashToken), for introspection lookups. The token
   * itself is stored only inside the encrypted `credentials` (GET binding returns it), never in plain text.
   */
  readonly tokenHash?: string;
  /** Scopes granted to the token, e.g. `pool:validator.<instance-id>:read.basic`. */
  readonly scopes: readonly string[];
  readonly state: BindingState;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When unbind (or the instance's deprovision) revoked the token. */
  readonly revokedAt?: Date;
}

/**
 * The one storage contract used by the broker (request handlers) and the worker (operation runner).
 * Two implementations: SQLite (embedded default, one broker process) and PostgreSQL (several replicas).
 * Open one with `openStorage` (src/storage/index.ts).
 *
 * Concurrency model:
 * - Short critical sections (read, decide, write) run inside `withInstanceLock`: a cross-process mutex
 *   per instance id (PostgreSQL advisory lock; SQLite lease row). Hold it for milliseconds, never
 *   around a terraform run.
 * - Long runs are guarded by operation leases: a worker `claimOperation`s an `in progress` operation,
 *   renews the lease while terraform runs, and completes it. A replica that dies stops renewing; after
 *   the lease expires any replica may claim the operation again (attempts + 1).
 * - The database itself refuses a second `in progress` operation per instance (instance kinds) or per
 *   binding (binding kinds): `beginOperation` throws StorageConflictError 'operation-in-progress'.
 *
 * Secrets: parameters, outputs and credentials are encrypted with the SecretBox given at open
 * (AES-256-GCM, bound to their row) before they are written; reads decrypt. Token hashes, ids, plan ids,
 * states, context and originating identities stay plain so they can be queried.
 */
import type {
  Binding,
  BindingEndpoint,
  BindingState,
  InProgressOperation,
  Instance,
  InstanceState,
  JsonObject,
  Operation,
  OperationKind,
  OperationRequest,
  OperationStateName,
  OperationStatus,
  OriginatingIdentity,
} from '../operations/types';
import type { SecretBox } from '../crypto/secret-box';


export type StorageEngine = 'sqlite' | 'postgres';

export interface NewInstance {
  readonly id: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly parameters: JsonObject;
  readonly context: JsonObject;
  /** @default undefined */
  readonly maintenanceInfoVersion?: string;
  /** @default undefined */
  readonly dashboardUrl?: string;
}

/** Fields to change; absent fields keep their value, `null` clears an optional one. */
export interface InstancePatch {
  readonly planId?: string;
  readonly parameters?: JsonObject;
  readonly context?: JsonObject;
  readonly maintenanceInfoVersion?: string | null;
  readonly state?: InstanceState;
  readonly outputs?: JsonObject;
  readonly dashboardUrl?: string | null;
}

export interface NewBinding {
  readonly id: string;
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly parameters: JsonObject;
  readonly context: JsonObject;
  /** @default undefined */
  readonly bindResource?: JsonObject;
  /** @default [] */
  readonly scopes?: readonly string[];
}

/** Fields to change; absent fields keep their value. */
export interface BindingPatch {
  readonly credentials?: JsonObject;
  readonly endpoints?: readonly BindingEndpoint[];
  /** sha256 hex from src/crypto `hashToken`; unique across bindings. */
  readonly tokenHash?: string;
  readonly scopes?: readonly string[];
  readonly state?: BindingState;
}

/** Who asked, and the first progress text (e.g. `Queued`). */
interface BeginCommon {
  readonly request: OperationRequest;
  readonly description: string;
  /** @default undefined */
  readonly originatingIdentity?: OriginatingIdentity;
  /** @default undefined */
  readonly requestIdentity?: string;
}

/**
 * Starting an operation, atomically with the row it acts on:
 * - provision: inserts the instance in state `provisioning` (replacing a `deprovisioned` tombstone);
 *   'instance-exists' if a non-tombstone row has the id.
 * - update / deprovision: sets the instance to `updating` / `deprovisioning`; 'instance-not-found' if
 *   absent or a tombstone.
 * - bind: inserts the binding in state `creating` (replacing a `deleted` tombstone); 'instance-not-found'
 *   if the instance is absent or a tombstone, 'binding-exists' if a non-tombstone binding has the id.
 * - unbind: sets the binding to `deleting`; 'binding-not-found' if absent or a tombstone.
 * Every kind: 'operation-in-progress' if one is already running on the same instance (instance kinds)
 * or binding (binding kinds). Nothing is written when it throws.
 */
export type BeginOperationInput =
  | (BeginCommon & { readonly kind: 'provision'; readonly instance: NewInstance })
  | (BeginCommon & { readonly kind: 'update' | 'deprovision'; readonly instanceId: string })
  | (BeginCommon & { readonly kind: 'bind'; readonly binding: NewBinding })
  | (BeginCommon & { readonly kind: 'unbind'; readonly instanceId: string; readonly bindingId: string });

/** A platform's retry of a provision that failed: the instance keeps its id, attributes and incarnation. */
export type ProvisionRetryInput = BeginCommon & { readonly instanceId: string };

export interface BeganOperation {
  readonly operation: InProgressOperation;
  readonly instance: Instance;
  /** Set for bind/unbind. */
  readonly binding?: Binding;
}

/**
 * How an operation ended, plus the changes to its instance/binding, written in one transaction.
 * When `instance.state` / `binding.state` are absent, src/operations/transitions.ts `settle` decides
 * (e.g. provision succeeded -> `provisioned`; update succeeded -> the requested plan/parameters take
 * effect; deprovision succeeded -> tombstone with outputs erased and every binding revoked;
 * unbind succeeded -> binding tombstone with credentials erased).
 */
export type OperationOutcome =
  | {
      readonly state: 'succeeded';
      readonly description: string;
      readonly instance?: InstancePatch;
      readonly binding?: BindingPatch;
    }
  | {
      readonly state: 'failed';
      readonly description: string;
      /** Only meaningful for update/deprovision. @default undefined */
      readonly instanceUsable?: boolean;
      /** Only meaningful for update. @default undefined */
      readonly updateRepeatable?: boolean;
      readonly instance?: InstancePatch;
      readonly binding?: BindingPatch;
    };

export interface InstanceFilter {
  /** @default any */
  readonly serviceId?: string;
  /** @default any */
  readonly planIds?: readonly string[];
  /** e.g. LIVE_INSTANCE_STATES for the diversity ledger. @default any (tombstones included) */
  readonly states?: readonly InstanceState[];
}

export interface BindingFilter {
  /** @default any (tombstones included) */
  readonly states?: readonly BindingState[];
}

/** The audit trail: operations filtered by who, what and when. */
export interface OperationQuery {
  /** @default any */
  readonly instanceId?: string;
  /** @default any */
  readonly bindingId?: string;
  /** @default any */
  readonly kinds?: readonly OperationKind[];
  /** @default any */
  readonly states?: readonly OperationStateName[];
  /** Originating identity platform, e.g. `kubernetes`. @default any */
  readonly platform?: string;
  /**
   * Top-level fields the decoded originating identity must have, compared for equality,
   * e.g. `{ user_id: '683ea748-...' }`. @default any
   */
  readonly identity?: Readonly<Record<string, string | number | boolean>>;
  /** Created at or after. @default unbounded */
  readonly since?: Date;
  /** Created before. @default unbounded */
  readonly until?: Date;
  /** @default 'newest-first' */
  readonly order?: 'newest-first' | 'oldest-first';
  /** 1..1000. @default 100 */
  readonly limit?: number;
}

export interface Storage {
  readonly engine: StorageEngine;
  /** This process's identity as lease owner (`<hostname>:<pid>:<random>` unless given at open). */
  readonly replicaId: string;

  /** Resolves when the database answers; rejects (ExternalError) otherwise. For /ready. */
  ping(): Promise<void>;
  /** Waits for running statements and closes connections. Idempotent. */
  close(): Promise<void>;

  /**
   * Runs `fn` while holding this instance's cross-process mutex. Calls for the same id (in this process
   * or another replica) run one after the other; different ids run in parallel. Throws LockTimeoutError
   * when the lock is not acquired within the configured wait. The lock is released when `fn` settles
   * or the holder's process/connection dies.
   */
  withInstanceLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * The same kind of mutex for a critical section wider than one instance, e.g. a provision policy's
   * check-and-store over one network's ledger. Names never share a lock with an instance id. Lock order:
   * take named locks first (in sorted order), then the instance lock, never the other way round.
   */
  withNamedLock<T>(name: string, fn: () => Promise<T>): Promise<T>;

  // Instances
  getInstance(instanceId: string): Promise<Instance | undefined>;
  /** The live (not deprovisioned) instance whose dashboard URL ends in `/dashboard/instances/<dashboardId>`. */
  findInstanceByDashboardId(dashboardId: string): Promise<Instance | undefined>;
  listInstances(filter?: InstanceFilter): Promise<Instance[]>;
  /** Direct edit outside an operation (e.g. a context-only update). Throws 'instance-not-found'. */
  updateInstance(instanceId: string, patch: InstancePatch): Promise<Instance>;

  // Bindings
  getBinding(instanceId: string, bindingId: string): Promise<Binding | undefined>;
  listBindings(instanceId: string, filter?: BindingFilter): Promise<Binding[]>;
  /** For token introspection; returns tombstones too (the caller checks `state`/`revokedAt`). */
  findBindingByTokenHash(tokenHash: string): Promise<Binding | undefined>;
  /** Direct edit outside an operation. Throws 'binding-not-found'. */
  updateBinding(instanceId: string, bindingId: string, patch: BindingPatch): Promise<Binding>;

  // Operations
  beginOperation(input: BeginOperationInput): Promise<BeganOperation>;
  /**
   * Starts a new attempt of a provision that failed: the instance (state `failed`, no provision of this
   * incarnation ever succeeded) becomes `provisioning` with a new `in progress` provision operation, and
   * takes the request's maintenance info version, in one transaction. 'instance-exists' when the instance
   * is not such a failed provision; 'operation-in-progress' as for beginOperation.
   */
  beginProvisionRetry(input: ProvisionRetryInput): Promise<BeganOperation>;
  getOperation(operationId: string): Promise<Operation | undefined>;
  /** The newest provision/update/deprovision of the instance (any incarnation). */
  getLatestInstanceOperation(instanceId: string): Promise<Operation | undefined>;
  getLatestBindingOperation(instanceId: string, bindingId: string): Promise<Operation | undefined>;
  /**
   * last_operation's read: the status of the hinted operation when it belongs to this instance (or
   * binding), else of the newest one; undefined when there is none. Reads only plain columns (no
   * decryption) and never waits behind queued writes.
   */
  getOperationStatus(instanceId: string, bindingId: string | undefined, operationHint: string | undefined): Promise<OperationStatus | undefined>;
  listOperations(query?: OperationQuery): Promise<Operation[]>;

  /**
   * `in progress` operations nobody holds (never claimed, released, lease expired, or owned by a replica
   * on this host whose process is gone), oldest first.
   */
  listClaimableOperations(): Promise<InProgressOperation[]>;
  /**
   * Takes the lease on an `in progress` operation for this replica if it is unowned, its lease expired,
   * its owner is a gone process on this host, or this replica already owns it; increments `attempts`. Undefined when another replica holds it or
   * it is no longer in progress.
   */
  claimOperation(operationId: string): Promise<InProgressOperation | undefined>;
  /** Extends this replica's lease. False when the lease was lost (stop working on it). */
  renewOperationLease(operationId: string): Promise<boolean>;
  /** Updates the progress text (and renews the lease). False when the lease was lost. */
  reportProgress(operationId: string, description: string): Promise<boolean>;
  /**
   * Gives the lease up so another replica can claim at once, and takes back the attempt this replica's
   * claim counted: the run was stopped on purpose (graceful shutdown), so it must not bring the
   * operation closer to being given up.
   */
  yieldOperation(operationId: string): Promise<void>;
  /** Owners (replica ids) of unexpired operation leases, each once. For judging stale state locks. */
  listLeaseOwners(): Promise<string[]>;
  /** The operation lease length: a worker whose renewals fail for this long has lost its lease. */
  readonly operationLeaseMs: number;
  /**
   * Ends an `in progress` operation and applies its effects in one transaction. Allowed when the
   * operation is unowned (a synchronous request completing its own operation) or owned by this replica;
   * throws 'operation-not-in-progress' or 'lease-lost' otherwise.
   */
  completeOperation(operationId: string, outcome: OperationOutcome): Promise<Operation>;

  /**
   * Retention: removes what only history needs, once older than `before`: deprovisioned instance
   * tombstones and their finished operations (the whole audit trail of an instance deleted before then),
   * and deleted binding tombstones with their finished operations. Live instances and bindings keep
   * every operation. Nothing in progress is touched.
   */
  pruneRetired(before: Date): Promise<PruneResult>;
}

/** What a retention pass removed. */
export interface PruneResult {
  readonly operations: number;
  readonly instances: number;
  readonly bindings: number;
}

export interface OpenStorageOptions {
  /** `OVSB_DATA_DIR`: holds `ovsb.db` for SQLite (created 0700, file 0600). */
  readonly dataDir: string;
  /** `OVSB_DATABASE_URL`; `postgres://` or `postgresql://` selects PostgreSQL. @default SQLite */
  readonly databaseUrl?: string;
  /** Encrypts parameters, outputs and credentials (src/crypto `loadSecretBox`). */
  readonly secretBox: SecretBox;
  /** @default `<hostname>:<pid>:<random>` */
  readonly replicaId?: string;
  /** Operation lease length; workers renew well within it. @default 30_000 */
  readonly operationLeaseMs?: number;
  /** Longest wait for `withInstanceLock`. @default 15_000 */
  readonly lockTimeoutMs?: number;
  /** Time source of row timestamps. @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * Time source of operation leases (claim, renewal, expiry). `database`: the database server's clock, one
   * clock for every replica whatever their own clocks say. @default `clock` when one is given (tests move
   * it to expire leases), else `database`
   */
  readonly leaseClock?: (() => Date) | 'database';
  /** PostgreSQL pool size for queries (advisory locks use a second pool of the same size). @default 10 */
  readonly poolSize?: number;
  /** Errors of idle PostgreSQL connections (e.g. server restart), for logging. @default ignored: the next query fails with its own error */
  readonly onBackgroundError?: (error: Error) => void;
}

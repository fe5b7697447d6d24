/**
 * Storage refusals the broker maps to OSB answers (e.g. 'operation-in-progress' -> 422 ConcurrencyError,
 * 'instance-exists' -> compare attributes, then 409 or 202/200). Database failures are ExternalError.
 */

export type StorageConflict =
  | { readonly reason: 'instance-exists'; readonly instanceId: string }
  | { readonly reason: 'instance-not-found'; readonly instanceId: string }
  | { readonly reason: 'binding-exists'; readonly instanceId: string; readonly bindingId: string }
  | { readonly reason: 'binding-not-found'; readonly instanceId: string; readonly bindingId: string }
  | {
      readonly reason: 'operation-in-progress';
      readonly instanceId: string;
      readonly bindingId?: string;
      /** The running operation (its id is the OSB `operation` to answer a re-sent request with). */
      readonly operationId: string;
    }
  | { readonly reason: 'operation-not-in-progress'; readonly operationId: string }
  | { readonly reason: 'lease-lost'; readonly operationId: string; readonly owner?: string };

export type StorageConflictReason = StorageConflict['reason'];

const describe = (c: StorageConflict): string => {
  switch (c.reason) {
    case 'instance-exists':
      return `service instance ${c.instanceId} already exists`;
    case 'instance-not-found':
      return `service instance ${c.instanceId} does not exist`;
    case 'binding-exists':
      return `service binding ${c.bindingId} of instance ${c.instanceId} already exists`;
    case 'binding-not-found':
      return `service binding ${c.bindingId} of instance ${c.instanceId} does not exist`;
    case 'operation-in-progress':
      return c.bindingId === undefined
        ? `operation ${c.operationId} is in progress on service instance ${c.instanceId}`
        : `operation ${c.operationId} is in progress on service binding ${c.bindingId}`;
    case 'operation-not-in-progress':
      return `operation ${c.operationId} is not in progress (unknown or already finished)`;
    case 'lease-lost':
      return `operation ${c.operationId} is held by replica ${c.owner ?? '(none)'}, not by this one`;
  }
};

export class StorageConflictError extends Error {
  override readonly name = 'StorageConflictError';
  constructor(readonly conflict: StorageConflict) {
    super(describe(conflict));
  }
  get reason(): StorageConflictReason {
    return this.conflict.reason;
  }
}

/** `withInstanceLock` waited longer than `lockTimeoutMs`; the broker answers 422 ConcurrencyError. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly instanceId: string,
    readonly waitedMs: number,
  ) {
    super(`service instance ${instanceId} is locked by another request; gave up after ${waitedMs} ms`);
  }
}

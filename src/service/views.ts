/** Operations as last_operation reports them, and the ConcurrencyError that names the running one. */
import { unprocessable, type OsbError } from '../errors';
import type { Operation, OperationStateName, OperationStatus } from '../operations/types';

export interface LastOperationView {
  readonly state: OperationStateName;
  /** Never empty (the spec forbids an empty description). */
  readonly description: string;
  /** Failed update/deprovision only; OSB default true. */
  readonly instanceUsable?: boolean;
  /** Failed update only; OSB default true. */
  readonly updateRepeatable?: boolean;
}

/** `usableNow`: for a failed update/deprovision that did not say, whether the instance is usable now. @default true (OSB) */
export function lastOperationView(operation: OperationStatus, usableNow?: boolean): LastOperationView {
  const description = operation.description.trim() === '' ? `${operation.kind} ${operation.state}` : operation.description;
  if (operation.state !== 'failed') return { state: operation.state, description };
  const changedExisting = operation.kind === 'update' || operation.kind === 'deprovision';
  return {
    state: 'failed',
    description,
    ...(changedExisting && { instanceUsable: operation.instanceUsable ?? usableNow ?? true }),
    ...(operation.kind === 'update' && { updateRepeatable: operation.updateRepeatable ?? true }),
  };
}

export function concurrency(what: string, running: Operation | undefined): OsbError {
  const which = running === undefined || running.state !== 'in progress' ? 'another operation' : `a ${running.kind} (operation ${running.id})`;
  return unprocessable('ConcurrencyError', `${which} is in progress on ${what}; retry when it has finished`);
}

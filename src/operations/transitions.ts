/**
 * What an operation's outcome does to its instance or binding when the caller does not say otherwise.
 * Pure: storage applies the result in the same transaction that ends the operation.
 */
import type { BindingPatch, InstancePatch } from '../storage/types';
import type { BindingState, InstanceState, OperationKind, OperationRequest } from './types';

export interface SettleInput {
  readonly kind: OperationKind;
  readonly request: OperationRequest;
  readonly outcome: 'succeeded' | 'failed';
  /** From a failed update/deprovision. @default undefined (OSB: usable) */
  readonly instanceUsable?: boolean;
  /** The instance's (update, deprovision) or binding's (unbind) state when the operation began. @default 'provisioned' / 'created' */
  readonly priorState?: InstanceState | BindingState;
}

export interface Settlement {
  readonly instance?: InstancePatch;
  readonly binding?: BindingPatch;
  /** Deprovision succeeded: every binding of the instance becomes a tombstone, its token revoked. */
  readonly revokeBindings: boolean;
}

/**
 * A failed update/deprovision leaves the instance as it was, or makes it unusable when the worker says so.
 * It never makes a `failed` instance usable (a failed provision, or an earlier failure): only a successful
 * operation does, whatever `instanceUsable` says.
 */
function afterFailedChange(instanceUsable: boolean | undefined, priorState: InstanceState | undefined): InstanceState {
  if (instanceUsable === false || priorState === 'failed') return 'failed';
  return 'provisioned';
}

export function settle(input: SettleInput): Settlement {
  const { kind, request, outcome } = input;
  const ok = outcome === 'succeeded';
  switch (kind) {
    case 'provision':
      return { instance: { state: ok ? 'provisioned' : 'failed' }, revokeBindings: false };
    case 'update':
      return ok
        ? {
            instance: {
              state: 'provisioned',
              planId: request.planId,
              ...(request.parameters !== undefined && { parameters: request.parameters }),
              ...(request.context !== undefined && { context: request.context }),
              ...(request.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: request.maintenanceInfoVersion }),
            },
            revokeBindings: false,
          }
        : { instance: { state: afterFailedChange(input.instanceUsable, input.priorState as InstanceState | undefined) }, revokeBindings: false };
    case 'deprovision':
      return ok
        ? { instance: { state: 'deprovisioned' }, revokeBindings: true }
        : { instance: { state: afterFailedChange(input.instanceUsable, input.priorState as InstanceState | undefined) }, revokeBindings: false };
    case 'bind':
      return { binding: { state: ok ? 'created' : 'failed' }, revokeBindings: false };
    case 'unbind':
      return { binding: { state: ok ? 'deleted' : ((input.priorState as BindingState | undefined) ?? 'created') }, revokeBindings: false };
  }
}

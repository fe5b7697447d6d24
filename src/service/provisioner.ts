/**
 * The long work behind an operation: turning the requested state of an instance into real resources
 * (synthesis + terraform), and removing them. The worker calls it, never a request handler.
 * Implementation: TerraformProvisioner (terraform-provisioner.ts).
 */
import type { JsonObject, OperationRequest } from '../operations/types';
import type { ChangeAction } from '../terraform/events';
import type { LeaseFacts } from '../terraform/runner';
import type { PlanView } from './catalog';

/** The OSB update parameter that lets an update replace a data volume (losing the chain data). */
export const ALLOW_DATA_VOLUME_REPLACEMENT = 'allow_data_volume_replacement';

/** What every run gets. */
export interface OperationRun {
  readonly operationId: string;
  readonly instanceId: string;
  /** The desired state (plan, parameters without per-request flags). */
  readonly request: OperationRequest;
  /** Aborted when the broker shuts down or loses the operation's lease. */
  readonly signal: AbortSignal;
  /**
   * When the whole operation's time is up (epoch ms, `Date.now()` clock): the end of the plan's
   * maximum_polling_duration. One deadline for every step of the run.
   */
  readonly deadline: number;
  /** The operation lease this run holds, for judging stale state locks. @default none */
  readonly leases?: LeaseFacts;
  /** Progress for last_operation, e.g. `applying 3/7: terraform_data.execution`. Never secrets. */
  readonly onProgress: (description: string) => void;
  /**
   * Deprovision: a provision or update of this incarnation succeeded, so resources exist and state that
   * cannot be found is an error, never "nothing to destroy". @default false
   */
  readonly expectState?: boolean;
}

/** Provision and update synthesise the plan's stack. */
export interface ApplyRun extends OperationRun {
  readonly plan: PlanView;
}

export interface UpdateRun extends ApplyRun {
  /** The caller accepted losing data volumes the new configuration replaces. */
  readonly allowDataVolumeReplacement: boolean;
}

export interface AppliedInstance {
  /** Terraform outputs (name -> value); stored encrypted, the source of binding credentials. */
  readonly outputs: JsonObject;
}

/** A data volume an update deleted or replaced: resource address and action only, never attribute values. */
export interface DataVolumeLoss {
  readonly address: string;
  readonly action: ChangeAction;
}

export interface UpdatedInstance extends AppliedInstance {
  /** The data volumes the caller allowed the update to lose (empty when none). */
  readonly dataVolumeChanges: readonly DataVolumeLoss[];
}

export interface InstanceProvisioner {
  /**
   * Fast and pure: throws OsbError 400 (naming the parameter) when the request cannot be turned into a
   * stack, so the platform hears it before the operation is accepted.
   */
  check(instanceId: string, request: OperationRequest, plan: PlanView): void;
  provision(run: ApplyRun): Promise<AppliedInstance>;
  update(run: UpdateRun): Promise<UpdatedInstance>;
  /**
   * Idempotent: an instance never applied, half applied or already destroyed deprovisions cleanly.
   * Needs no plan: the instance's workspace holds what terraform destroys (the plan may have left the catalog).
   */
  deprovision(run: OperationRun): Promise<void>;
}

/** An update would replace data volumes and the caller did not opt in; repeating it fails the same way. */
export class DataVolumeReplacementRefused extends Error {
  override readonly name = 'DataVolumeReplacementRefused';
  constructor(readonly resources: readonly string[]) {
    super(
      `the update would replace ${resources.length === 1 ? 'the data volume' : 'data volumes'} ${resources.join(', ')} ` +
        `(the chain data would be lost and resynced); nothing was changed. To accept that, repeat the update with ` +
        `parameters {"${ALLOW_DATA_VOLUME_REPLACEMENT}": true}`,
    );
  }
}

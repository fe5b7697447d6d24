/**
 * InstanceProvisioner over terraform: resolve the topology (catalog plan + parameters -> stack props),
 * synthesise the plan's stack in process, and hand the configuration to the runner (apply / destroy).
 *
 * - Workspaces and stack names derive from the OSB instance id by hashing (runner, `instanceNameFor`):
 *   the raw id never reaches a path or a resource name.
 * - Outputs kept for bindings are the non-sensitive ones (endpoints, client names and versions); sensitive
 *   outputs (the Engine API JWT) stay in terraform's state and are of no use to consumers.
 * - An update is one terraform run (runner.update): the saved plan is checked and exactly it is applied;
 *   one that would replace a data volume is refused unless the caller passed
 *   `allow_data_volume_replacement: true`; the volumes an allowed update lost are returned (addresses
 *   and actions only) for the worker to log and name in the operation's description.
 * - Every terraform step of an operation shares the operation's one deadline.
 */
import type { Catalog } from '../catalog/catalog';
import type { CatalogPlan } from '../catalog/model';
import type { MevBoostServiceParameters, NodeParameters } from '../catalog/parameters';
import { badRequest, ConfigError, OsbError } from '../errors';
import type { JsonValue, OperationRequest } from '../operations/types';
import type * as Synth from '../synth';
import type { TerraformJson } from '../synth';
import type { TerraformOutputs } from '../terraform/parse';
import type { RunProgress } from '../terraform/progress';
import type { RunOptions, TerraformRunner } from '../terraform/runner';
import { instanceNameFor, resolveStackProps, type ResolveOptions } from '../topology';
import type { PlanView } from './catalog';
import { DataVolumeReplacementRefused, type AppliedInstance, type ApplyRun, type InstanceProvisioner, type OperationRun, type UpdatedInstance, type UpdateRun } from './provisioner';

/** cdktf and the provider bindings take ~250 ms to load: loaded at the first synthesis, not at broker start. */
let synthModule: Promise<typeof Synth> | undefined;
const synth = (): Promise<typeof Synth> => (synthModule ??= import('../synth'));

export interface TerraformProvisionerOptions {
  readonly catalog: Catalog;
  readonly runner: TerraformRunner;
  /** Deployment-wide target settings that win over catalog.yaml's. @default none */
  readonly targetDefaults?: ResolveOptions['targetDefaults'];
}

export class TerraformProvisioner implements InstanceProvisioner {
  constructor(private readonly options: TerraformProvisionerOptions) {}

  check(instanceId: string, request: OperationRequest, plan: PlanView): void {
    this.#resolve(instanceId, request, this.#catalogPlan(plan));
  }

  async provision(run: ApplyRun): Promise<AppliedInstance> {
    const config = await this.#synthesize(run.instanceId, run.request, this.#catalogPlan(run.plan));
    run.onProgress('Synthesised the stack; starting terraform');
    return this.#apply(run, config);
  }

  async update(run: UpdateRun): Promise<UpdatedInstance> {
    const config = await this.#synthesize(run.instanceId, run.request, this.#catalogPlan(run.plan));
    run.onProgress('Synthesised the stack; planning the update (data volumes are checked before anything is applied)');
    const result = await this.options.runner.update(run.instanceId, config, {
      ...this.#runOptions(run),
      allowDataVolumeReplacement: run.allowDataVolumeReplacement,
    });
    if (result.kind === 'refused') throw new DataVolumeReplacementRefused(result.changes.map((change) => change.resource.address));
    return {
      outputs: publicOutputs(result.outputs),
      dataVolumeChanges: result.dataVolumeChanges.map((change) => ({ address: change.resource.address, action: change.action })),
    };
  }

  async deprovision(run: OperationRun): Promise<void> {
    const result = await this.options.runner.destroy(run.instanceId, {
      ...this.#runOptions(run),
      ...(await this.#destroyConfig(run)),
      ...(run.expectState === true && { expectState: true }),
    });
    run.onProgress(result.destroyed === 0 ? 'Nothing was left to destroy' : `Destroyed ${result.destroyed} resources`);
  }

  async #apply(run: OperationRun, config: TerraformJson): Promise<AppliedInstance> {
    const result = await this.options.runner.apply(run.instanceId, config, this.#runOptions(run));
    return { outputs: publicOutputs(result.outputs) };
  }

  #runOptions(run: OperationRun): RunOptions {
    return {
      signal: run.signal,
      deadline: run.deadline,
      onProgress: (progress: RunProgress) => run.onProgress(progress.message),
      ...(run.leases !== undefined ? { leases: run.leases } : {}),
    };
  }

  /**
   * The configuration to destroy with when the workspace has none of its own (a lost data dir, or with a
   * shared pg/s3 backend another replica provisioned it): re-synthesised from the instance's plan and
   * parameters when the plan is still in the catalog.
   */
  async #destroyConfig(run: OperationRun): Promise<{ config?: TerraformJson }> {
    const plan = this.options.catalog.findPlan(run.request.serviceId, run.request.planId);
    if (plan === undefined || run.request.parameters === undefined) return {};
    try {
      return { config: await this.#synthesize(run.instanceId, run.request, plan) };
    } catch {
      // The workspace's own configuration, if any, is what destroy uses then.
      return {};
    }
  }

  #catalogPlan(plan: PlanView): CatalogPlan {
    const found = this.options.catalog.findPlan(plan.serviceId, plan.planId);
    if (found === undefined) {
      throw new OsbError(422, 'UnprocessableEntity', `plan ${plan.planName} is no longer in the catalog; restore it in catalog.yaml`);
    }
    return found;
  }

  #resolve(instanceId: string, request: OperationRequest, plan: CatalogPlan) {
    try {
      return resolveStackProps(this.options.catalog, plan, (request.parameters ?? {}) as NodeParameters | MevBoostServiceParameters, {
        instanceName: instanceNameFor(instanceId),
        backend: this.options.runner.backendProps(instanceId),
        ...(this.options.targetDefaults !== undefined && { targetDefaults: this.options.targetDefaults }),
      });
    } catch (error) {
      throw asRefusal(error);
    }
  }

  async #synthesize(instanceId: string, request: OperationRequest, plan: CatalogPlan): Promise<TerraformJson> {
    const resolved = this.#resolve(instanceId, request, plan);
    const stackName = instanceNameFor(instanceId);
    const { synthesizeMevBoostStack, synthesizeNodeStack } = await synth();
    try {
      return resolved.kind === 'node' ? synthesizeNodeStack(stackName, resolved.props) : synthesizeMevBoostStack(stackName, resolved.props);
    } catch (error) {
      throw asRefusal(error);
    }
  }
}

/** The outputs kept for bindings: the non-sensitive ones. */
function publicOutputs(outputs: TerraformOutputs): Record<string, JsonValue> {
  const kept: Record<string, JsonValue> = {};
  for (const [name, output] of Object.entries(outputs)) {
    // Values come from `terraform output -json`: JSON by construction.
    if (!output.sensitive) kept[name] = output.value as JsonValue;
  }
  return kept;
}

/** Props the stacks refuse are the request's fault: a 400 (or a refused operation) naming the reason. */
function asRefusal(error: unknown): unknown {
  if (error instanceof ConfigError) return badRequest(`the parameters cannot be deployed: ${error.message}`);
  return error;
}

/**
 * What provision, update, deprovision, fetch and last_operation mean for a service instance: the OSB
 * idempotency and conflict rules, decided under the instance's lock, ending (for the long kinds) with an
 * `in progress` operation persisted before the platform hears 202 and handed to the worker.
 *
 * Rules (OSB v2.17 "Provisioning", "Updating", "Deprovisioning", "Blocking Operations"):
 * - provision: same id with identical attributes (service, plan, parameters, context) -> the running
 *   operation (202) or "already provisioned" (200); different attributes -> 409; a `deprovisioned`
 *   tombstone is replaced by a new incarnation.
 * - Only one instance-level operation at a time: anything else while one runs -> 422 ConcurrencyError,
 *   except a re-sent identical request, which gets the running operation back.
 * - update parameters are merged over the current ones (top-level keys); an update that changes
 *   nothing applies the context synchronously (200).
 * - deprovision of an absent instance or a tombstone -> 410.
 */
import { badRequest, conflict, gone, notFound, OsbError, unprocessable } from '../errors';
import type { Instance, JsonObject, Operation, OperationRequest } from '../operations/types';
import type { Storage } from '../storage/types';
import type { PlanView, ServiceCatalog } from './catalog';
import { jsonEqual } from './json';
import { evaluatePolicies, type ProvisionPolicy } from './policy';
import { ALLOW_DATA_VOLUME_REPLACEMENT, type InstanceProvisioner } from './provisioner';
import { origin, type DeprovisionRequest, type ProvisionRequest, type UpdateRequest } from './requests';
import { concurrency, lastOperationView, type LastOperationView } from './views';

/** Receives operations persisted `in progress` (the worker). */
export interface OperationScheduler {
  enqueue(operationId: string): void;
}

export interface ServiceDeps {
  readonly storage: Storage;
  readonly catalog: ServiceCatalog;
  readonly provisioner: InstanceProvisioner;
  readonly scheduler: OperationScheduler;
  /** Evaluated in order before a provision or update is accepted. */
  readonly policies: readonly ProvisionPolicy[];
  /**
   * The OSB `dashboard_url` of a new instance (a page of the broker's dashboard), when the broker knows
   * the URL its users reach it at. @default no dashboard_url
   */
  readonly dashboardUrlOf?: (instanceId: string) => string;
}

export type ProvisionOutcome =
  | { readonly kind: 'accepted'; readonly operationId: string; readonly dashboardUrl?: string }
  | { readonly kind: 'already-provisioned'; readonly dashboardUrl?: string };

export type UpdateOutcome =
  | { readonly kind: 'accepted'; readonly operationId: string; readonly dashboardUrl?: string }
  | { readonly kind: 'applied' };

export interface InstanceView {
  readonly serviceId: string;
  readonly planId: string;
  /** Secret parameters left out. */
  readonly parameters: JsonObject;
  readonly maintenanceInfo?: { readonly version: string; readonly description?: string };
  readonly dashboardUrl?: string;
}

const QUEUED = 'Queued: waiting for a free terraform worker';

function queuedDescription(warnings: readonly string[]): string {
  return warnings.length === 0 ? QUEUED : `${QUEUED}. Policy warnings: ${warnings.join('; ')}`;
}

export class InstanceService {
  constructor(private readonly deps: ServiceDeps) {}

  async provision(input: ProvisionRequest): Promise<ProvisionOutcome> {
    const plan = this.#requirePlan(input.serviceId, input.planId);
    const parameters = input.parameters ?? {};
    const context = input.context ?? {};
    this.#checkParameters(plan, parameters, 'create');
    const request: OperationRequest = {
      serviceId: input.serviceId,
      planId: input.planId,
      parameters,
      context,
      ...(plan.maintenanceInfo !== undefined && { maintenanceInfoVersion: plan.maintenanceInfo.version }),
    };
    this.deps.provisioner.check(input.instanceId, request, plan);

    const { storage } = this.deps;
    const outcome = await storage.withInstanceLock(input.instanceId, async (): Promise<ProvisionOutcome> => {
      const existing = await storage.getInstance(input.instanceId);
      if (existing !== undefined && existing.state !== 'deprovisioned') {
        return this.#provisionOfExisting(existing, input, parameters, context);
      }
      this.#checkMaintenanceInfo(plan, input.maintenanceInfoVersion);
      const policy = await evaluatePolicies(this.deps.policies, {
        kind: 'provision',
        instanceId: input.instanceId,
        serviceId: input.serviceId,
        planId: input.planId,
        parameters,
      });
      if (policy.verdict === 'refuse') throw new OsbError(422, policy.code, `refused by policy ${policy.policy}: ${policy.message}`);
      const began = await storage.beginOperation({
        kind: 'provision',
        instance: {
          id: input.instanceId,
          serviceId: input.serviceId,
          planId: input.planId,
          parameters,
          context,
          ...(request.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: request.maintenanceInfoVersion }),
          ...(this.deps.dashboardUrlOf !== undefined && { dashboardUrl: this.deps.dashboardUrlOf(input.instanceId) }),
        },
        request,
        description: queuedDescription(policy.warnings),
        ...origin(input),
      });
      return { kind: 'accepted', operationId: began.operation.id, ...dashboard(began.instance) };
    });
    if (outcome.kind === 'accepted') this.deps.scheduler.enqueue(outcome.operationId);
    return outcome;
  }

  async #provisionOfExisting(
    existing: Instance,
    input: ProvisionRequest,
    parameters: JsonObject,
    context: JsonObject,
  ): Promise<ProvisionOutcome> {
    const identical =
      existing.serviceId === input.serviceId &&
      existing.planId === input.planId &&
      jsonEqual(existing.parameters, parameters) &&
      jsonEqual(existing.context, context);
    if (!identical) {
      throw conflict(
        `service instance ${input.instanceId} already exists with different attributes (service, plan, parameters or context); ` +
          'use another instance id, or update the instance (PATCH)',
      );
    }
    switch (existing.state) {
      case 'provisioning': {
        const running = await this.deps.storage.getLatestInstanceOperation(existing.id);
        if (running?.kind === 'provision' && running.state === 'in progress') {
          return { kind: 'accepted', operationId: running.id, ...dashboard(existing) };
        }
        throw concurrency(`service instance ${existing.id}`, running);
      }
      case 'provisioned':
        return { kind: 'already-provisioned', ...dashboard(existing) };
      case 'updating':
      case 'deprovisioning':
        throw concurrency(`service instance ${existing.id}`, await this.deps.storage.getLatestInstanceOperation(existing.id));
      case 'failed':
        throw conflict(
          `service instance ${input.instanceId} exists but its last operation failed; deprovision it (DELETE) before provisioning it again`,
        );
      case 'deprovisioned':
        // The caller handles tombstones as absent.
        throw new Error(`instance ${existing.id} is a tombstone`);
    }
  }

  async update(input: UpdateRequest): Promise<UpdateOutcome> {
    const { storage } = this.deps;
    const outcome = await storage.withInstanceLock(input.instanceId, async (): Promise<UpdateOutcome> => {
      const instance = await this.#requireLiveInstance(input.instanceId, notFound);
      if (input.serviceId !== instance.serviceId) {
        throw badRequest(`service_id "${input.serviceId}" is not the service of instance ${instance.id} ("${instance.serviceId}")`);
      }
      const currentPlan = this.deps.catalog.findPlan(instance.serviceId, instance.planId);
      const targetPlanId = input.planId ?? instance.planId;
      const plan = this.#requirePlan(instance.serviceId, targetPlanId);
      if (targetPlanId !== instance.planId && currentPlan?.planUpdateable !== true) {
        throw new OsbError(
          422,
          'UnprocessableEntity',
          `plan changes are not supported from plan ${currentPlan?.planName ?? instance.planId} (plan_updateable is false); ` +
            'provision a new instance with the other plan instead',
          { instance_usable: true, update_repeatable: false },
        );
      }
      this.#checkMaintenanceInfo(plan, input.maintenanceInfoVersion);

      const { flag: allowReplacement, rest: given } = splitReplacementFlag(input.parameters);
      if (given !== undefined) this.#checkParameters(plan, given, 'update');
      const parameters: JsonObject = { ...instance.parameters, ...given };
      const request: OperationRequest = {
        serviceId: instance.serviceId,
        planId: targetPlanId,
        parameters: allowReplacement === undefined ? parameters : { ...parameters, [ALLOW_DATA_VOLUME_REPLACEMENT]: allowReplacement },
        ...(input.context !== undefined && { context: input.context }),
        ...(plan.maintenanceInfo !== undefined && { maintenanceInfoVersion: plan.maintenanceInfo.version }),
        previousPlanId: input.previousPlanId ?? instance.planId,
      };

      if (instance.state === 'updating') {
        const running = await storage.getLatestInstanceOperation(instance.id);
        if (running?.kind === 'update' && running.state === 'in progress' && sameUpdate(running.request, request)) {
          return { kind: 'accepted', operationId: running.id, ...dashboard(instance) };
        }
        throw concurrency(`service instance ${instance.id}`, running);
      }
      if (instance.state === 'provisioning' || instance.state === 'deprovisioning') {
        throw concurrency(`service instance ${instance.id}`, await storage.getLatestInstanceOperation(instance.id));
      }

      const changesNothing =
        instance.state === 'provisioned' &&
        targetPlanId === instance.planId &&
        jsonEqual(parameters, instance.parameters) &&
        (input.maintenanceInfoVersion === undefined || input.maintenanceInfoVersion === instance.maintenanceInfoVersion);
      if (changesNothing) {
        if (input.context !== undefined && !jsonEqual(input.context, instance.context)) {
          await storage.updateInstance(instance.id, { context: input.context });
        }
        return { kind: 'applied' };
      }

      this.deps.provisioner.check(instance.id, { ...request, parameters }, plan);
      const policy = await evaluatePolicies(this.deps.policies, {
        kind: 'update',
        instanceId: instance.id,
        serviceId: instance.serviceId,
        planId: targetPlanId,
        parameters,
        currentPlanId: instance.planId,
      });
      if (policy.verdict === 'refuse') {
        throw new OsbError(422, policy.code, `refused by policy ${policy.policy}: ${policy.message}`, {
          instance_usable: true,
          update_repeatable: false,
        });
      }
      const began = await storage.beginOperation({
        kind: 'update',
        instanceId: instance.id,
        request,
        description: queuedDescription(policy.warnings),
        ...origin(input),
      });
      return { kind: 'accepted', operationId: began.operation.id, ...dashboard(began.instance) };
    });
    if (outcome.kind === 'accepted') this.deps.scheduler.enqueue(outcome.operationId);
    return outcome;
  }

  async deprovision(input: DeprovisionRequest): Promise<{ readonly operationId: string }> {
    const { storage } = this.deps;
    const operationId = await storage.withInstanceLock(input.instanceId, async (): Promise<string> => {
      const instance = await this.#requireLiveInstance(input.instanceId, gone);
      if (instance.state === 'deprovisioning') {
        const running = await storage.getLatestInstanceOperation(instance.id);
        if (running?.kind === 'deprovision' && running.state === 'in progress') return running.id;
        throw concurrency(`service instance ${instance.id}`, running);
      }
      if (instance.state === 'provisioning' || instance.state === 'updating') {
        throw concurrency(`service instance ${instance.id}`, await storage.getLatestInstanceOperation(instance.id));
      }
      const began = await storage.beginOperation({
        kind: 'deprovision',
        instanceId: instance.id,
        // What was deployed: destroy can re-synthesise it when the workspace holds no configuration.
        request: {
          serviceId: instance.serviceId,
          planId: instance.planId,
          parameters: instance.parameters,
          ...(instance.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: instance.maintenanceInfoVersion }),
        },
        description: QUEUED,
        ...origin(input),
      });
      return began.operation.id;
    });
    this.deps.scheduler.enqueue(operationId);
    return { operationId };
  }

  /**
   * OSB "Fetching a Service Instance": 404 while provisioning (or after a failed provision), 422
   * ConcurrencyError while an update runs.
   */
  async fetch(instanceId: string): Promise<InstanceView> {
    const { storage, catalog } = this.deps;
    const instance = await this.#requireLiveInstance(instanceId, notFound);
    if (instance.state === 'provisioning') {
      throw notFound(`service instance ${instanceId} is still being provisioned; poll last_operation until it succeeds`);
    }
    if (instance.state === 'updating') {
      throw unprocessable('ConcurrencyError', `service instance ${instanceId} is being updated and cannot be fetched now; retry when last_operation reports the update finished`);
    }
    if (instance.state === 'failed') {
      const latest = await storage.getLatestInstanceOperation(instanceId);
      if (latest?.kind === 'provision') {
        throw notFound(`service instance ${instanceId} failed to provision (${latest.description}); deprovision it (DELETE)`);
      }
    }
    const plan = catalog.findPlan(instance.serviceId, instance.planId);
    const secret = plan === undefined ? [] : catalog.secretParameters(plan, 'create');
    const parameters = Object.fromEntries(Object.entries(instance.parameters).filter(([key]) => !secret.includes(key)));
    const maintenanceInfo =
      instance.maintenanceInfoVersion === undefined
        ? undefined
        : {
            version: instance.maintenanceInfoVersion,
            ...(plan?.maintenanceInfo?.version === instance.maintenanceInfoVersion &&
              plan.maintenanceInfo.description !== undefined && { description: plan.maintenanceInfo.description }),
          };
    return {
      serviceId: instance.serviceId,
      planId: instance.planId,
      parameters,
      ...(maintenanceInfo !== undefined && { maintenanceInfo }),
      ...dashboard(instance),
    };
  }

  /**
   * OSB "Polling Last Operation for Service Instances". The `operation` query value selects that
   * operation when it is one of this instance's; otherwise (unknown, stale, absent) the latest is
   * reported: it is a hint, never a reason to fail. After a deprovision the tombstone keeps answering.
   */
  async lastOperation(instanceId: string, operationHint: string | undefined): Promise<LastOperationView> {
    const { storage } = this.deps;
    let operation: Operation | undefined;
    if (operationHint !== undefined) {
      const hinted = await storage.getOperation(operationHint);
      if (hinted !== undefined && hinted.instanceId === instanceId && hinted.bindingId === undefined) operation = hinted;
    }
    operation ??= await storage.getLatestInstanceOperation(instanceId);
    if (operation === undefined) throw notFound(`service instance ${instanceId} does not exist`);
    return lastOperationView(operation);
  }

  #requirePlan(serviceId: string, planId: string): PlanView {
    const { catalog } = this.deps;
    if (!catalog.hasService(serviceId)) {
      throw badRequest(`service_id "${serviceId}" is not a service of this broker's catalog; fetch GET /v2/catalog for the ids`);
    }
    const plan = catalog.findPlan(serviceId, planId);
    if (plan === undefined) {
      throw badRequest(`plan_id "${planId}" is not a plan of service ${serviceId}; fetch GET /v2/catalog for the ids`);
    }
    return plan;
  }

  #checkParameters(plan: PlanView, parameters: JsonObject, phase: 'create' | 'update'): void {
    const problems = this.deps.catalog.validateParameters(plan, parameters, phase);
    if (problems.length > 0) {
      throw badRequest(`invalid parameters for plan ${plan.planName}: ${problems.map((p) => p.message).join('; ')}`);
    }
  }

  #checkMaintenanceInfo(plan: PlanView, requested: string | undefined): void {
    if (requested === undefined || requested === plan.maintenanceInfo?.version) return;
    throw unprocessable(
      'MaintenanceInfoConflict',
      plan.maintenanceInfo === undefined
        ? `maintenance_info.version "${requested}" was given but plan ${plan.planName} declares no maintenance_info; fetch the catalog again`
        : `maintenance_info.version "${requested}" does not match plan ${plan.planName}'s "${plan.maintenanceInfo.version}": the maintenance information for the plan has changed; fetch the catalog again`,
    );
  }

  async #requireLiveInstance(instanceId: string, missing: (description: string) => OsbError): Promise<Instance> {
    const instance = await this.deps.storage.getInstance(instanceId);
    if (instance === undefined) throw missing(`service instance ${instanceId} does not exist`);
    if (instance.state === 'deprovisioned') throw missing(`service instance ${instanceId} was deprovisioned`);
    return instance;
  }
}

/** `allow_data_volume_replacement` is an instruction for one update, not a setting the instance keeps. */
function splitReplacementFlag(parameters: JsonObject | undefined): { flag?: boolean; rest?: JsonObject } {
  if (parameters === undefined || !(ALLOW_DATA_VOLUME_REPLACEMENT in parameters)) return parameters === undefined ? {} : { rest: parameters };
  const { [ALLOW_DATA_VOLUME_REPLACEMENT]: flag, ...rest } = parameters;
  if (typeof flag !== 'boolean') {
    throw badRequest(`parameters.${ALLOW_DATA_VOLUME_REPLACEMENT} must be true or false, got ${JSON.stringify(flag)}`);
  }
  return { flag, rest };
}

function sameUpdate(running: OperationRequest, next: OperationRequest): boolean {
  return running.planId === next.planId && jsonEqual(running.parameters, next.parameters) && running.maintenanceInfoVersion === next.maintenanceInfoVersion;
}

function dashboard(instance: Instance): { dashboardUrl?: string } {
  return instance.dashboardUrl === undefined ? {} : { dashboardUrl: instance.dashboardUrl };
}

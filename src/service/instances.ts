/**
 * What provision, update, deprovision, fetch and last_operation mean for a service instance: the OSB
 * idempotency and conflict rules, decided under the instance's lock, ending (for the long kinds) with an
 * `in progress` operation persisted before the platform hears 202 and handed to the worker.
 *
 * Rules (OSB v2.17 "Provisioning", "Updating", "Deprovisioning", "Blocking Operations"):
 * - Order of checks: the request's own validity (ids, parameters, maintenance_info: 400/422) before
 *   existence (404/410), then conflicts and state.
 * - provision: same id with identical attributes (service, plan, parameters, context) -> the running
 *   operation (202) or "already provisioned" (200); different attributes -> 409; a `deprovisioned`
 *   tombstone is replaced by a new incarnation. After a failed provision an identical PUT is the
 *   platform's retry: a new provision attempt (202).
 * - A stale maintenance_info.version -> 422 MaintenanceInfoConflict, for existing instances too.
 * - Only one instance-level operation at a time: anything else while one runs -> 422 ConcurrencyError,
 *   except a re-sent identical request, which gets the running operation back.
 * - update parameters are merged over the current ones (top-level keys), and what results must satisfy
 *   the target plan as a provision would (400 naming the field) before 202; an update that changes
 *   nothing applies the context synchronously (200). A never-provisioned (failed) instance has nothing to
 *   update (422: retry the provision or deprovision).
 * - deprovision of an absent instance or a tombstone -> 410; service_id / plan_id that are not the
 *   instance's -> 400, nothing destroyed.
 * - Policies that read shared state (the diversity ledger of a network) are evaluated and the operation
 *   stored under a named lock per that state, taken before the instance lock.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, gone, notFound, OsbError, unprocessable } from '../errors';
import type { Instance, JsonObject, OperationRequest, OperationStatus } from '../operations/types';
import { LockTimeoutError } from '../storage/errors';
import type { Storage } from '../storage/types';
import type { PlanView, ServiceCatalog } from './catalog';
import { jsonEqual } from '../json';
import { evaluatePolicies, serializationKeys, warningText, type PolicyRequest, type PolicyWarning, type ProvisionPolicy } from './policy';
import { ALLOW_DATA_VOLUME_REPLACEMENT, type InstanceProvisioner } from './provisioner';
import { checkFetchIds, origin, requireOwnIds, type DeprovisionRequest, type FetchIds, type ProvisionRequest, type UpdateRequest } from './requests';
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
  readonly dashboardUrlOf?: (dashboardId: string) => string;
  /** OSB `metadata.labels` of a fetched instance (fork readiness). @default none */
  readonly instanceLabels?: (instance: Instance) => Readonly<Record<string, string>>;
  /**
   * OVSB_GATEWAY_URL: the RPC gateway's public URL. Binding credentials then give the gateway's URLs for the
   * instance in place of the direct node URLs. @default the node URLs
   */
  readonly gatewayUrl?: string;
}

/**
 * An instance's dashboard id: random, so its unauthenticated dashboard page neither confirms instance ids
 * nor can be found by guessing one (144 bits, URL-safe).
 */
export const newDashboardId = (): string => randomBytes(18).toString('base64url');

/** An operation persisted `in progress`; `warnings` are the policies' for a newly accepted one (log them). */
export interface Accepted {
  readonly kind: 'accepted';
  readonly operationId: string;
  readonly dashboardUrl?: string;
  readonly warnings: readonly PolicyWarning[];
}

export type ProvisionOutcome = Accepted | { readonly kind: 'already-provisioned'; readonly dashboardUrl?: string };

export type UpdateOutcome = Accepted | { readonly kind: 'applied' };

export interface InstanceView {
  readonly serviceId: string;
  readonly planId: string;
  /** Secret parameters left out. */
  readonly parameters: JsonObject;
  readonly maintenanceInfo?: { readonly version: string; readonly description?: string };
  readonly dashboardUrl?: string;
  /** OSB `metadata.labels` (e.g. fork readiness). @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

const QUEUED = 'Queued: waiting for a free terraform worker';

function queuedDescription(warnings: readonly PolicyWarning[]): string {
  return warnings.length === 0 ? QUEUED : `${QUEUED}. Policy warnings: ${warnings.map(warningText).join('; ')}`;
}

/** The warnings travel with the operation so its final description keeps them (the worker appends them). */
function withWarnings(request: OperationRequest, warnings: readonly PolicyWarning[]): OperationRequest {
  return warnings.length === 0 ? request : { ...request, policyWarnings: warnings.map(warningText) };
}

export class InstanceService {
  constructor(private readonly deps: ServiceDeps) {}

  async provision(input: ProvisionRequest): Promise<ProvisionOutcome> {
    const plan = this.#requirePlan(input.serviceId, input.planId);
    const parameters = input.parameters ?? {};
    const context = input.context ?? {};
    this.#checkParameters(plan, parameters, 'create');
    // Part of the request's validity: a stale version is refused for new and existing instances alike.
    this.#checkMaintenanceInfo(plan, input.maintenanceInfoVersion);
    const request: OperationRequest = {
      serviceId: input.serviceId,
      planId: input.planId,
      parameters,
      context,
      ...(plan.maintenanceInfo !== undefined && { maintenanceInfoVersion: plan.maintenanceInfo.version }),
    };
    this.deps.provisioner.check(input.instanceId, request, plan);
    const policyRequest: PolicyRequest = {
      kind: 'provision',
      instanceId: input.instanceId,
      serviceId: input.serviceId,
      planId: input.planId,
      parameters,
    };

    const { storage } = this.deps;
    const locks = serializationKeys(this.deps.policies, policyRequest);
    const outcome = await this.#serialized(locks, () =>
      storage.withInstanceLock(input.instanceId, async (): Promise<ProvisionOutcome> => {
        const existing = await storage.getInstance(input.instanceId);
        if (existing !== undefined && existing.state !== 'deprovisioned') {
          return this.#provisionOfExisting(existing, input, request, policyRequest);
        }
        const warnings = await this.#admit(policyRequest, {});
        const began = await storage.beginOperation({
          kind: 'provision',
          instance: {
            id: input.instanceId,
            serviceId: input.serviceId,
            planId: input.planId,
            parameters,
            context,
            ...(request.maintenanceInfoVersion !== undefined && { maintenanceInfoVersion: request.maintenanceInfoVersion }),
            ...(this.deps.dashboardUrlOf !== undefined && { dashboardUrl: this.deps.dashboardUrlOf(newDashboardId()) }),
          },
          request: withWarnings(request, warnings),
          description: queuedDescription(warnings),
          ...origin(input),
        });
        return { kind: 'accepted', operationId: began.operation.id, warnings, ...dashboard(began.instance) };
      }),
    );
    if (outcome.kind === 'accepted') this.deps.scheduler.enqueue(outcome.operationId);
    return outcome;
  }

  async #provisionOfExisting(existing: Instance, input: ProvisionRequest, request: OperationRequest, policyRequest: PolicyRequest): Promise<ProvisionOutcome> {
    const identical =
      existing.serviceId === input.serviceId &&
      existing.planId === input.planId &&
      jsonEqual(existing.parameters, request.parameters) &&
      jsonEqual(existing.context, request.context);
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
          return { kind: 'accepted', operationId: running.id, warnings: [], ...dashboard(existing) };
        }
        throw concurrency(`service instance ${existing.id}`, running);
      }
      case 'provisioned':
        return { kind: 'already-provisioned', ...dashboard(existing) };
      case 'updating':
      case 'deprovisioning':
        throw concurrency(`service instance ${existing.id}`, await this.deps.storage.getLatestInstanceOperation(existing.id));
      case 'failed': {
        // Provisioned once, then an update or deprovision failed: it exists with these attributes (its
        // last_operation tells the platform it is not usable).
        if (await this.#everProvisioned(existing)) return { kind: 'already-provisioned', ...dashboard(existing) };
        // The platform retries a provision that failed: a new attempt (terraform apply is idempotent).
        const warnings = await this.#admit(policyRequest, {});
        const began = await this.deps.storage.beginProvisionRetry({
          instanceId: existing.id,
          request: withWarnings(request, warnings),
          description: queuedDescription(warnings),
          ...origin(input),
        });
        return { kind: 'accepted', operationId: began.operation.id, warnings, ...dashboard(began.instance) };
      }
      case 'deprovisioned':
        // The caller handles tombstones as absent.
        throw new Error(`instance ${existing.id} is a tombstone`);
    }
  }

  async update(input: UpdateRequest): Promise<UpdateOutcome> {
    const { storage, catalog } = this.deps;
    // The request's own validity first (OSB: before existence); what needs the instance's plan follows.
    this.#requireService(input.serviceId);
    const requestedPlan = input.planId === undefined ? undefined : this.#requirePlan(input.serviceId, input.planId);
    const { flag: allowReplacement, rest: given } = splitReplacementFlag(input.parameters);
    if (requestedPlan !== undefined) {
      if (given !== undefined) this.#checkParameters(requestedPlan, given, 'update');
      this.#checkMaintenanceInfo(requestedPlan, input.maintenanceInfoVersion);
    }

    // The policies' lock names depend on the instance's plan: read unlocked, confirmed under the lock.
    const peek = await storage.getInstance(input.instanceId);
    const locks =
      peek === undefined || peek.state === 'deprovisioned'
        ? []
        : serializationKeys(this.deps.policies, updatePolicyRequest(peek, input.planId ?? peek.planId, { ...peek.parameters, ...given }));
    const outcome = await this.#serialized(locks, () =>
      storage.withInstanceLock(input.instanceId, async (): Promise<UpdateOutcome> => {
        const instance = await this.#requireLiveInstance(input.instanceId, notFound);
        if (input.serviceId !== instance.serviceId) {
          throw badRequest(`service_id "${input.serviceId}" is not the service of instance ${instance.id} ("${instance.serviceId}")`);
        }
        const currentPlan = catalog.findPlan(instance.serviceId, instance.planId);
        const targetPlanId = input.planId ?? instance.planId;
        const plan = requestedPlan ?? currentPlan;
        if (plan === undefined) {
          throw unprocessable(
            'UnprocessableEntity',
            `plan ${instance.planId} of instance ${instance.id} is no longer in the catalog; change the plan (plan_id) or deprovision the instance`,
          );
        }
        if (requestedPlan === undefined) {
          if (given !== undefined) this.#checkParameters(plan, given, 'update');
          this.#checkMaintenanceInfo(plan, input.maintenanceInfoVersion);
        }
        // What the platform may rely on after a refusal: the instance is as it was.
        const asItWas = { instance_usable: instance.state !== 'failed', update_repeatable: false };
        if (targetPlanId !== instance.planId && currentPlan?.planUpdateable !== true) {
          throw new OsbError(
            422,
            'UnprocessableEntity',
            `plan changes are not supported from plan ${currentPlan?.planName ?? instance.planId} (plan_updateable is false); ` +
              'provision a new instance with the other plan instead',
            asItWas,
          );
        }

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
            return { kind: 'accepted', operationId: running.id, warnings: [], ...dashboard(instance) };
          }
          throw concurrency(`service instance ${instance.id}`, running);
        }
        if (instance.state === 'provisioning' || instance.state === 'deprovisioning') {
          throw concurrency(`service instance ${instance.id}`, await storage.getLatestInstanceOperation(instance.id));
        }
        if (instance.state === 'failed' && !(await this.#everProvisioned(instance))) {
          throw new OsbError(
            422,
            'UnprocessableEntity',
            `service instance ${instance.id} failed to provision, so it has nothing to update; retry the provision ` +
              '(PUT with the same service, plan, parameters and context) or deprovision it (DELETE)',
            { instance_usable: false, update_repeatable: false },
          );
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

        // The instance as it will be must satisfy the target plan as a provision would, before 202:
        // merged parameters against the plan's requirements, then the stack they resolve to.
        this.#checkParameters(plan, parameters, 'create', 'with the update merged over the instance\'s current parameters');
        this.deps.provisioner.check(instance.id, { ...request, parameters }, plan);
        const policyRequest = updatePolicyRequest(instance, targetPlanId, parameters);
        if (!serializationKeys(this.deps.policies, policyRequest).every((name) => locks.includes(name))) {
          throw unprocessable('ConcurrencyError', `service instance ${instance.id} changed while this update waited; retry it`);
        }
        const warnings = await this.#admit(policyRequest, asItWas);
        const began = await storage.beginOperation({
          kind: 'update',
          instanceId: instance.id,
          request: withWarnings(request, warnings),
          description: queuedDescription(warnings),
          ...origin(input),
        });
        return { kind: 'accepted', operationId: began.operation.id, warnings, ...dashboard(began.instance) };
      }),
    );
    if (outcome.kind === 'accepted') this.deps.scheduler.enqueue(outcome.operationId);
    return outcome;
  }

  async deprovision(input: DeprovisionRequest): Promise<{ readonly operationId: string }> {
    const { storage } = this.deps;
    const operationId = await storage.withInstanceLock(input.instanceId, async (): Promise<string> => {
      const instance = await this.#requireLiveInstance(input.instanceId, gone);
      const running = instance.state === 'provisioned' || instance.state === 'failed' ? undefined : await storage.getLatestInstanceOperation(instance.id);
      // A wrong id never destroys anything. While an update runs, the plan it changes to is the platform's too.
      const plans = [instance.planId, ...(running?.kind === 'update' && running.state === 'in progress' ? [running.request.planId] : [])];
      requireOwnIds(`service instance ${instance.id}`, input, instance.serviceId, plans, 'nothing was deprovisioned');
      if (instance.state === 'deprovisioning') {
        if (running?.kind === 'deprovision' && running.state === 'in progress') return running.id;
        throw concurrency(`service instance ${instance.id}`, running);
      }
      if (instance.state === 'provisioning' || instance.state === 'updating') {
        throw concurrency(`service instance ${instance.id}`, running);
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
  async fetch(instanceId: string, ids: FetchIds = {}): Promise<InstanceView> {
    const { storage, catalog } = this.deps;
    const instance = await this.#requireLiveInstance(instanceId, notFound);
    checkFetchIds(`service instance ${instanceId}`, ids, instance.serviceId, instance.planId);
    if (instance.state === 'provisioning') {
      throw notFound(`service instance ${instanceId} is still being provisioned; poll last_operation until it succeeds`);
    }
    if (instance.state === 'updating') {
      throw unprocessable('ConcurrencyError', `service instance ${instanceId} is being updated and cannot be fetched now; retry when last_operation reports the update finished`);
    }
    if (instance.state === 'failed' && !(await this.#everProvisioned(instance))) {
      const latest = await storage.getLatestInstanceOperation(instanceId);
      const why = latest?.kind === 'provision' ? ` (${latest.description})` : '';
      throw notFound(`service instance ${instanceId} failed to provision${why}; retry the provision (PUT) or deprovision it (DELETE)`);
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
    const labels = this.deps.instanceLabels?.(instance) ?? {};
    return {
      serviceId: instance.serviceId,
      planId: instance.planId,
      parameters,
      ...(maintenanceInfo !== undefined && { maintenanceInfo }),
      ...dashboard(instance),
      ...(Object.keys(labels).length > 0 && { labels }),
    };
  }

  /**
   * OSB "Polling Last Operation for Service Instances". The `operation` query value selects that
   * operation when it is one of this instance's; otherwise (unknown, stale, absent) the latest is
   * reported: it is a hint, never a reason to fail. After a deprovision the tombstone keeps answering.
   */
  async lastOperation(instanceId: string, operationHint: string | undefined): Promise<LastOperationView> {
    const operation = await this.deps.storage.getOperationStatus(instanceId, undefined, operationHint);
    if (operation === undefined) throw notFound(`service instance ${instanceId} does not exist`);
    return lastOperationView(operation, await this.#usableAfter(instanceId, operation));
  }

  /**
   * A failed update/deprovision that did not say whether the instance is usable (it was refused before
   * anything changed) left it as it was: whether it is usable now, when this is its latest operation.
   */
  async #usableAfter(instanceId: string, operation: OperationStatus): Promise<boolean | undefined> {
    if (operation.state !== 'failed' || operation.instanceUsable !== undefined || (operation.kind !== 'update' && operation.kind !== 'deprovision')) {
      return undefined;
    }
    const [instance, latest] = await Promise.all([
      this.deps.storage.getInstance(instanceId),
      this.deps.storage.getOperationStatus(instanceId, undefined, undefined),
    ]);
    return instance === undefined || latest?.id !== operation.id ? undefined : instance.state !== 'failed';
  }

  /** Runs `fn` holding the named locks (the policies' shared state), taken in the given (sorted) order. */
  async #serialized<T>(names: readonly string[], fn: () => Promise<T>): Promise<T> {
    const [first, ...rest] = names;
    if (first === undefined) return fn();
    let acquired = false;
    try {
      return await this.deps.storage.withNamedLock(first, () => {
        acquired = true;
        return this.#serialized(rest, fn);
      });
    } catch (error) {
      if (acquired || !(error instanceof LockTimeoutError)) throw error;
      throw unprocessable('ConcurrencyError', `other provisions and updates are being decided on ${first} right now; retry shortly`);
    }
  }

  /** The policies' verdict: throws their refusal (422), returns their warnings. */
  async #admit(request: PolicyRequest, extra: Readonly<Record<string, unknown>>): Promise<readonly PolicyWarning[]> {
    const policy = await evaluatePolicies(this.deps.policies, request);
    if (policy.verdict === 'refuse') throw new OsbError(422, policy.code, `refused by policy ${policy.policy}: ${policy.message}`, extra);
    return policy.warnings;
  }

  /** Whether a provision of this incarnation ever succeeded: a `failed` instance may never have been usable. */
  async #everProvisioned(instance: Instance): Promise<boolean> {
    const succeeded = await this.deps.storage.listOperations({
      instanceId: instance.id,
      kinds: ['provision'],
      states: ['succeeded'],
      since: instance.createdAt,
      limit: 1,
    });
    return succeeded.length > 0;
  }

  #requireService(serviceId: string): void {
    if (!this.deps.catalog.hasService(serviceId)) {
      throw badRequest(`service_id "${serviceId}" is not a service of this broker's catalog; fetch GET /v2/catalog for the ids`);
    }
  }

  #requirePlan(serviceId: string, planId: string): PlanView {
    this.#requireService(serviceId);
    const plan = this.deps.catalog.findPlan(serviceId, planId);
    if (plan === undefined) {
      throw badRequest(`plan_id "${planId}" is not a plan of service ${serviceId}; fetch GET /v2/catalog for the ids`);
    }
    return plan;
  }

  #checkParameters(plan: PlanView, parameters: JsonObject, phase: 'create' | 'update', which?: string): void {
    const problems = this.deps.catalog.validateParameters(plan, parameters, phase);
    if (problems.length > 0) {
      throw badRequest(`invalid parameters for plan ${plan.planName}${which === undefined ? '' : ` ${which}`}: ${problems.map((p) => p.message).join('; ')}`);
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

function updatePolicyRequest(instance: Instance, planId: string, parameters: JsonObject): PolicyRequest {
  return { kind: 'update', instanceId: instance.id, serviceId: instance.serviceId, planId, parameters, currentPlanId: instance.planId };
}

function sameUpdate(running: OperationRequest, next: OperationRequest): boolean {
  return running.planId === next.planId && jsonEqual(running.parameters, next.parameters) && running.maintenanceInfoVersion === next.maintenanceInfoVersion;
}

function dashboard(instance: Instance): { dashboardUrl?: string } {
  return instance.dashboardUrl === undefined ? {} : { dashboardUrl: instance.dashboardUrl };
}

/**
 * What bind, unbind, fetch and last_operation mean for a service binding.
 *
 * Binding is synchronous: credentials are the instance's stored terraform outputs plus a fresh
 * per-binding token, so the answer is complete when it is sent (201, or 200 for an identical re-sent
 * PUT). `accepts_incomplete=true` is allowed and needs no different answer (OSB "Synchronous
 * Operations"). Each bind/unbind is still recorded as an operation (audit trail, binding last_operation),
 * begun, claimed and completed under the instance's lock: a crash in between leaves an operation the
 * worker's recovery finishes.
 *
 * Rules: the request's own validity (ids, parameters: 400) is checked before the instance's existence
 * (404); the instance must be provisioned (422 ConcurrencyError while an instance operation runs);
 * identical re-sent bind -> 200 with the same credentials; different attributes -> 409; unbind of an
 * absent binding -> 410; unbind with service_id / plan_id that are not the binding's -> 400, nothing
 * revoked; one operation per binding at a time (422 ConcurrencyError).
 */
import { generateToken, hashToken, TOKEN_PREFIX } from '../crypto/tokens';
import { badRequest, conflict, gone, notFound, unprocessable, type OsbError } from '../errors';
import type { Binding, BindingEndpoint, Instance, JsonObject, Operation, OperationRequest } from '../operations/types';
import type { PlanView } from './catalog';
import { grantedScopes } from './binding-scopes';
import { bindingCredentials, type IssuedCredentials } from './credentials';
import type { ServiceDeps } from './instances';
import { jsonEqual } from '../json';
import { checkFetchIds, origin, requireOwnIds, type BindRequest, type FetchIds, type UnbindRequest } from './requests';
import { concurrency, lastOperationView, type LastOperationView } from './views';

export interface BindingView {
  readonly credentials: JsonObject;
  readonly endpoints: readonly BindingEndpoint[];
  /** Secret parameters left out. */
  readonly parameters: JsonObject;
}

/** RFC 7662-shaped answer for a binding token. */
export type Introspection =
  | { readonly active: false }
  | {
      readonly active: true;
      /** Space-separated scopes. */
      readonly scope: string;
      readonly instanceId: string;
      readonly bindingId: string;
      readonly serviceId: string;
      readonly planId: string;
      readonly issuedAt: Date;
    };

/** Instance states in which its bindings' tokens work. */
const SERVING_STATES: ReadonlySet<Instance['state']> = new Set(['provisioned', 'updating']);

export type BindOutcome =
  | ({ readonly kind: 'created' } & BindingView)
  | ({ readonly kind: 'already-bound' } & BindingView);

export class BindingService {
  constructor(private readonly deps: Pick<ServiceDeps, 'storage' | 'catalog' | 'gatewayUrl'>) {}

  async bind(input: BindRequest): Promise<BindOutcome> {
    const { storage } = this.deps;
    this.#checkRequest(input);
    return storage.withInstanceLock(input.instanceId, async (): Promise<BindOutcome> => {
      const instance = await storage.getInstance(input.instanceId);
      if (instance === undefined || instance.state === 'deprovisioned') {
        throw notFound(`service instance ${input.instanceId} does not exist; provision it before binding`);
      }
      const plan = this.#planOf(instance, input);
      const { parameters, bindResource, scopes } = await this.#bindAttributes(instance, plan, input);

      const existing = await storage.getBinding(instance.id, input.bindingId);
      if (existing !== undefined && existing.state !== 'deleted') {
        return this.#bindOfExisting(existing, instance, parameters, bindResource, input.context ?? {});
      }
      requireUsable(instance, await storage.getLatestInstanceOperation(instance.id));

      const request: OperationRequest = {
        serviceId: instance.serviceId,
        planId: instance.planId,
        parameters,
        context: input.context ?? {},
        ...(bindResource !== undefined && { bindResource }),
        ...(input.predecessorBindingId !== undefined && { predecessorBindingId: input.predecessorBindingId }),
      };
      const began = await storage.beginOperation({
        kind: 'bind',
        binding: {
          scopes,
          id: input.bindingId,
          instanceId: instance.id,
          serviceId: instance.serviceId,
          planId: instance.planId,
          parameters,
          context: input.context ?? {},
          ...(bindResource !== undefined && { bindResource }),
        },
        request,
        description: 'Issuing credentials',
        ...origin(input),
      });
      const operationId = began.operation.id;
      if ((await storage.claimOperation(operationId)) === undefined) {
        throw new Error(`bind operation ${operationId} was taken by another worker right after it began`);
      }
      let issued: IssuedCredentials;
      const token = generateToken();
      try {
        issued = bindingCredentials(instance.outputs, token, scopes, this.deps.gatewayUrl === undefined ? {} : { gateway: { url: this.deps.gatewayUrl, instanceId: instance.id } });
      } catch (error) {
        await storage.completeOperation(operationId, { state: 'failed', description: `Credentials could not be issued: ${(error as Error).message}` });
        throw error;
      }
      await storage.completeOperation(operationId, {
        state: 'succeeded',
        description: 'Bound: credentials issued',
        binding: { credentials: issued.credentials, endpoints: issued.endpoints, tokenHash: hashToken(token) },
      });
      return { kind: 'created', credentials: issued.credentials, endpoints: issued.endpoints, parameters: this.#visible(plan, parameters) };
    });
  }

  async unbind(input: UnbindRequest): Promise<void> {
    const { storage } = this.deps;
    await storage.withInstanceLock(input.instanceId, async () => {
      const binding = await storage.getBinding(input.instanceId, input.bindingId);
      if (binding === undefined || binding.state === 'deleted') {
        throw gone(`service binding ${input.bindingId} of instance ${input.instanceId} does not exist`);
      }
      // The binding's plan, or after a plan change of its instance the instance's current plan.
      const instance = await storage.getInstance(binding.instanceId);
      const plans = [...new Set([...(instance === undefined ? [] : [instance.planId]), binding.planId])];
      requireOwnIds(`service binding ${binding.id} of instance ${binding.instanceId}`, input, binding.serviceId, plans, 'nothing was unbound');
      if (binding.state === 'creating' || binding.state === 'deleting') {
        throw concurrency(`service binding ${binding.id}`, await storage.getLatestBindingOperation(binding.instanceId, binding.id));
      }
      const began = await storage.beginOperation({
        kind: 'unbind',
        instanceId: binding.instanceId,
        bindingId: binding.id,
        request: { serviceId: binding.serviceId, planId: binding.planId },
        description: 'Revoking credentials',
        ...origin(input),
      });
      if ((await storage.claimOperation(began.operation.id)) === undefined) {
        throw new Error(`unbind operation ${began.operation.id} was taken by another worker right after it began`);
      }
      await storage.completeOperation(began.operation.id, { state: 'succeeded', description: 'Unbound: credentials revoked' });
    });
  }

  /**
   * Whether a token is live and what it grants. Inactive for anything unknown, revoked (unbind starts by
   * making the binding `deleting`), or whose instance no longer serves; the answer never says which.
   */
  async introspect(token: string): Promise<Introspection> {
    if (!token.startsWith(TOKEN_PREFIX)) return { active: false };
    const binding = await this.deps.storage.findBindingByTokenHash(hashToken(token));
    if (binding === undefined || binding.state !== 'created' || binding.revokedAt !== undefined) return { active: false };
    const instance = await this.deps.storage.getInstance(binding.instanceId);
    if (instance === undefined || !SERVING_STATES.has(instance.state)) return { active: false };
    return {
      active: true,
      scope: binding.scopes.join(' '),
      instanceId: binding.instanceId,
      bindingId: binding.id,
      serviceId: binding.serviceId,
      planId: binding.planId,
      issuedAt: binding.createdAt,
    };
  }

  /** OSB "Fetching a Service Binding": 404 unless the binding exists and its creation finished. */
  async fetch(instanceId: string, bindingId: string, ids: FetchIds = {}): Promise<BindingView> {
    const binding = await this.deps.storage.getBinding(instanceId, bindingId);
    if (binding === undefined || binding.state === 'deleted') throw notFound(`service binding ${bindingId} of instance ${instanceId} does not exist`);
    checkFetchIds(`service binding ${bindingId}`, ids, binding.serviceId, binding.planId);
    if (binding.state === 'creating') throw notFound(`service binding ${bindingId} is still being created; poll its last_operation`);
    if (binding.state === 'failed') throw notFound(`service binding ${bindingId} failed to be created; unbind it (DELETE)`);
    const plan = this.deps.catalog.findPlan(binding.serviceId, binding.planId);
    return { credentials: binding.credentials, endpoints: binding.endpoints, parameters: this.#visible(plan, binding.parameters) };
  }

  /** OSB "Polling Last Operation for Service Bindings"; `operation` is a hint as for instances. */
  async lastOperation(instanceId: string, bindingId: string, operationHint: string | undefined): Promise<LastOperationView> {
    const operation = await this.deps.storage.getOperationStatus(instanceId, bindingId, operationHint);
    if (operation === undefined) throw notFound(`service binding ${bindingId} of instance ${instanceId} does not exist`);
    return lastOperationView(operation);
  }

  /** What the request alone decides (OSB: before the instance's existence): ids, and parameters unless rotating. */
  #checkRequest(input: BindRequest): void {
    const { catalog } = this.deps;
    if (input.predecessorBindingId === undefined && (input.serviceId === undefined || input.planId === undefined)) {
      throw badRequest(`${input.serviceId === undefined ? 'service_id' : 'plan_id'} is required in the bind request body`);
    }
    if (input.serviceId === undefined) return;
    if (!catalog.hasService(input.serviceId)) {
      throw badRequest(`service_id "${input.serviceId}" is not a service of this broker's catalog; fetch GET /v2/catalog for the ids`);
    }
    if (input.planId === undefined) return;
    const plan = catalog.findPlan(input.serviceId, input.planId);
    if (plan === undefined) {
      throw badRequest(`plan_id "${input.planId}" is not a plan of service ${input.serviceId}; fetch GET /v2/catalog for the ids`);
    }
    if (input.predecessorBindingId === undefined) this.#checkParameters(plan, input.parameters ?? {});
  }

  #checkParameters(plan: PlanView, parameters: JsonObject): void {
    const problems = this.deps.catalog.validateParameters(plan, parameters, 'bind');
    if (problems.length > 0) {
      throw badRequest(`invalid parameters for binding to plan ${plan.planName}: ${problems.map((p) => p.message).join('; ')}`);
    }
  }

  #planOf(instance: Instance, input: BindRequest): PlanView {
    if (input.serviceId !== undefined && input.serviceId !== instance.serviceId) {
      throw badRequest(`service_id "${input.serviceId}" is not the service of instance ${instance.id} ("${instance.serviceId}")`);
    }
    if (input.planId !== undefined && input.planId !== instance.planId) {
      throw badRequest(`plan_id "${input.planId}" is not the plan of instance ${instance.id} ("${instance.planId}")`);
    }
    const plan = this.deps.catalog.findPlan(instance.serviceId, instance.planId);
    if (plan === undefined) {
      throw unprocessable('UnprocessableEntity', `plan ${instance.planId} of instance ${instance.id} is no longer in the catalog; new bindings cannot be created`);
    }
    if (!plan.bindable) throw badRequest(`plan ${plan.planName} is not bindable`);
    return plan;
  }

  /** Parameters and bind_resource of the new binding: the request's, or the predecessor's when rotating. */
  async #bindAttributes(
    instance: Instance,
    plan: PlanView,
    input: BindRequest,
  ): Promise<{ parameters: JsonObject; bindResource: JsonObject | undefined; scopes: readonly string[] }> {
    if (input.predecessorBindingId === undefined) {
      if (plan.requiresApp && typeof input.bindResource?.['app_guid'] !== 'string') {
        throw unprocessable(
          'RequiresApp',
          `plan ${plan.planName} issues credentials to applications only: add bind_resource.app_guid naming the application to bind`,
        );
      }
      const parameters = input.parameters ?? {};
      this.#checkParameters(plan, parameters);
      return { parameters, bindResource: input.bindResource, scopes: grantedScopes(instance.id, this.deps.catalog.scopeAllowance(plan), parameters['scopes'] as readonly string[] | undefined) };
    }
    if (!plan.bindingRotatable) {
      throw badRequest(`plan ${plan.planName} does not support binding rotation (binding_rotatable is false); create a new binding without predecessor_binding_id`);
    }
    const predecessor = await this.deps.storage.getBinding(instance.id, input.predecessorBindingId);
    if (predecessor === undefined || predecessor.state !== 'created') {
      throw badRequest(`predecessor_binding_id "${input.predecessorBindingId}" is not an active binding of instance ${instance.id}`);
    }
    return { parameters: predecessor.parameters, bindResource: predecessor.bindResource, scopes: predecessor.scopes };
  }

  #bindOfExisting(
    existing: Binding,
    instance: Instance,
    parameters: JsonObject,
    bindResource: JsonObject | undefined,
    context: JsonObject,
  ): BindOutcome {
    const identical =
      jsonEqual(existing.parameters, parameters) && jsonEqual(existing.bindResource, bindResource) && jsonEqual(existing.context, context);
    if (!identical) {
      throw conflict(`service binding ${existing.id} of instance ${instance.id} already exists with different parameters or bind_resource; use another binding id`);
    }
    switch (existing.state) {
      case 'created': {
        const plan = this.deps.catalog.findPlan(existing.serviceId, existing.planId);
        return { kind: 'already-bound', credentials: existing.credentials, endpoints: existing.endpoints, parameters: this.#visible(plan, existing.parameters) };
      }
      case 'creating':
      case 'deleting':
        throw unprocessable('ConcurrencyError', `service binding ${existing.id} is being ${existing.state === 'creating' ? 'created' : 'deleted'}; retry when it has finished`);
      case 'failed':
        throw conflict(`service binding ${existing.id} exists but failed to be created; unbind it (DELETE) before binding again`);
      case 'deleted':
        throw new Error(`binding ${existing.id} is a tombstone`);
    }
  }

  #visible(plan: PlanView | undefined, parameters: JsonObject): JsonObject {
    const secret = plan === undefined ? [] : this.deps.catalog.secretParameters(plan, 'bind');
    return Object.fromEntries(Object.entries(parameters).filter(([key]) => !secret.includes(key)));
  }
}

/** New bindings need a provisioned instance with nothing running on it. */
function requireUsable(instance: Instance, latest: Operation | undefined): void {
  switch (instance.state) {
    case 'provisioned':
      return;
    case 'provisioning':
    case 'updating':
    case 'deprovisioning':
      throw concurrency(`service instance ${instance.id}`, latest);
    case 'failed':
      throw unusable(instance.id, latest);
    case 'deprovisioned':
      throw notFound(`service instance ${instance.id} was deprovisioned`);
  }
}

function unusable(instanceId: string, latest: Operation | undefined): OsbError {
  const fix = latest?.kind === 'provision' ? 'retry the provision (PUT) or deprovision it' : 'repair it with an update or deprovision it';
  return unprocessable('UnprocessableEntity', `service instance ${instanceId} is not usable (its last ${latest?.kind ?? 'operation'} failed); ${fix}`);
}

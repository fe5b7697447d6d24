/** What a managed resource type or a data source implements; provider.ts speaks the protocol around it. */
import type { CtyObject } from '../codec/cty';
import type { Diagnostic } from '../diagnostics';
import type { ProviderSettings } from '../provider-config';
import type { Schema } from '../schema';

export interface PlanRequest {
  readonly prior: CtyObject | null;
  readonly proposed: CtyObject | null;
  readonly config: CtyObject | null;
}

export interface PlanResult {
  readonly planned: CtyObject | null;
  /** Attribute paths whose change needs a new resource. */
  readonly requiresReplace: readonly (readonly string[])[];
}

export interface ApplyRequest {
  readonly prior: CtyObject | null;
  readonly planned: CtyObject | null;
  readonly config: CtyObject | null;
}

export interface ManagedResource {
  readonly typeName: string;
  readonly schema: Schema;
  validate(config: CtyObject): Diagnostic[];
  /** A state of schema `version` (terraform's JSON) as a value of the current schema. */
  upgrade(version: number, state: Record<string, unknown>): CtyObject;
  /** The live object, or null when it is gone (terraform then plans to create it again). */
  read(settings: ProviderSettings, state: CtyObject): Promise<CtyObject | null>;
  plan(settings: ProviderSettings | undefined, request: PlanRequest): Promise<PlanResult>;
  /** Throws ProviderError; its `state` is what exists after a failed change. */
  apply(settings: ProviderSettings, request: ApplyRequest): Promise<CtyObject | null>;
  importState(settings: ProviderSettings, id: string): Promise<CtyObject>;
}

export interface DataSource {
  readonly typeName: string;
  readonly schema: Schema;
  validate(config: CtyObject): Diagnostic[];
  read(settings: ProviderSettings, config: CtyObject): Promise<CtyObject>;
}

/** The OSB v2.17 catalog wire format (`GET /v2/catalog`), spec section "Catalog Management". */
import type { JsonSchema } from './schemas';

export interface OsbMaintenanceInfo {
  readonly version: string;
  readonly description?: string;
}

export interface OsbSchemas {
  readonly service_instance: {
    readonly create: { readonly parameters: JsonSchema };
    readonly update: { readonly parameters: JsonSchema };
  };
  readonly service_binding: { readonly create: { readonly parameters: JsonSchema } };
}

export interface OsbPlan {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly free: boolean;
  readonly bindable: boolean;
  readonly plan_updateable: boolean;
  /** A binding may be rotated (`predecessor_binding_id`): the successor gets a new token, the predecessor's stays valid until unbound. */
  readonly binding_rotatable: boolean;
  readonly schemas: OsbSchemas;
  readonly maximum_polling_duration: number;
  readonly maintenance_info: OsbMaintenanceInfo;
}

export interface OsbService {
  readonly name: string;
  readonly id: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly requires: readonly string[];
  readonly bindable: boolean;
  readonly instances_retrievable: boolean;
  readonly bindings_retrievable: boolean;
  readonly allow_context_updates: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly plan_updateable: boolean;
  readonly plans: readonly OsbPlan[];
}

export interface OsbCatalog {
  readonly services: readonly OsbService[];
}

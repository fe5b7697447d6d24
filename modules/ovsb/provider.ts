/**
 * cdktf bindings for terraform-provider-ovsb, written by hand (cdktf's generator needs the provider from a
 * registry) and checked against the provider's own schema in test/provider/cdktf.test.ts: every config
 * field maps to one attribute of the schema, and every settable attribute has a field.
 *
 * Construct props are camelCase; the ATTRIBUTES tables are the mapping to the schema's names.
 */
import { TerraformProvider, TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { PROVIDER_SOURCE } from './provider-source';

const PROVIDER_NAME = 'ovsb';
/** required_providers version (cdktf deploy insists on one): any installed release. */
export const PROVIDER_VERSION_CONSTRAINT = '>= 0.1.0';

/** Config field -> schema attribute. */
export type AttributeTable<Config> = { readonly [K in keyof Required<Config>]: string };

function toAttributes<Config extends object>(table: AttributeTable<Config>, config: Config): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [field, attribute] of Object.entries(table) as [keyof Config & string, string][]) {
    if (config[field] !== undefined) attributes[attribute] = config[field];
  }
  return attributes;
}

export interface OvsbProviderConfig {
  /** The broker's base URL. @default OVSB_URL in terraform's environment */
  readonly url?: string;
  /** @default OVSB_USERNAME, else `ovsb` */
  readonly username?: string;
  /** Prefer OVSB_PASSWORD: a value here is written into the synthesised JSON. @default OVSB_PASSWORD */
  readonly password?: string;
  /** @default OVSB_CA_FILE, else the system CAs */
  readonly caFile?: string;
  /** @default `2.17` */
  readonly apiVersion?: string;
  /** @default `terraform` */
  readonly organizationGuid?: string;
  /** @default `default` */
  readonly spaceGuid?: string;
}

export const PROVIDER_ATTRIBUTES: AttributeTable<OvsbProviderConfig> = {
  url: 'url',
  username: 'username',
  password: 'password',
  caFile: 'ca_file',
  apiVersion: 'api_version',
  organizationGuid: 'organization_guid',
  spaceGuid: 'space_guid',
};

export class OvsbProvider extends TerraformProvider {
  static readonly tfResourceType = PROVIDER_NAME;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: OvsbProviderConfig = {},
  ) {
    super(scope, id, {
      terraformResourceType: PROVIDER_NAME,
      terraformGeneratorMetadata: { providerName: PROVIDER_NAME, providerVersionConstraint: PROVIDER_VERSION_CONSTRAINT },
      terraformProviderSource: PROVIDER_SOURCE,
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toAttributes(PROVIDER_ATTRIBUTES, this.config);
  }
}

/** Go durations, e.g. `30m`. */
export interface OvsbTimeouts {
  /** @default `60m` */
  readonly create?: string;
  /** @default `60m` */
  readonly update?: string;
  /** @default `60m` */
  readonly delete?: string;
}

export interface OvsbServiceInstanceConfig extends TerraformMetaArguments {
  /** Service name or id. Changing it replaces the instance. */
  readonly service: string;
  /** Plan name, id or OVSB stack name. */
  readonly plan: string;
  /** @default a new UUID */
  readonly instanceId?: string;
  /** An object, or a JSON string of one. @default none */
  readonly parameters?: Readonly<Record<string, unknown>> | string;
  /** @default the broker's choice */
  readonly maintenanceInfoVersion?: string;
  /** Extra OSB context values. @default none */
  readonly context?: Readonly<Record<string, string>>;
  /** @default 60m each */
  readonly timeouts?: OvsbTimeouts;
}

export const SERVICE_INSTANCE_ATTRIBUTES: AttributeTable<Omit<OvsbServiceInstanceConfig, keyof TerraformMetaArguments>> = {
  service: 'service',
  plan: 'plan',
  instanceId: 'instance_id',
  parameters: 'parameters',
  maintenanceInfoVersion: 'maintenance_info_version',
  context: 'context',
  timeouts: 'timeouts',
};

function resourceConfig(type: string, config: TerraformMetaArguments) {
  return {
    terraformResourceType: type,
    terraformGeneratorMetadata: { providerName: PROVIDER_NAME },
    ...(config.provider !== undefined && { provider: config.provider }),
    ...(config.dependsOn !== undefined && { dependsOn: config.dependsOn }),
    ...(config.count !== undefined && { count: config.count }),
    ...(config.lifecycle !== undefined && { lifecycle: config.lifecycle }),
    ...(config.forEach !== undefined && { forEach: config.forEach }),
  };
}

export class OvsbServiceInstance extends TerraformResource {
  static readonly tfResourceType = 'ovsb_service_instance';

  constructor(
    scope: Construct,
    id: string,
    private readonly config: OvsbServiceInstanceConfig,
  ) {
    super(scope, id, resourceConfig(OvsbServiceInstance.tfResourceType, config));
  }

  get instanceId(): string {
    return this.getStringAttribute('instance_id');
  }
  get serviceId(): string {
    return this.getStringAttribute('service_id');
  }
  get planId(): string {
    return this.getStringAttribute('plan_id');
  }
  get dashboardUrl(): string {
    return this.getStringAttribute('dashboard_url');
  }
  get operation(): string {
    return this.getStringAttribute('operation');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toAttributes(SERVICE_INSTANCE_ATTRIBUTES, this.config);
  }
}

export interface OvsbServiceBindingConfig extends TerraformMetaArguments {
  readonly instanceId: string;
  /** @default a new UUID */
  readonly bindingId?: string;
  /** Bind parameters (e.g. `{ scopes: [...] }`). @default none */
  readonly parameters?: Readonly<Record<string, unknown>> | string;
  readonly timeouts?: Omit<OvsbTimeouts, 'update'>;
}

export const SERVICE_BINDING_ATTRIBUTES: AttributeTable<Omit<OvsbServiceBindingConfig, keyof TerraformMetaArguments>> = {
  instanceId: 'instance_id',
  bindingId: 'binding_id',
  parameters: 'parameters',
  timeouts: 'timeouts',
};

export class OvsbServiceBinding extends TerraformResource {
  static readonly tfResourceType = 'ovsb_service_binding';

  constructor(
    scope: Construct,
    id: string,
    private readonly config: OvsbServiceBindingConfig,
  ) {
    super(scope, id, resourceConfig(OvsbServiceBinding.tfResourceType, config));
  }

  get bindingId(): string {
    return this.getStringAttribute('binding_id');
  }
  /** The whole credentials object (sensitive in terraform). */
  get credentials(): string {
    return this.getStringAttribute('credentials');
  }
  /** One credential, e.g. `beacon_api_url` (still sensitive: wrap it in Fn.nonsensitive to print it). */
  credential(key: string): string {
    return this.getStringAttribute(`credentials.${key}`);
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toAttributes(SERVICE_BINDING_ATTRIBUTES, this.config);
  }
}

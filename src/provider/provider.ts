/**
 * The provider: tfplugin6 RPCs mapped onto the resource types and data sources. Values arrive and leave
 * as msgpack DynamicValues of each schema's object type; every failure becomes a diagnostic.
 */
import { fromJson, fromMsgpack, isObject, toMsgpack, type CtyObject, type CtyType, type CtyValue } from './codec/cty';
import { attributePath, diagnosticMessages, ProviderError, toDiagnostic } from './diagnostics';
import { configureProvider, PROVIDER_SCHEMA, validateProviderConfig, type ProviderSettings } from './provider-config';
import { catalogDataSource, planDataSource } from './resources/data-sources';
import type { DataSource, ManagedResource } from './resources/resource';
import { serviceBinding } from './resources/service-binding';
import { serviceInstance } from './resources/service-instance';
import { impliedType, schemaMessage } from './schema';
import type { Message } from './transport/protobuf';
import type { ProviderHandlers } from './transport/plugin-server';

export const RESOURCES: readonly ManagedResource[] = [serviceInstance, serviceBinding];
export const DATA_SOURCES: readonly DataSource[] = [planDataSource, catalogDataSource];

function decodeValue(dynamic: unknown, type: CtyType): CtyValue {
  const value = (dynamic ?? {}) as { msgpack?: Uint8Array; json?: Uint8Array };
  if (value.msgpack !== undefined && value.msgpack.length > 0) return fromMsgpack(value.msgpack, type);
  if (value.json !== undefined && value.json.length > 0) return fromJson(JSON.parse(Buffer.from(value.json).toString('utf8')), type);
  return null;
}
const asObject = (value: CtyValue): CtyObject | null => (value !== null && isObject(value) ? value : null);
const encodeValue = (value: CtyValue, type: CtyType): Message => ({ msgpack: toMsgpack(value, type) });

export interface ProviderOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The RPC handlers of one provider process (terraform configures each process once). */
export function createProvider(options: ProviderOptions): ProviderHandlers {
  let settings: ProviderSettings | undefined;
  const providerType = impliedType(PROVIDER_SCHEMA.block);
  const resource = (name: unknown): ManagedResource => {
    const found = RESOURCES.find((r) => r.typeName === name);
    if (!found) throw new ProviderError('Unknown resource type', `terraform-provider-ovsb has no resource type ${String(name)}`);
    return found;
  };
  const dataSource = (name: unknown): DataSource => {
    const found = DATA_SOURCES.find((d) => d.typeName === name);
    if (!found) throw new ProviderError('Unknown data source', `terraform-provider-ovsb has no data source ${String(name)}`);
    return found;
  };
  const configured = (): ProviderSettings => {
    if (!settings) throw new ProviderError('Provider not configured', 'terraform did not configure the ovsb provider before using it');
    return settings;
  };
  /** Runs `body`; a thrown error becomes the response's diagnostics (with what `onError` adds). */
  const guarded = async (body: () => Promise<Message>, onError: (error: unknown) => Message = () => ({})): Promise<Message> => {
    try {
      return await body();
    } catch (error) {
      return { ...onError(error), diagnostics: diagnosticMessages([toDiagnostic(error)]) };
    }
  };

  return {
    GetMetadata: async () => ({
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
      resources: RESOURCES.map((r) => ({ type_name: r.typeName })),
      data_sources: DATA_SOURCES.map((d) => ({ type_name: d.typeName })),
    }),

    GetProviderSchema: async () => ({
      provider: schemaMessage(PROVIDER_SCHEMA),
      resource_schemas: Object.fromEntries(RESOURCES.map((r) => [r.typeName, schemaMessage(r.schema)])),
      data_source_schemas: Object.fromEntries(DATA_SOURCES.map((d) => [d.typeName, schemaMessage(d.schema)])),
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
    }),

    GetFunctions: async () => ({}),

    ValidateProviderConfig: (request) =>
      guarded(async () => ({ diagnostics: diagnosticMessages(validateProviderConfig(decodeValue(request['config'], providerType))) })),

    ConfigureProvider: (request) =>
      guarded(async () => {
        const config = asObject(decodeValue(request['config'], providerType)) ?? {};
        settings = configureProvider(config, options.env);
        return {};
      }),

    ValidateResourceConfig: (request) =>
      guarded(async () => {
        const r = resource(request['type_name']);
        const config = asObject(decodeValue(request['config'], impliedType(r.schema.block)));
        return { diagnostics: diagnosticMessages(config === null ? [] : r.validate(config)) };
      }),

    ValidateDataResourceConfig: (request) =>
      guarded(async () => {
        const d = dataSource(request['type_name']);
        const config = asObject(decodeValue(request['config'], impliedType(d.schema.block)));
        return { diagnostics: diagnosticMessages(config === null ? [] : d.validate(config)) };
      }),

    UpgradeResourceState: (request) =>
      guarded(async () => {
        const r = resource(request['type_name']);
        const raw = (request['raw_state'] ?? {}) as { json?: Uint8Array; flatmap?: Record<string, string> };
        if (raw.json === undefined || raw.json.length === 0) {
          throw new ProviderError('Cannot upgrade state', `${r.typeName} state is in the legacy flatmap format, which this provider never wrote`);
        }
        const state = JSON.parse(Buffer.from(raw.json).toString('utf8')) as Record<string, unknown>;
        const upgraded = r.upgrade(Number(request['version'] ?? 0), state);
        return { upgraded_state: encodeValue(upgraded, impliedType(r.schema.block)) };
      }),

    ReadResource: (request) => {
      const r = resource(request['type_name']);
      const type = impliedType(r.schema.block);
      return guarded(
        async () => {
          const state = asObject(decodeValue(request['current_state'], type));
          const next = state === null ? null : await r.read(configured(), state);
          return { new_state: encodeValue(next, type), private: request['private'] };
        },
        // A failed refresh keeps the state as it was.
        () => ({ new_state: request['current_state'] }),
      );
    },

    PlanResourceChange: (request) =>
      guarded(async () => {
        const r = resource(request['type_name']);
        const type = impliedType(r.schema.block);
        const { planned, requiresReplace } = await r.plan(settings, {
          prior: asObject(decodeValue(request['prior_state'], type)),
          proposed: asObject(decodeValue(request['proposed_new_state'], type)),
          config: asObject(decodeValue(request['config'], type)),
        });
        return { planned_state: encodeValue(planned, type), requires_replace: requiresReplace.map(attributePath), planned_private: request['prior_private'] };
      }),

    ApplyResourceChange: (request) => {
      const r = resource(request['type_name']);
      const type = impliedType(r.schema.block);
      const prior = asObject(decodeValue(request['prior_state'], type));
      return guarded(
        async () => {
          const next = await r.apply(configured(), {
            prior,
            planned: asObject(decodeValue(request['planned_state'], type)),
            config: asObject(decodeValue(request['config'], type)),
          });
          return { new_state: encodeValue(next, type) };
        },
        (error) => ({ new_state: encodeValue(error instanceof ProviderError && error.state !== undefined ? error.state : prior, type) }),
      );
    },

    ImportResourceState: (request) =>
      guarded(async () => {
        const r = resource(request['type_name']);
        const state = await r.importState(configured(), String(request['id'] ?? ''));
        return { imported_resources: [{ type_name: r.typeName, state: encodeValue(state, impliedType(r.schema.block)) }] };
      }),

    ReadDataSource: (request) =>
      guarded(async () => {
        const d = dataSource(request['type_name']);
        const type = impliedType(d.schema.block);
        const config = asObject(decodeValue(request['config'], type)) ?? {};
        return { state: encodeValue(await d.read(configured(), config), type) };
      }),

    StopProvider: async () => ({}),
  };
}


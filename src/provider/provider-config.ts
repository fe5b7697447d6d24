/**
 * The provider block: where the broker is and who terraform is to it. Every setting can also come from
 * the environment, so a main.tf need not hold the password.
 */
import { readFileSync } from 'node:fs';
import { isObject, Unknown, type CtyObject, type CtyValue } from './codec/cty';
import { ProviderError, errorDiagnostic, type Diagnostic } from './diagnostics';
import { OsbClient } from './osb-client';
import type { Schema } from './schema';

export const DEFAULT_API_VERSION = '2.17';
export const DEFAULT_ORGANIZATION_GUID = 'terraform';
export const DEFAULT_SPACE_GUID = 'default';
/** OSB's platform value for requests made by this provider (context.platform and the originating identity). */
export const PLATFORM = 'terraform';

export const PROVIDER_SCHEMA: Schema = {
  version: 0,
  description: 'The Open Validator Service Broker (or any OSB v2.17 broker), through its OSB API.',
  block: {
    attributes: {
      url: { type: 'string', optional: true, description: 'Base URL of the broker, e.g. `http://127.0.0.1:8080`. Env: `OVSB_URL`. Required.' },
      username: { type: 'string', optional: true, description: 'HTTP Basic user. Env: `OVSB_USERNAME`. Default `ovsb`.' },
      password: { type: 'string', optional: true, sensitive: true, description: 'HTTP Basic password. Env: `OVSB_PASSWORD`. Required.' },
      ca_file: { type: 'string', optional: true, description: 'PEM file of CAs to trust for an https URL. Env: `OVSB_CA_FILE`. Default: the system CAs.' },
      api_version: { type: 'string', optional: true, description: `\`X-Broker-API-Version\` sent. Env: \`OVSB_API_VERSION\`. Default \`${DEFAULT_API_VERSION}\`.` },
      organization_guid: { type: 'string', optional: true, description: `\`context.organization_guid\` of every request. Default \`${DEFAULT_ORGANIZATION_GUID}\`.` },
      space_guid: { type: 'string', optional: true, description: `\`context.space_guid\` of every request. Default \`${DEFAULT_SPACE_GUID}\`.` },
    },
  },
};

export interface ProviderSettings {
  readonly client: OsbClient;
  readonly organizationGuid: string;
  readonly spaceGuid: string;
}

const text = (value: CtyValue | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Checks what can be checked before values are known (ValidateProviderConfig). */
export function validateProviderConfig(config: CtyValue): Diagnostic[] {
  if (!isObject(config)) return [];
  const url = config['url'];
  if (typeof url === 'string' && !/^https?:\/\/[^/]/.test(url)) {
    return [errorDiagnostic('Invalid broker URL', `url "${url}" is not an http(s) URL; use e.g. http://127.0.0.1:8080`, ['url'])];
  }
  return [];
}

/** The settings from the provider block, then the environment (ConfigureProvider). */
export function configureProvider(config: CtyObject, env: Readonly<Record<string, string | undefined>>): ProviderSettings {
  for (const [name, value] of Object.entries(config)) {
    if (value instanceof Unknown) {
      throw new ProviderError('Provider configuration not known yet', `${name} is only known after apply; the OVSB provider needs its settings at plan time`, [name]);
    }
  }
  const url = text(config['url']) ?? text(env['OVSB_URL']);
  if (url === undefined) throw new ProviderError('Missing broker URL', 'set url in the provider "ovsb" block or OVSB_URL, e.g. http://127.0.0.1:8080', ['url']);
  const password = text(config['password']) ?? text(env['OVSB_PASSWORD']);
  if (password === undefined) {
    throw new ProviderError('Missing broker password', 'set password in the provider "ovsb" block or OVSB_PASSWORD (the broker prints it once and keeps it in .ovsb/broker-password)', ['password']);
  }
  const caFile = text(config['ca_file']) ?? text(env['OVSB_CA_FILE']);
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new ProviderError('Cannot read ca_file', `${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ['ca_file']);
    }
  }
  const user = env['USER'] ?? env['LOGNAME'] ?? PLATFORM;
  const client = new OsbClient({
    url,
    username: text(config['username']) ?? text(env['OVSB_USERNAME']) ?? 'ovsb',
    password,
    ...(ca !== undefined && { ca }),
    apiVersion: text(config['api_version']) ?? text(env['OVSB_API_VERSION']) ?? DEFAULT_API_VERSION,
    originatingIdentity: `${PLATFORM} ${Buffer.from(JSON.stringify({ user_id: user })).toString('base64')}`,
  });
  return {
    client,
    organizationGuid: text(config['organization_guid']) ?? DEFAULT_ORGANIZATION_GUID,
    spaceGuid: text(config['space_guid']) ?? DEFAULT_SPACE_GUID,
  };
}

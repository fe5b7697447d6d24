/**
 * A plain OSB v2.17 client (any OSB broker, ours first): Basic auth, `X-Broker-API-Version`, the
 * originating identity of platform `terraform`, and last_operation polling with deadlines.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from './diagnostics';

export interface OsbClientOptions {
  /** The broker's base URL, e.g. http://127.0.0.1:8080 (the `/v2` paths are appended). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** PEM bundle trusted for an https URL. @default the system's CAs */
  readonly ca?: string;
  /** @default '2.17' */
  readonly apiVersion: string;
  /** The `X-Broker-API-Originating-Identity` header value. */
  readonly originatingIdentity: string;
}

export interface OsbResponse {
  readonly status: number;
  /** Parsed JSON body; undefined when empty or not JSON. */
  readonly body: unknown;
  /** Retry-After in seconds, when given. */
  readonly retryAfterSec?: number;
}

/** An OSB error body: `{"error": "DiversityPolicy", "description": "..."}`. */
export function errorOf(response: OsbResponse): { readonly code?: string; readonly description: string } {
  const body = response.body as { error?: unknown; description?: unknown } | undefined;
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.description === 'string' ? body.description : `the broker answered HTTP ${response.status} without a description`;
  return { ...(code !== undefined && { code }), description };
}

export type OperationOutcome = { readonly state: 'succeeded'; readonly description: string } | { readonly state: 'failed'; readonly description: string } | { readonly state: 'gone' };

/** Polls start fast (a sandbox provision takes under a second) and back off towards the broker's Retry-After. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 5_000;

export class OsbClient {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly authorization: string;
  private catalogPromise: Promise<OsbCatalogView> | undefined;

  constructor(private readonly options: OsbClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const https = this.base.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, ...(options.ca !== undefined && { ca: options.ca }) }) : new HttpAgent({ keepAlive: true });
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  get url(): string {
    return this.base.href;
  }

  /** One request; a network failure is a ProviderError naming the URL and the setting to check. */
  call(method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', path: string, query: Readonly<Record<string, string>> = {}, body?: unknown): Promise<OsbResponse> {
    const target = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: this.authorization,
            'X-Broker-API-Version': this.options.apiVersion,
            'X-Broker-API-Originating-Identity': this.options.originatingIdentity,
            Accept: 'application/json',
            ...(payload !== undefined && { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }),
          },
          timeout: 60_000,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            const retryAfter = Number(res.headers['retry-after']);
            resolve({ status: res.statusCode ?? 0, body: parsed, ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterSec: retryAfter }) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ProviderError(
            'Cannot reach the service broker',
            `${method} ${target.origin}${target.pathname}: ${error.code ?? error.message}. Check the provider's url (or OVSB_URL) and that the broker is running.`,
          ),
        ),
      );
      req.end(payload);
    });
  }

  /** The catalog, fetched once per provider process. */
  catalog(): Promise<OsbCatalogView> {
    this.catalogPromise ??= this.call('GET', 'v2/catalog').then((response) => {
      if (response.status !== 200) throw refusal('The broker refused to list its catalog', response);
      return new OsbCatalogView((response.body as { services?: CatalogService[] }).services ?? []);
    });
    return this.catalogPromise;
  }

  /**
   * Polls last_operation until the operation is terminal or the deadline passes. A 410 Gone while
   * polling a deprovision or unbind means it is done.
   */
  async waitFor(lastOperationPath: string, operation: string | undefined, deadline: number, what: string, path?: readonly string[]): Promise<OperationOutcome> {
    let delay = FIRST_POLL_MS;
    for (;;) {
      const response = await this.call('GET', lastOperationPath, operation === undefined ? {} : { operation });
      if (response.status === 410) return { state: 'gone' };
      if (response.status !== 200) throw refusal(`Polling ${what} failed`, response, path);
      const body = response.body as { state?: unknown; description?: unknown };
      const description = typeof body.description === 'string' ? body.description : '';
      if (body.state === 'succeeded') return { state: 'succeeded', description };
      if (body.state === 'failed') return { state: 'failed', description: description || 'the broker gave no description' };
      if (Date.now() + delay > deadline) {
        throw new ProviderError(
          `Timed out waiting for ${what}`,
          `the broker's operation${operation === undefined ? '' : ` ${operation}`} is still in progress${description ? ` (${description})` : ''}; raise the resource's timeouts or check the broker.`,
          path,
        );
      }
      await sleep(delay);
      // Past the first seconds, back off towards the broker's Retry-After (the spec's polling hint).
      const ceiling = Math.min(MAX_POLL_MS, (response.retryAfterSec ?? 5) * 1000);
      delay = Math.min(ceiling, Math.round(delay * 1.25));
    }
  }
}

/** A refusal (4xx/5xx) as a diagnostic carrying the broker's words. */
export function refusal(summary: string, response: OsbResponse, path?: readonly string[]): ProviderError {
  const { code, description } = errorOf(response);
  return new ProviderError(`${summary} (HTTP ${response.status}${code === undefined ? '' : ` ${code}`})`, description, path);
}

export interface CatalogPlan {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly free?: boolean;
  readonly bindable?: boolean;
  readonly metadata?: Record<string, unknown>;
  readonly maximum_polling_duration?: number;
  readonly maintenance_info?: { readonly version: string };
}
export interface CatalogService {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly bindable?: boolean;
  readonly tags?: readonly string[];
  readonly metadata?: Record<string, unknown>;
  readonly plans: readonly CatalogPlan[];
}

/** Name-or-id look-ups in a catalog; our broker's plans also answer to their stack name (metadata.stackName). */
export class OsbCatalogView {
  constructor(readonly services: readonly CatalogService[]) {}

  service(nameOrId: string): CatalogService | undefined {
    return this.services.find((s) => s.id === nameOrId) ?? this.services.find((s) => s.name === nameOrId);
  }

  serviceById(id: string): CatalogService | undefined {
    return this.services.find((s) => s.id === id);
  }

  plan(service: CatalogService, nameOrId: string): CatalogPlan | undefined {
    return (
      service.plans.find((p) => p.id === nameOrId) ?? service.plans.find((p) => p.name === nameOrId) ?? service.plans.find((p) => p.metadata?.['stackName'] === nameOrId)
    );
  }

  /** A plan anywhere in the catalog by its stack name or id, with its service. */
  planAnywhere(stackNameOrId: string): { readonly service: CatalogService; readonly plan: CatalogPlan } | undefined {
    for (const service of this.services) {
      const plan = service.plans.find((p) => p.id === stackNameOrId || p.metadata?.['stackName'] === stackNameOrId);
      if (plan) return { service, plan };
    }
    return undefined;
  }
}

/**
 * The error taxonomy. Three kinds, one handler (broker/middleware/errors.ts):
 * - OsbError: the caller's request is wrong or conflicts; maps to an OSB error body.
 * - ExternalError: something outside us failed (terraform, a database, a URL); carries the cause.
 * - anything else is a bug: 500, logged with stack, never shown to the caller.
 * ConfigError is raised at start-up and by the CLI for operator-editable files.
 *
 * Messages name the field, the bad value and the fix.
 */

/** OSB error codes from the spec's "Service Broker Errors" table. */
export type OsbErrorCode =
  | 'AsyncRequired'
  | 'ConcurrencyError'
  | 'RequiresApp'
  | 'MaintenanceInfoConflict'
  | 'BadRequest'
  | 'Unauthorized'
  | 'PreconditionFailed'
  | 'Conflict'
  | 'Gone'
  | 'NotFound'
  | 'UnprocessableEntity'
  | 'DiversityPolicy'
  | 'LidoPolicy'
  | 'ForkReadiness'
  | 'PayloadTooLarge';

export class OsbError extends Error {
  override readonly name = 'OsbError';
  constructor(
    readonly status: number,
    /** The `error` field of the body; spec-defined codes where one applies. */
    readonly code: OsbErrorCode,
    /** Human-readable; shown to platform users. Never contains secrets. */
    readonly description: string,
    /** Extra body fields (e.g. `instance_usable`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(description);
  }
}

export const badRequest = (description: string) => new OsbError(400, 'BadRequest', description);
export const notFound = (description: string) => new OsbError(404, 'NotFound', description);
export const conflict = (description: string) => new OsbError(409, 'Conflict', description);
export const gone = (description: string) => new OsbError(410, 'Gone', description);
export const unprocessable = (code: OsbErrorCode, description: string) => new OsbError(422, code, description);

export interface ExternalErrorDetails {
  /** The program or service that failed, e.g. `terraform apply`. */
  readonly source: string;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  /** The relevant diagnostic lines (terraform's error summaries and details). */
  readonly diagnostics?: readonly string[];
}

export class ExternalError extends Error {
  override readonly name: string = 'ExternalError';
  constructor(
    message: string,
    readonly details: ExternalErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An operator-editable input (catalog.yaml, stacks.yaml, env) is malformed; defined with the constructs. */
export { ConfigError } from '../modules/errors';

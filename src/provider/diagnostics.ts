/**
 * Errors the provider reports to terraform as diagnostics: a summary, the detail (the broker's own
 * description when the broker refused), and the attribute it concerns.
 */
import type { CtyObject } from './codec/cty';
import type { Message } from './transport/protobuf';

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  /** Attribute names from the resource's root, e.g. ["parameters"]. */
  readonly path?: readonly string[];
}

/**
 * A failure to report as an error diagnostic. `state` is what exists after a failed apply (a created
 * instance whose provision failed is kept, and terraform marks it tainted); undefined keeps the prior.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly summary: string,
    readonly detail: string,
    readonly path?: readonly string[],
    readonly state?: CtyObject | null,
  ) {
    super(`${summary}: ${detail}`);
  }

  withState(state: CtyObject | null): ProviderError {
    return new ProviderError(this.summary, this.detail, this.path, state);
  }

  get diagnostic(): Diagnostic {
    return { severity: 'error', summary: this.summary, detail: this.detail, ...(this.path !== undefined && { path: this.path }) };
  }
}

export const errorDiagnostic = (summary: string, detail: string, path?: readonly string[]): Diagnostic => ({
  severity: 'error',
  summary,
  detail,
  ...(path !== undefined && { path }),
});

/** tfplugin6.Diagnostic messages. */
export const diagnosticMessages = (diagnostics: readonly Diagnostic[]): Message[] =>
  diagnostics.map((d) => ({
    severity: d.severity === 'error' ? 1 : 2,
    summary: d.summary,
    detail: d.detail,
    ...(d.path !== undefined && { attribute: attributePath(d.path) }),
  }));

export const attributePath = (path: readonly string[]): Message => ({ steps: path.map((name) => ({ attribute_name: name })) });

/** An error the provider cannot classify becomes a diagnostic too, never a gRPC failure terraform prints raw. */
export function toDiagnostic(error: unknown): Diagnostic {
  if (error instanceof ProviderError) return error.diagnostic;
  return errorDiagnostic(
    'terraform-provider-ovsb failed unexpectedly (a bug; please report it)',
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
}

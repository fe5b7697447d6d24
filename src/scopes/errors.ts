/** A scope, scope template or parameterized scope that does not follow the grammar (see ./syntax.ts). */
export class InvalidScopeError extends Error {
  override readonly name: string = 'InvalidScopeError';
  constructor(
    /** The offending input as given. */
    readonly scope: string,
    /** What is wrong and how to fix it. */
    readonly reason: string,
  ) {
    super(`invalid scope "${scope}": ${reason}`);
  }
}

/**
 * Scopes too complex to compare within the work limit (the exact answer can need automata exponential
 * in the number of `**` patterns). Thrown instead of an unsafe guess; simplify keeps such scopes.
 */
export class ScopeComplexityError extends InvalidScopeError {
  override readonly name: string = 'ScopeComplexityError';
  constructor(scopes: string, reason: string) {
    super(scopes, reason);
    this.message = `scopes too complex to compare (${scopes}): ${reason}`;
  }
}

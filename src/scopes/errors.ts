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
 * Valid scopes too complex to compare within the work limit (the exact answer can need automata
 * exponential in the number of `**` patterns). Thrown instead of an unsafe guess; simplify keeps such
 * scopes. Not an InvalidScopeError: the scopes follow the grammar, so callers must not report them as
 * malformed (a binding asking for them is told to use fewer wildcards, not that they are not scopes).
 */
export class ScopeComplexityError extends Error {
  override readonly name: string = 'ScopeComplexityError';
  constructor(
    /** The scopes (or a description of them) the question was about. */
    readonly scopes: string,
    /** What made it too complex and how to simplify. */
    readonly reason: string,
  ) {
    super(`scopes too complex to compare (${scopes}): ${reason}`);
  }
}

/** A scope, scope template or parameterized scope that does not follow the grammar (see ./syntax.ts). */
export class InvalidScopeError extends Error {
  override readonly name = 'InvalidScopeError';
  constructor(
    /** The offending input as given. */
    readonly scope: string,
    /** What is wrong and how to fix it. */
    readonly reason: string,
  ) {
    super(`invalid scope "${scope}": ${reason}`);
  }
}

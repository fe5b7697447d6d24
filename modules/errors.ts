/**
 * The one error the constructs raise: props that cannot be deployed. It lives here so that modules/
 * stands alone as a library (src/ re-exports it; the dependency arrows point from src/ to modules/).
 */

/** An operator-editable input (catalog.yaml, stacks.yaml, env, construct props) is malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** File or variable, e.g. `catalog.yaml` or `OVSB_PORT`. */
    readonly source: string,
    /** Path inside it, e.g. `combos[3].consensus`; empty for the whole input. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${source}${path ? ` at ${path}` : ''}: ${reason}`);
  }
}

/**
 * Scope templates (`{x}`, filled in when a grant is made) and parameterized scopes (`(x)`, whose values
 * are read back from literal scopes).
 */
import { ScopeLanguages } from './algebra';
import { InvalidScopeError } from './errors';
import { ONE, isName, parseScope, printScope, type Domain, type ParsedScope, type Segment } from './syntax';

/** A parameter's value in an extraction: a segment name, or `*` for "every value". */
export const ANY_VALUE = '*';

/** One way a set of literals covers a parameterized scope: a value per parameter name. */
export type ParameterAssignment = Readonly<Record<string, string>>;

/**
 * Fills the `{x}` segments of a template. Values must be plain segment names: a value of `*`, `**` or
 * one containing `.` or `:` would widen or reshape the scope, so it is refused.
 */
export function fillTemplateParsed(template: string, values: Readonly<Record<string, string>>): string {
  const parsed = parseScope(template, 'template');
  const fill = (segment: Segment): Segment => {
    if (segment.kind !== 'template') return segment;
    if (!Object.prototype.hasOwnProperty.call(values, segment.name)) {
      throw new InvalidScopeError(template, `no value for {${segment.name}}; pass one in values.${segment.name}`);
    }
    const value = values[segment.name];
    if (typeof value !== 'string' || !isName(value)) {
      throw new InvalidScopeError(
        template,
        `value ${JSON.stringify(value)} for {${segment.name}} is not a plain segment name ([a-zA-Z0-9_-]*); wildcards, "." and ":" are refused so a value cannot widen the scope`,
      );
    }
    return { kind: 'name', value };
  };
  const filled: ParsedScope = [parsed[0].map(fill), parsed[1].map(fill), parsed[2].map(fill)];
  return printScope(filled);
}

function substitute(scope: ParsedScope, assignment: ParameterAssignment): ParsedScope {
  const replace = (segment: Segment): Segment => {
    if (segment.kind !== 'parameter') return segment;
    const value = assignment[segment.name]!;
    return value === ANY_VALUE ? ONE : { kind: 'name', value };
  };
  return [scope[0].map(replace), scope[1].map(replace), scope[2].map(replace)];
}

/** Parameter names in order of first appearance, with the domains each appears in. */
function parametersOf(scope: ParsedScope): Map<string, Set<number>> {
  const parameters = new Map<string, Set<number>>();
  scope.forEach((domain: Domain, d) => {
    for (const segment of domain) {
      if (segment.kind !== 'parameter') continue;
      const domains = parameters.get(segment.name) ?? new Set<number>();
      domains.add(d);
      parameters.set(segment.name, domains);
    }
  });
  return parameters;
}

const dominates = (broad: ParameterAssignment, narrow: ParameterAssignment, names: readonly string[]): boolean =>
  names.every((name) => broad[name] === ANY_VALUE || broad[name] === narrow[name]);

/**
 * Every assignment of parameter values for which the literals cover the parameterized scope entirely,
 * keeping only the broadest (`*` = every value). A value no literal spells out in the parameter's
 * domain can only be matched by a wildcard there, so it is covered exactly when every value is: the
 * candidates are the names in that domain of the literals, plus `*`.
 */
export function extractAssignmentsParsed(parameterized: ParsedScope, literals: readonly ParsedScope[]): ParameterAssignment[] {
  const parameters = parametersOf(parameterized);
  const names = [...parameters.keys()];
  const candidates = names.map((name) => {
    const values = new Set<string>([ANY_VALUE]);
    for (const literal of literals) {
      for (const d of parameters.get(name)!) {
        for (const segment of literal[d]!) if (segment.kind === 'name') values.add(segment.value);
      }
    }
    return [...values];
  });
  const assignments: ParameterAssignment[] = [];
  const choose = (index: number, partial: Record<string, string>): void => {
    if (index === names.length) {
      assignments.push({ ...partial });
      return;
    }
    for (const value of candidates[index]!) choose(index + 1, { ...partial, [names[index]!]: value });
  };
  choose(0, {});
  const substituted = assignments.map((assignment) => substitute(parameterized, assignment));
  const languages = new ScopeLanguages([...substituted, ...literals]);
  const covered = assignments.filter((_, i) => languages.covers(literals, substituted[i]!));
  const broadest = covered.filter(
    (assignment, i) => !covered.some((other, j) => j !== i && dominates(other, assignment, names) && (!dominates(assignment, other, names) || j < i)),
  );
  return broadest.sort((x, y) => {
    for (const name of names) {
      const order = x[name]!.localeCompare(y[name]!);
      if (order !== 0) return order;
    }
    return 0;
  });
}

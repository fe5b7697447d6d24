/**
 * The scope grammar of the seed's draft spec (shared/reference/seed-spec-notes.md §2, after AuthX scopes):
 *
 *   scope   = domain ":" domain ":" domain          (realm:context:action)
 *   domain  = segment *("." segment)
 *   segment = name | "*" | "**" | "{" id "}" | "(" id ")"
 *   name    = [a-zA-Z0-9_-]*                          (may be empty: `a..b` has an empty middle segment)
 *   id      = [a-zA-Z0-9_-]+
 *
 * `*` matches exactly one segment. `**` matches ONE or more segments, never zero: the spec normalises
 * `realm:**.**:action` to `realm:*.**:action`, which only holds if `**.**` means "at least two". (With
 * zero allowed, `**.**` would equal `**` and be normalised to that.) Every domain has at least one
 * segment, so `**` alone still matches any domain.
 *
 * Which segment kinds are allowed depends on the form: literals (tokens, grants) have names and
 * wildcards; templates add `{x}`; parameterized scopes add `(x)`, with no `**` on both sides of one.
 */
import { InvalidScopeError } from './errors';

export type Segment =
  | { readonly kind: 'name'; readonly value: string }
  /** `*`: exactly one segment. */
  | { readonly kind: 'one' }
  /** `**`: one or more segments. */
  | { readonly kind: 'many' }
  /** `{x}`: filled in when a grant is made. */
  | { readonly kind: 'template'; readonly name: string }
  /** `(x)`: the position whose value is extracted from literals. */
  | { readonly kind: 'parameter'; readonly name: string };

export type Domain = readonly Segment[];
export type ParsedScope = readonly [Domain, Domain, Domain];

export type ScopeForm = 'literal' | 'template' | 'parameterized';

export const DOMAIN_NAMES = ['realm', 'context', 'action'] as const;

/** A safety limit, not grammar: set operations grow with the wildcards of a domain. */
export const MAX_DOMAIN_SEGMENTS = 32;

const NAME = /^[a-zA-Z0-9_-]*$/;
const TEMPLATE = /^\{([a-zA-Z0-9_-]+)\}$/;
const PARAMETER = /^\(([a-zA-Z0-9_-]+)\)$/;

export const ONE: Segment = { kind: 'one' };
export const MANY: Segment = { kind: 'many' };

export const isName = (text: string): boolean => NAME.test(text);

function parseSegment(scope: string, text: string, domain: string, form: ScopeForm): Segment {
  if (text === '*') return ONE;
  if (text === '**') return MANY;
  if (NAME.test(text)) return { kind: 'name', value: text };
  const template = TEMPLATE.exec(text);
  if (template) {
    if (form === 'template') return { kind: 'template', name: template[1]! };
    throw new InvalidScopeError(
      scope,
      `segment "${text}" of the ${domain} domain is a template placeholder, which only scope templates may have; fill it in first`,
    );
  }
  const parameter = PARAMETER.exec(text);
  if (parameter) {
    if (form === 'parameterized') return { kind: 'parameter', name: parameter[1]! };
    throw new InvalidScopeError(
      scope,
      `segment "${text}" of the ${domain} domain is a parameter, which only parameterized scopes may have`,
    );
  }
  throw new InvalidScopeError(
    scope,
    `segment "${text}" of the ${domain} domain is not a name ([a-zA-Z0-9_-]*), "*" (one segment) or "**" (one or more)`,
  );
}

function checkParameterAmbiguity(scope: string, domain: Domain, domainName: string): void {
  const firstMany = domain.findIndex((s) => s.kind === 'many');
  if (firstMany < 0) return;
  let lastMany = -1;
  domain.forEach((s, i) => {
    if (s.kind === 'many') lastMany = i;
  });
  for (let i = firstMany + 1; i < lastMany; i++) {
    const segment = domain[i]!;
    if (segment.kind === 'parameter') {
      throw new InvalidScopeError(
        scope,
        `parameter (${segment.name}) in the ${domainName} domain has "**" on both sides, so its position is ambiguous; replace one "**" with "*" segments or a name`,
      );
    }
  }
}

/** Parses a scope of the given form; throws InvalidScopeError naming the scope and the problem. */
export function parseScope(scope: unknown, form: ScopeForm = 'literal'): ParsedScope {
  if (typeof scope !== 'string') {
    throw new InvalidScopeError(String(scope), `expected a string such as "pool:validator.abc:read.basic", got ${typeof scope}`);
  }
  const domains = scope.split(':');
  if (domains.length !== 3) {
    throw new InvalidScopeError(
      scope,
      `has ${domains.length} domain${domains.length === 1 ? '' : 's'}; a scope has exactly three, realm:context:action`,
    );
  }
  const parsed = domains.map((text, d) => {
    const domainName = DOMAIN_NAMES[d]!;
    const segments = text.split('.');
    if (segments.length > MAX_DOMAIN_SEGMENTS) {
      throw new InvalidScopeError(scope, `the ${domainName} domain has ${segments.length} segments; at most ${MAX_DOMAIN_SEGMENTS} are accepted`);
    }
    const domain = segments.map((segment) => parseSegment(scope, segment, domainName, form));
    if (form === 'parameterized') checkParameterAmbiguity(scope, domain, domainName);
    return domain;
  });
  return [parsed[0]!, parsed[1]!, parsed[2]!];
}

function printSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'name':
      return segment.value;
    case 'one':
      return '*';
    case 'many':
      return '**';
    case 'template':
      return `{${segment.name}}`;
    case 'parameter':
      return `(${segment.name})`;
  }
}

export const printDomain = (domain: Domain): string => domain.map(printSegment).join('.');

export const printScope = (scope: ParsedScope): string => scope.map(printDomain).join(':');

const isWildcard = (segment: Segment): boolean => segment.kind === 'one' || segment.kind === 'many';

/**
 * The simplest spelling of a domain: a run of n wildcards that contains a `**` matches "n or more
 * segments", spelled as n-1 `*` followed by one `**` (`**.*` and `**.**` become `*.**`).
 * Runs of `*` alone are already simplest. Other segments are kept as they are.
 */
export function normalizeDomain(domain: Domain): Domain {
  const out: Segment[] = [];
  let i = 0;
  while (i < domain.length) {
    const segment = domain[i]!;
    if (!isWildcard(segment)) {
      out.push(segment);
      i++;
      continue;
    }
    let end = i;
    let hasMany = false;
    while (end < domain.length && isWildcard(domain[end]!)) {
      if (domain[end]!.kind === 'many') hasMany = true;
      end++;
    }
    const length = end - i;
    if (hasMany) {
      for (let k = 0; k < length - 1; k++) out.push(ONE);
      out.push(MANY);
    } else {
      for (let k = 0; k < length; k++) out.push(ONE);
    }
    i = end;
  }
  return out;
}

export const normalizeParsed = (scope: ParsedScope): ParsedScope => [
  normalizeDomain(scope[0]),
  normalizeDomain(scope[1]),
  normalizeDomain(scope[2]),
];

/** Literal names used anywhere in the scopes: the only names set operations must tell apart. */
export function namesOf(scopes: readonly ParsedScope[]): Set<string> {
  const names = new Set<string>();
  for (const scope of scopes) {
    for (const domain of scope) {
      for (const segment of domain) if (segment.kind === 'name') names.add(segment.value);
    }
  }
  return names;
}

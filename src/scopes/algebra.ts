/**
 * Set algebra on parsed literal scopes. A scope denotes the product of its three domain languages; a
 * collection denotes the union of its scopes. Coverage ("is every string of x in the union of ys?") is
 * decided exactly, domain by domain (see coversFrom).
 */
import { Alphabet, Automata, isEmpty, type Dfa } from './language';
import { InvalidScopeError } from './errors';
import { MANY, namesOf, normalizeDomain, normalizeParsed, printDomain, printScope, type Domain, type ParsedScope, type Segment } from './syntax';

/** Safety limits on intersections: interleavings of names between `**`s multiply quickly. */
export const MAX_DOMAIN_INTERSECTION = 64;
export const MAX_INTERSECTION_SCOPES = 512;

type Cell = readonly [Dfa, Dfa, Dfa];


/** Compiles scopes over one alphabet, caching each scope's automata for the duration of a question. */
export class ScopeLanguages {
  private readonly automata: Automata;
  private readonly cells = new Map<ParsedScope, Cell>();

  constructor(scopes: readonly ParsedScope[]) {
    this.automata = new Automata(new Alphabet(namesOf(scopes)));
  }

  cellOf(scope: ParsedScope): Cell {
    let cell = this.cells.get(scope);
    if (!cell) {
      cell = [this.automata.compile(scope[0]), this.automata.compile(scope[1]), this.automata.compile(scope[2])];
      this.cells.set(scope, cell);
    }
    return cell;
  }

  /** True when every string `subject` matches is matched by some scope of `cover`. */
  covers(cover: readonly ParsedScope[], subject: ParsedScope): boolean {
    const x = this.cellOf(subject);
    const cells = cover.map((scope) => this.cellOf(scope));
    if (cells.some((y) => x.every((domain, d) => isEmpty(this.automata.subtract(domain, y[d]!))))) return true;
    return this.coversFrom(0, x, cells);
  }

  /**
   * Whether the product of x's domains d..2 lies in the union of the ys (restricted to those domains).
   * Domain d is split into atoms, the parts of x[d] inside exactly the same ys; each atom must then be
   * covered by those ys in the remaining domains. The last domain needs no split: it is covered iff
   * removing every y's language from it leaves nothing.
   */
  private coversFrom(d: number, x: Cell, ys: readonly Cell[]): boolean {
    const relevant = ys.filter((y) => !isEmpty(this.automata.intersect(x[d]!, y[d]!)));
    if (d === 2) {
      let rest = x[2];
      for (const y of relevant) {
        rest = this.automata.subtract(rest, y[2]);
        if (isEmpty(rest)) return true;
      }
      return isEmpty(rest);
    }
    let atoms: { language: Dfa; inside: Cell[] }[] = [{ language: x[d]!, inside: [] }];
    for (const y of relevant) {
      const next: { language: Dfa; inside: Cell[] }[] = [];
      for (const atom of atoms) {
        const inY = this.automata.intersect(atom.language, y[d]!);
        const outY = this.automata.subtract(atom.language, y[d]!);
        if (!isEmpty(inY)) next.push({ language: inY, inside: [...atom.inside, y] });
        if (!isEmpty(outY)) next.push({ language: outY, inside: atom.inside });
      }
      atoms = next;
    }
    return atoms.every((atom) => atom.inside.length > 0 && this.coversFrom(d + 1, x, atom.inside));
  }

  overlaps(a: ParsedScope, b: ParsedScope): boolean {
    const x = this.cellOf(a);
    const y = this.cellOf(b);
    return x.every((domain, d) => !isEmpty(this.automata.intersect(domain, y[d]!)));
  }


}

/** Normalized, with exact duplicates removed (first occurrence kept). */
export function distinctNormalized(scopes: readonly ParsedScope[]): ParsedScope[] {
  const seen = new Set<string>();
  const out: ParsedScope[] = [];
  for (const scope of scopes) {
    const normal = normalizeParsed(scope);
    const key = printScope(normal);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(normal);
  }
  return out;
}

/**
 * Drops every scope made redundant by the others, keeping the collection's meaning. First scopes
 * covered by one other scope go (the broader one stays), then scopes covered only by a union of others.
 */
export function simplifyParsed(scopes: readonly ParsedScope[]): ParsedScope[] {
  const distinct = distinctNormalized(scopes);
  const languages = new ScopeLanguages(distinct);
  const kept = distinct.filter((scope, i) =>
    !distinct.some((other, j) => {
      if (i === j || !languages.covers([other], scope)) return false;
      // Equal languages spelled differently: keep the first.
      return !languages.covers([scope], other) || j < i;
    }),
  );
  const result = [...kept];
  for (const scope of kept) {
    const others = result.filter((s) => s !== scope);
    if (others.length > 0 && languages.covers(others, scope)) result.splice(result.indexOf(scope), 1);
  }
  return result;
}

/** True when the union of `a` contains every string of the union of `b`. */
export function supersetParsed(a: readonly ParsedScope[], b: readonly ParsedScope[]): boolean {
  const languages = new ScopeLanguages([...a, ...b]);
  return b.every((scope) => languages.covers(a, scope));
}

export function overlapParsed(a: readonly ParsedScope[], b: readonly ParsedScope[]): boolean {
  const languages = new ScopeLanguages([...a, ...b]);
  return a.some((x) => b.some((y) => languages.overlaps(x, y)));
}

const key = (domain: Domain): string => domain.map((s) => (s.kind === 'name' ? `=${s.value}` : s.kind)).join('\u0000');

function meet(x: Segment, y: Segment): Segment | undefined {
  if (x.kind === 'name' && y.kind === 'name') return x.value === y.value ? x : undefined;
  if (x.kind === 'name') return x;
  return y;
}

/**
 * The intersection of two domain patterns as a finite set of patterns (exact). `**` is one-or-more:
 *   `**`·p ∩ t·q  = t·(p ∩ q) ∪ t·(`**`·p ∩ q)                      for t a name or `*`
 *   `**`·p ∩ `**`·q = `**`·((p ∩ q) ∪ (p ∩ `**`·q) ∪ (`**`·p ∩ q))  (split on which `**` ends first)
 * Every step shortens p or q, so the recursion ends.
 */
function intersectDomains(p: Domain, q: Domain, memo: Map<string, Domain[]>): Domain[] {
  const memoKey = `${key(p)}\u0001${key(q)}`;
  const cached = memo.get(memoKey);
  if (cached) return cached;
  let result: Domain[];
  if (p.length === 0 || q.length === 0) {
    result = p.length === 0 && q.length === 0 ? [[]] : [];
  } else {
    const [hp, ...restP] = p;
    const [hq, ...restQ] = q;
    const prefix = (head: Segment, tails: Domain[]): Domain[] => tails.map((tail) => [head, ...tail]);
    if (hp!.kind === 'many' && hq!.kind === 'many') {
      result = prefix(MANY, [
        ...intersectDomains(restP, restQ, memo),
        ...intersectDomains(restP, q, memo),
        ...intersectDomains(p, restQ, memo),
      ]);
    } else if (hp!.kind === 'many') {
      result = prefix(hq!, [...intersectDomains(restP, restQ, memo), ...intersectDomains(p, restQ, memo)]);
    } else if (hq!.kind === 'many') {
      result = prefix(hp!, [...intersectDomains(restP, restQ, memo), ...intersectDomains(restP, q, memo)]);
    } else {
      const head = meet(hp!, hq!);
      result = head ? prefix(head, intersectDomains(restP, restQ, memo)) : [];
    }
  }
  if (result.length > MAX_DOMAIN_INTERSECTION) {
    throw new InvalidScopeError(
      `${printDomain(p)} & ${printDomain(q)}`,
      `the intersection of these domains has more than ${MAX_DOMAIN_INTERSECTION} patterns; use fewer "**" between names`,
    );
  }
  memo.set(memoKey, result);
  return result;
}

/** Every pairwise intersection, simplified. Exact: the result denotes exactly a ∩ b. */
export function intersectionParsed(a: readonly ParsedScope[], b: readonly ParsedScope[]): ParsedScope[] {
  const memo = new Map<string, Domain[]>();
  const out: ParsedScope[] = [];
  for (const x of a) {
    for (const y of b) {
      const domains = [0, 1, 2].map((d) => intersectDomains(x[d]!, y[d]!, memo).map(normalizeDomain));
      for (const realm of domains[0]!) for (const context of domains[1]!) for (const action of domains[2]!) out.push([realm, context, action]);
      if (out.length > MAX_INTERSECTION_SCOPES) {
        throw new InvalidScopeError(printScope(x), `its intersection with ${printScope(y)} and the others has more than ${MAX_INTERSECTION_SCOPES} scopes`);
      }
    }
  }
  return simplifyParsed(out);
}

/**
 * The scopes of `a` (normalized, deduplicated) that `b` does not cover entirely. Conservative: the exact
 * difference of two patterns is often not a finite union of patterns (`**` minus `x` needs negation),
 * so a scope of `a` that `b` covers only in part is returned whole. What holds: the result together
 * with `a ∩ b` covers `a`, and the result holds nothing `a` does not.
 */
export function differenceParsed(a: readonly ParsedScope[], b: readonly ParsedScope[]): ParsedScope[] {
  const distinct = distinctNormalized(a);
  const languages = new ScopeLanguages([...distinct, ...b]);
  return distinct.filter((scope) => !languages.covers(b, scope));
}

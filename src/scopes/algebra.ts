/**
 * Set algebra on parsed literal scopes. A scope denotes the product of its three domain languages; a
 * collection denotes the union of its scopes. Coverage ("is every string of x in the union of ys?") is
 * decided exactly on automata (see ScopeLanguages.covers), within a work limit against hostile input.
 */
import { Alphabet, Automata, isEmpty, isSubsetOf, overlap, type Dfa } from './language';
import { ScopeComplexityError } from './errors';
import { MANY, namesOf, normalizeDomain, normalizeParsed, printDomain, printScope, type Domain, type ParsedScope, type Segment } from './syntax';

/** Safety limits on intersections: interleavings of names between `**`s multiply quickly. */
export const MAX_DOMAIN_INTERSECTION = 64;
export const MAX_INTERSECTION_SCOPES = 128;
/** Product states one question (one call of the public API) may build: well under a second of work. */
export const MAX_QUESTION_WORK = 100_000;
export const MAX_COVERAGE_CELLS = 2_000;

type Cell = readonly [Dfa, Dfa, Dfa];

/** Compiles scopes over one alphabet, caching each scope's automata for the duration of a question. */
export class ScopeLanguages {
  private readonly automata: Automata;
  private readonly cells = new Map<ParsedScope, Cell>();

  constructor(scopes: readonly ParsedScope[]) {
    const description = scopes.length <= 3 ? scopes.map(printScope).join(', ') : `${scopes.length} scopes including ${printScope(scopes[0]!)}`;
    this.automata = new Automata(new Alphabet(namesOf(scopes)), MAX_QUESTION_WORK, description);
  }

  cellOf(scope: ParsedScope): Cell {
    let cell = this.cells.get(scope);
    if (!cell) {
      cell = [this.automata.compile(scope[0]), this.automata.compile(scope[1]), this.automata.compile(scope[2])];
      this.cells.set(scope, cell);
    }
    return cell;
  }

  /**
   * True when every string `subject` matches is matched by some scope of `cover`: `subject` is cut
   * into disjoint product cells and each cover scope removed from each cell in turn (x \ y is three
   * cells: outside y's realm; inside it but outside its context; inside both but outside its action).
   * Cells that differ in one domain only are merged after each step, which keeps their number small.
   */
  covers(cover: readonly ParsedScope[], subject: ParsedScope): boolean {
    const x = this.cellOf(subject);
    const ys = cover.map((scope) => this.cellOf(scope)).filter((y) => x.every((domain, d) => overlap(domain, y[d]!)));
    if (ys.some((y) => x.every((domain, d) => isSubsetOf(domain, y[d]!)))) return true;
    // One scope that does not cover alone cannot cover with nothing else overlapping.
    if (ys.length < 2) return false;
    return this.coveredByUnion(x, ys, printScope(subject));
  }

  private coveredByUnion(x: Cell, ys: readonly Cell[], name: string): boolean {
    const a = this.automata;
    let remaining: Cell[] = [x];
    for (const [y0, y1, y2] of ys) {
      const next: Cell[] = [];
      for (const cell of remaining) {
        const [x0, x1, x2] = cell;
        const i0 = a.intersect(x0, y0);
        const i1 = isEmpty(i0) ? i0 : a.intersect(x1, y1);
        const i2 = isEmpty(i1) ? i1 : a.intersect(x2, y2);
        if (isEmpty(i2)) {
          next.push(cell);
          continue;
        }
        const pieces: Cell[] = [
          [a.subtract(x0, y0), x1, x2],
          [i0, a.subtract(x1, y1), x2],
          [i0, i1, a.subtract(x2, y2)],
        ];
        for (const piece of pieces) if (!piece.some(isEmpty)) next.push(piece);
      }
      remaining = this.merge(next);
      if (remaining.length === 0) return true;
      if (remaining.length > MAX_COVERAGE_CELLS) {
        throw new ScopeComplexityError(name, `comparing it with the others splits it into more than ${MAX_COVERAGE_CELLS} parts; use fewer overlapping "**" patterns`);
      }
    }
    return false;
  }

  /** Unites cells equal in two domains (the union of their third), until no two such cells remain. */
  private merge(cells: Cell[]): Cell[] {
    let current = cells;
    for (let changed = true; changed; ) {
      changed = false;
      for (const free of [2, 1, 0]) {
        const groups = new Map<string, Cell>();
        for (const cell of current) {
          const key = cell.map((dfa, d) => (d === free ? '' : this.automata.idOf(dfa))).join(',');
          const existing = groups.get(key);
          if (!existing) {
            groups.set(key, cell);
            continue;
          }
          const merged = [...existing] as [Dfa, Dfa, Dfa];
          merged[free] = this.automata.union(existing[free]!, cell[free]!);
          groups.set(key, merged);
          changed = true;
        }
        current = [...groups.values()];
      }
    }
    return current;
  }

  overlaps(a: ParsedScope, b: ParsedScope): boolean {
    const x = this.cellOf(a);
    const y = this.cellOf(b);
    return x.every((domain, d) => overlap(domain, y[d]!));
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
  // Once the work limit is spent every further check is undecided and its scope kept: still correct.
  const result = [...kept];
  for (const scope of kept) {
    const others = result.filter((s) => s !== scope);
    if (others.length > 0 && knownCovered(languages, others, scope)) result.splice(result.indexOf(scope), 1);
  }
  return result;
}

/** Keeping a redundant scope is always safe, so simplify treats "too complex to decide" as "not covered". */
function knownCovered(languages: ScopeLanguages, cover: readonly ParsedScope[], subject: ParsedScope): boolean {
  try {
    return languages.covers(cover, subject);
  } catch (error) {
    if (error instanceof ScopeComplexityError) return false;
    throw error;
  }
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
    throw new ScopeComplexityError(
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
        throw new ScopeComplexityError(printScope(x), `its intersection with ${printScope(y)} and the others has more than ${MAX_INTERSECTION_SCOPES} scopes`);
      }
    }
  }
  return simplifyParsed(out);
}

/**
 * The scopes of `a` (normalized, deduplicated) that `b` does not cover entirely (a minus b; the public
 * getDifference(a, b) is AuthX's b minus a, so it swaps the arguments). Conservative: the exact
 * difference of two patterns is often not a finite union of patterns (`**` minus `x` needs negation),
 * so a scope of `a` that `b` covers only in part is returned whole. What holds: the result together
 * with `a ∩ b` covers `a`, and the result holds nothing `a` does not.
 */
export function differenceParsed(a: readonly ParsedScope[], b: readonly ParsedScope[]): ParsedScope[] {
  const distinct = distinctNormalized(a);
  const languages = new ScopeLanguages([...distinct, ...b]);
  return distinct.filter((scope) => !languages.covers(b, scope));
}

/**
 * Set algebra on parsed literal scopes. A scope denotes the product of its three domain languages; a
 * collection denotes the union of its scopes. Coverage ("is every string of x in the union of ys?") is
 * decided exactly by splitting x into product cells and removing each y in turn.
 */
import { Alphabet, compileDomain, intersect, isEmpty, subtract, type Dfa } from './language';
import { MANY, namesOf, normalizeDomain, normalizeParsed, printScope, type Domain, type ParsedScope, type Segment } from './syntax';

type Cell = readonly [Dfa, Dfa, Dfa];

/** Compiles scopes over one alphabet, caching each scope's automata for the duration of a question. */
export class ScopeLanguages {
  private readonly alphabet: Alphabet;
  private readonly cells = new Map<ParsedScope, Cell>();

  constructor(scopes: readonly ParsedScope[]) {
    this.alphabet = new Alphabet(namesOf(scopes));
  }

  cellOf(scope: ParsedScope): Cell {
    let cell = this.cells.get(scope);
    if (!cell) {
      cell = [compileDomain(scope[0], this.alphabet), compileDomain(scope[1], this.alphabet), compileDomain(scope[2], this.alphabet)];
      this.cells.set(scope, cell);
    }
    return cell;
  }

  /** True when every string `subject` matches is matched by some scope of `cover`. */
  covers(cover: readonly ParsedScope[], subject: ParsedScope): boolean {
    let remaining: Cell[] = [this.cellOf(subject)];
    for (const scope of cover) {
      const [y0, y1, y2] = this.cellOf(scope);
      const next: Cell[] = [];
      for (const cell of remaining) {
        const [x0, x1, x2] = cell;
        const i0 = intersect(x0, y0);
        const i1 = isEmpty(i0) ? i0 : intersect(x1, y1);
        const i2 = isEmpty(i1) ? i1 : intersect(x2, y2);
        if (isEmpty(i2)) {
          next.push(cell);
          continue;
        }
        // x \ y as disjoint cells: outside y's realm; inside it but outside its context; then action.
        const pieces: Cell[] = [
          [subtract(x0, y0), x1, x2],
          [i0, subtract(x1, y1), x2],
          [i0, i1, subtract(x2, y2)],
        ];
        for (const piece of pieces) if (!piece.some(isEmpty)) next.push(piece);
      }
      remaining = next;
      if (remaining.length === 0) return true;
    }
    return remaining.length === 0;
  }

  overlaps(a: ParsedScope, b: ParsedScope): boolean {
    const x = this.cellOf(a);
    const y = this.cellOf(b);
    return x.every((domain, d) => !isEmpty(intersect(domain, y[d]!)));
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

/**
 * Each domain of a literal scope denotes a regular language over segments. Set questions about scopes
 * (subset, overlap, coverage by a union) are answered exactly on deterministic automata.
 *
 * The alphabet of segment names is infinite, but a question only involves the names its scopes spell
 * out: every other name is treated alike by every pattern (only a wildcard can match it), so one
 * symbol, OTHER, stands for all of them. Automata are built per question over that finite alphabet.
 */
import { ScopeComplexityError } from './errors';
import { printDomain, type Domain } from './syntax';

/**
 * Safety limits. A `**` followed by k wildcards needs about 2^k states (the automaton must remember
 * where the last few names were), so a hostile scope could otherwise exhaust memory.
 */
export const MAX_DOMAIN_STATES = 256;

export class Alphabet {
  private readonly symbols: ReadonlyMap<string, number>;
  /** Number of symbols: every named segment plus OTHER. */
  readonly size: number;

  constructor(names: Iterable<string>) {
    const symbols = new Map<string, number>();
    for (const name of names) if (!symbols.has(name)) symbols.set(name, symbols.size);
    this.symbols = symbols;
    this.size = symbols.size + 1;
  }

  /** The symbol of a name; names outside the alphabet are all OTHER. */
  symbolOf(name: string): number {
    return this.symbols.get(name) ?? this.size - 1;
  }
}

/** A complete DFA; state 0 is the start. */
export interface Dfa {
  /** transitions[state][symbol] -> state */
  readonly transitions: readonly (readonly number[])[];
  readonly accepting: readonly boolean[];
}

/** Subset construction of the NFA whose state i means "the first i segments of the pattern matched". */
function compileDomain(domain: Domain, alphabet: Alphabet): Dfa {
  const n = domain.length;
  const named = domain.map((segment) => {
    if (segment.kind === 'template' || segment.kind === 'parameter') {
      throw new TypeError(`compileDomain takes literal domains only, got a ${segment.kind} segment`);
    }
    return segment.kind === 'name' ? alphabet.symbolOf(segment.value) : -1;
  });
  const step = (states: readonly number[], symbol: number): number[] => {
    const next = new Set<number>();
    for (const state of states) {
      if (state < n && (named[state] === -1 || named[state] === symbol)) next.add(state + 1);
      // `**` keeps consuming: after matching one segment it may match more.
      if (state > 0 && domain[state - 1]!.kind === 'many') next.add(state);
    }
    return [...next].sort((a, b) => a - b);
  };
  const keys = new Map<string, number>();
  const sets: number[][] = [];
  const intern = (set: number[]): number => {
    const key = set.join(',');
    let id = keys.get(key);
    if (id === undefined) {
      if (sets.length === MAX_DOMAIN_STATES) {
        throw new ScopeComplexityError(
          printDomain(domain),
          `its wildcards are too complex to compare (more than ${MAX_DOMAIN_STATES} automaton states); use fewer "*" after a "**"`,
        );
      }
      id = sets.length;
      keys.set(key, id);
      sets.push(set);
    }
    return id;
  };
  intern([0]);
  const transitions: number[][] = [];
  for (let id = 0; id < sets.length; id++) {
    const row: number[] = [];
    for (let symbol = 0; symbol < alphabet.size; symbol++) row.push(intern(step(sets[id]!, symbol)));
    transitions.push(row);
  }
  return minimize({ transitions, accepting: sets.map((set) => set.includes(n)) });
}

function product(a: Dfa, b: Dfa, accept: (inA: boolean, inB: boolean) => boolean): Dfa {
  const symbols = a.transitions[0]!.length;
  const keys = new Map<number, number>();
  const pairs: [number, number][] = [];
  const width = b.transitions.length;
  const intern = (x: number, y: number): number => {
    const key = x * width + y;
    let id = keys.get(key);
    if (id === undefined) {
      id = pairs.length;
      keys.set(key, id);
      pairs.push([x, y]);
    }
    return id;
  };
  intern(0, 0);
  const transitions: number[][] = [];
  for (let id = 0; id < pairs.length; id++) {
    const [x, y] = pairs[id]!;
    const row: number[] = [];
    for (let symbol = 0; symbol < symbols; symbol++) row.push(intern(a.transitions[x]![symbol]!, b.transitions[y]![symbol]!));
    transitions.push(row);
  }
  return minimize({ transitions, accepting: pairs.map(([x, y]) => accept(a.accepting[x]!, b.accepting[y]!)) });
}

const and = (x: boolean, y: boolean): boolean => x && y;
const andNot = (x: boolean, y: boolean): boolean => x && !y;
const or = (x: boolean, y: boolean): boolean => x || y;

/**
 * Whether some pair of states reachable together satisfies `found`; a search over the product without
 * building it, for the yes/no questions that need no automaton as an answer.
 */
function someReachablePair(a: Dfa, b: Dfa, found: (inA: boolean, inB: boolean) => boolean): boolean {
  const symbols = a.transitions[0]!.length;
  const width = b.transitions.length;
  const seen = new Set<number>([0]);
  const queue: [number, number][] = [[0, 0]];
  for (let i = 0; i < queue.length; i++) {
    const [x, y] = queue[i]!;
    if (found(a.accepting[x]!, b.accepting[y]!)) return true;
    for (let symbol = 0; symbol < symbols; symbol++) {
      const nx = a.transitions[x]![symbol]!;
      const ny = b.transitions[y]![symbol]!;
      const key = nx * width + ny;
      if (!seen.has(key)) {
        seen.add(key);
        queue.push([nx, ny]);
      }
    }
  }
  return false;
}

/** L(a) ⊆ L(b) */
export const isSubsetOf = (a: Dfa, b: Dfa): boolean => !someReachablePair(a, b, andNot);

/** L(a) ∩ L(b) ≠ ∅ */
export const overlap = (a: Dfa, b: Dfa): boolean => someReachablePair(a, b, and);

/** Every state of a built DFA is reachable, so the language is empty iff no state accepts. */
export const isEmpty = (a: Dfa): boolean => !a.accepting.some(Boolean);

/**
 * Automata of one question, interned: a minimal DFA numbered breadth-first from its start state is
 * canonical, so equal languages share one object and each operation on a pair is computed once.
 * Coverage checks repeat the same products many times, which makes this the difference between
 * milliseconds and seconds.
 */
export class Automata {
  private readonly byKey = new Map<string, Dfa>();
  private readonly ids = new Map<Dfa, number>();
  private readonly results = new Map<string, Dfa>();
  /** Product states built so far (upper bounds): the measure of work `workLimit` bounds. */
  private work = 0;

  constructor(
    readonly alphabet: Alphabet,
    /** Past it, operations throw ScopeComplexityError naming `description`. */
    private readonly workLimit: number,
    private readonly description: string,
  ) {}

  compile(domain: Domain): Dfa {
    return this.intern(compileDomain(domain, this.alphabet));
  }

  intersect(a: Dfa, b: Dfa): Dfa {
    return this.operate('&', a, b, and);
  }

  subtract(a: Dfa, b: Dfa): Dfa {
    return this.operate('-', a, b, andNot);
  }

  union(a: Dfa, b: Dfa): Dfa {
    return this.operate('|', a, b, or);
  }

  /** A number naming the language of an interned automaton. */
  idOf(dfa: Dfa): number {
    return this.ids.get(dfa)!;
  }

  private operate(op: string, a: Dfa, b: Dfa, accept: (x: boolean, y: boolean) => boolean): Dfa {
    const key = `${op}${this.ids.get(a)},${this.ids.get(b)}`;
    let result = this.results.get(key);
    if (!result) {
      const size = a.transitions.length * b.transitions.length;
      if (this.work + size > this.workLimit) {
        throw new ScopeComplexityError(
          this.description,
          `deciding this takes more than ${this.workLimit} automaton states (their "**" patterns overlap in too many ways); use fewer overlapping "**" patterns`,
        );
      }
      this.work += size;
      result = this.intern(product(a, b, accept));
      this.results.set(key, result);
    }
    return result;
  }

  private intern(dfa: Dfa): Dfa {
    const key = `${dfa.accepting.map(Number).join('')}|${dfa.transitions.map((row) => row.join(',')).join(';')}`;
    const existing = this.byKey.get(key);
    if (existing) return existing;
    this.byKey.set(key, dfa);
    this.ids.set(dfa, this.ids.size);
    return dfa;
  }
}

/**
 * Partition refinement (Moore's, one symbol at a time with numeric keys): splits states until no class
 * holds two states that some symbol sends to different classes. Keeps automata small across products.
 */
function minimize(dfa: Dfa): Dfa {
  const count = dfa.transitions.length;
  const symbols = dfa.transitions[0]!.length;
  let classes: number[] = dfa.accepting.map((accepting) => (accepting ? 1 : 0));
  let classCount = new Set(classes).size;
  for (let changed = true; changed; ) {
    changed = false;
    for (let symbol = 0; symbol < symbols; symbol++) {
      const ids = new Map<number, number>();
      const next = new Array<number>(count);
      for (let state = 0; state < count; state++) {
        const key = classes[state]! * count + classes[dfa.transitions[state]![symbol]!]!;
        let id = ids.get(key);
        if (id === undefined) {
          id = ids.size;
          ids.set(key, id);
        }
        next[state] = id;
      }
      classes = next;
      if (ids.size !== classCount) {
        classCount = ids.size;
        changed = true;
      }
    }
  }
  // Renumber so the start state's class is 0.
  const order = new Map<number, number>();
  const queue = [classes[0]!];
  order.set(classes[0]!, 0);
  const representative = new Map<number, number>();
  classes.forEach((c, state) => {
    if (!representative.has(c)) representative.set(c, state);
  });
  const transitions: number[][] = [];
  const accepting: boolean[] = [];
  for (let i = 0; i < queue.length; i++) {
    const state = representative.get(queue[i]!)!;
    const row = dfa.transitions[state]!.map((to) => {
      const c = classes[to]!;
      let id = order.get(c);
      if (id === undefined) {
        id = order.size;
        order.set(c, id);
        queue.push(c);
      }
      return id;
    });
    transitions.push(row);
    accepting.push(dfa.accepting[state]!);
  }
  return { transitions, accepting };
}

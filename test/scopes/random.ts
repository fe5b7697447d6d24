/** A small seeded generator (mulberry32) so property tests are reproducible without a dependency. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/**
 * Reference matcher written independently of src/scopes: does the domain pattern (segments of a
 * literal scope) match a concrete list of segment names? `*` is one segment, `**` one or more.
 */
export function patternMatches(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length === 0) return segments.length === 0;
  const [head, ...rest] = pattern;
  if (segments.length === 0) return false;
  if (head === '**') {
    for (let take = 1; take <= segments.length; take++) {
      if (patternMatches(rest, segments.slice(take))) return true;
    }
    return false;
  }
  if (head !== '*' && head !== segments[0]) return false;
  return patternMatches(rest, segments.slice(1));
}

/** Does a scope literal allow the concrete scope `realm:context:action` (no wildcards)? */
export function scopeMatches(scope: string, concrete: string): boolean {
  const patterns = scope.split(':');
  const values = concrete.split(':');
  return patterns.every((pattern, d) => patternMatches(pattern.split('.'), values[d]!.split('.')));
}

/** Every concrete domain of 1..maxLength segments over the names. */
export function concreteDomains(names: readonly string[], maxLength: number): string[] {
  const out: string[] = [];
  let layer: string[][] = [[]];
  for (let length = 1; length <= maxLength; length++) {
    layer = layer.flatMap((prefix) => names.map((name) => [...prefix, name]));
    out.push(...layer.map((segments) => segments.join('.')));
  }
  return out;
}

/** The dependency arrows: modules/ (the constructs) stands alone as a library; src/ may use it, never the reverse. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });

describe('layers', () => {
  it('no file under modules/ imports from src/ or broker/ (the domain and the HTTP layer)', () => {
    const offenders = filesUnder(join(ROOT, 'modules')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+(?:src|broker)\/[^']*)'/g)].map((m) => `${relative(ROOT, file)} -> ${m[1]}`),
    );
    expect(offenders).toEqual([]);
  });
});

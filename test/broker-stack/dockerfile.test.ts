/**
 * No Docker engine here: the Dockerfile is checked as text. Its stages are pinned, everything it copies
 * from the build context exists and is not excluded by .dockerignore, and what the runtime stage copies
 * from the build stage is something that stage has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKER_PORT, BROKER_UID } from '../../modules/broker/broker-deployment';

const ROOT = join(__dirname, '..', '..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly image: string;
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions per stage, line continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { image: string; name: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`unreadable FROM: ${line}`);
      stages.push({ image: match[1]!, name: match[2] ?? String(stages.length), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before the first FROM`);
      stage.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** COPY's flags, sources and destination. */
function parseCopy(args: string): { from?: string; sources: string[]; destination: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const copies = (s: Stage) => s.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('Dockerfile', () => {
  it('THEN its stages are terraform, build and runtime, each on a pinned image', () => {
    expect(stages.map((s) => [s.name, s.image])).toEqual([
      ['terraform', 'hashicorp/terraform:1.11.4'],
      ['build', 'node:20-bookworm-slim'],
      ['runtime', 'node:20-bookworm-slim'],
    ]);
  });

  it('THEN terraform is copied from the official image stage, not downloaded', () => {
    expect(copies(stage('runtime'))).toContainEqual({ from: 'terraform', sources: ['/bin/terraform'], destination: '/usr/local/bin/terraform' });
    expect(dockerfile).not.toMatch(/curl|wget|releases\.hashicorp\.com/);
  });

  it('THEN the build stage installs with npm ci, builds and prunes dev dependencies', () => {
    const build = runs(stage('build'));
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(build.indexOf('npm run build')).toBeLessThan(build.indexOf('npm prune --omit=dev'));
  });

  it('THEN every path copied from the build context exists in the repository and is not excluded by .dockerignore', () => {
    const fromContext = stages.flatMap(copies).filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored.includes(source) || ignored.includes(source.split('/')[0]!), `${source} is in .dockerignore`).toBe(false);
    }
  });

  it('THEN what the runtime stage copies from the build stage is there: copied into /app or produced by the build', () => {
    const build = stage('build');
    // terraform-providers: `terraform providers mirror` in the build stage fills it.
    const inBuild = new Set(['node_modules', 'dist', ...(/providers mirror \/app\/terraform-providers/.test(runs(build)) ? ['terraform-providers'] : [])]);
    for (const copy of copies(build)) {
      for (const source of copy.sources) inBuild.add(copy.destination === './' ? source.replace(/\/$/, '') : copy.destination.replace(/^\.\//, ''));
    }
    const fromBuild = copies(stage('runtime')).filter((copy) => copy.from === 'build');
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const source of fromBuild.flatMap((copy) => copy.sources)) {
      expect(source.startsWith('/app/'), source).toBe(true);
      expect(inBuild.has(source.slice('/app/'.length)), source).toBe(true);
    }
  });

  it('THEN the runtime ships terraform-provider-ovsb in terraform\'s implied system mirror', () => {
    expect(runs(stage('runtime'))).toMatch(/node dist\/src\/cli\/main\.js provider install \/usr\/local\/share\/terraform\/plugins/);
  });

  it('THEN every provider the stacks need is mirrored into the image and is the default OVSB_PROVIDER_MIRROR (no download at pod start)', () => {
    expect(runs(stage('build'))).toMatch(/synth --out \/tmp\/synth.*provider-requirements\.js.*providers mirror \/app\/terraform-providers/);
    expect(copies(stage('runtime'))).toContainEqual({ from: 'build', sources: ['/app/terraform-providers'], destination: '/opt/terraform-providers' });
    expect(stage('runtime').instructions.filter((i) => i.keyword === 'ENV').at(-1)?.args).toMatch(/OVSB_PROVIDER_MIRROR=\/opt\/terraform-providers/);
  });

  it('THEN the runtime runs `ovsb serve` as the non-root user the Kubernetes Deployment expects, on 0.0.0.0:8080, with a /live health check', () => {
    const runtime = stage('runtime');
    const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
    expect(last('USER')).toBe(`${BROKER_UID}:${BROKER_UID}`);
    expect(runs(runtime)).toContain(`--uid ${BROKER_UID}`);
    expect(last('EXPOSE')).toBe(String(BROKER_PORT));
    expect(last('ENV')).toMatch(/OVSB_HOST=0\.0\.0\.0/);
    expect(last('HEALTHCHECK')).toMatch(new RegExp(`/live.*\\|\\| ${BROKER_PORT}|${BROKER_PORT}.*/live`));
    expect(JSON.parse(last('CMD')!)).toEqual(['node', 'dist/src/cli/main.js', 'serve']);
  });
});

describe('.dockerignore', () => {
  it.each(['.git', 'node_modules', 'dist', 'cdktf.out', '.ovsb', '*.tfstate', '.env'])('keeps %s out of the build context', (entry) => {
    expect(ignored).toContain(entry);
  });
});

/**
 * Synthesises a git revision of this project without touching the user's checkout: a temporary
 * `git worktree add --detach`, the current checkout's node_modules linked in, the revision's own
 * TypeScript build (with the current `tsc`), its own `ovsb synth --out` (every plan, plus its stacks.yaml
 * stacks), then the worktree removed again. The revision's code and catalog decide what it synthesises.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { ConfigError, ExternalError } from '../errors';
import { execute } from '../terraform/executor';
import type { StackConfig } from './diff';

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A build or synth of a whole revision takes a minute or two; ten is a hung process. */
const DEFAULT_PROCESS_TIMEOUT_MS = 10 * 60_000;

export interface RunProcessOptions {
  readonly cwd: string;
  /** Added to PATH, HOME and TMPDIR (the executor passes nothing else of this process's environment). @default none */
  readonly env?: NodeJS.ProcessEnv;
  /** Interrupted (SIGINT, then SIGKILL) after this long. @default 600000 */
  readonly timeoutMs?: number;
  /** Aborting interrupts the process the same way. @default none */
  readonly signal?: AbortSignal;
}

/** Runs a program through the project's one executor (no shell, time limit, AbortSignal) and collects its output. */
export async function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
  let result;
  try {
    result = await execute(command, { args, env, cwd: options.cwd }, { timeoutMs, killGraceMs: 5_000, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    throw new ExternalError(`${command} could not be started: ${(error as Error).message}`, { source: command }, { cause: error });
  }
  if (result.timedOut || result.aborted) {
    // `git worktree`, `node tsc`: the program and its subcommand or script, never a script's text.
    const subcommand = args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '-C' && !/\s/.test(arg));
    const step = `${basename(command)}${subcommand !== undefined ? ` ${basename(subcommand)}` : ''}`;
    const why = result.timedOut ? `did not finish within ${timeoutMs / 1000} s` : 'was cancelled';
    throw new ExternalError(`${step} ${why} and was interrupted`, { source: command, exitCode: result.exitCode, signal: result.signal });
  }
  return { code: result.exitCode, stdout: result.stdout.join('\n'), stderr: result.stderr.join('\n') };
}

function failure(step: string, result: ProcessResult): ExternalError {
  const diagnostics = `${result.stderr}\n${result.stdout}`.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '').slice(-15);
  return new ExternalError(`${step} failed (exit code ${result.code ?? 'none'})${diagnostics.length > 0 ? `:\n  ${diagnostics.join('\n  ')}` : ''}`, {
    source: step,
    exitCode: result.code,
    diagnostics,
  });
}

async function git(repo: string, args: readonly string[]): Promise<string> {
  const result = await runProcess('git', ['-C', repo, ...args], { cwd: repo });
  if (result.code !== 0) throw failure(`git ${args[0] ?? ''}`, result);
  return result.stdout.trim();
}

/** Where the project sits in its git repository. */
export interface ProjectLocation {
  /** The git work tree's top directory. */
  readonly repoRoot: string;
  /** The project (package.json) directory inside it, relative; '' at the top. */
  readonly prefix: string;
  /** The current checkout's node_modules, linked into every worktree. */
  readonly nodeModules: string;
}

export async function locateProject(projectDir: string): Promise<ProjectLocation> {
  const inside = await runProcess('git', ['-C', projectDir, 'rev-parse', '--show-toplevel'], { cwd: projectDir });
  if (inside.code !== 0) {
    throw new ConfigError(projectDir, '', 'is not inside a git repository; `ovsb review` compares git revisions, run it in a clone of the project');
  }
  const repoRoot = inside.stdout.trim();
  const nodeModules = join(projectDir, 'node_modules');
  if (!existsSync(join(nodeModules, 'typescript', 'bin', 'tsc'))) {
    throw new ConfigError(nodeModules, '', 'has no typescript; run `npm ci` in the project first (review builds each revision with it)');
  }
  return { repoRoot, prefix: relative(repoRoot, projectDir), nodeModules };
}

/** The commit a ref names; ConfigError naming the option (`--base`) when it names none. */
export async function resolveCommit(repoRoot: string, ref: string, option: string): Promise<string> {
  if (ref.startsWith('-')) throw new ConfigError(option, '', `"${ref}" is not a git ref`);
  const result = await runProcess('git', ['-C', repoRoot, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoRoot });
  if (result.code !== 0) {
    throw new ConfigError(
      option,
      '',
      `"${ref}" names no commit in ${repoRoot}; give a branch, tag or commit (in CI fetch the full history: actions/checkout with fetch-depth: 0)`,
    );
  }
  return result.stdout.trim();
}

export interface SynthesizedRevision {
  readonly commit: string;
  readonly stacks: ReadonlyMap<string, StackConfig>;
  /** Build warnings worth telling the reader (type errors the revision was synthesised despite). */
  readonly notes: readonly string[];
}

export interface SynthRevisionOptions {
  readonly location: ProjectLocation;
  readonly commit: string;
  /** Names the revision in messages, e.g. `base (origin/main)`. */
  readonly label: string;
  /** Environment for the revision's synth (OVSB_CATALOG and OVSB_STACKS_FILE are dropped: each revision uses its own files). */
  readonly env: NodeJS.ProcessEnv;
}

/** Builds and synthesises one revision in a temporary worktree, which is removed afterwards. */
export async function synthesizeRevision(options: SynthRevisionOptions): Promise<SynthesizedRevision> {
  const { location, commit, label } = options;
  const scratch = await mkdtemp(join(tmpdir(), 'ovsb-review-'));
  const worktree = join(scratch, 'tree');
  let added = false;
  try {
    await git(location.repoRoot, ['worktree', 'add', '--detach', '--quiet', worktree, commit]);
    added = true;
    const project = join(worktree, location.prefix);
    if (!existsSync(join(project, 'package.json'))) {
      throw new ConfigError(label, location.prefix || '.', `has no package.json at ${location.prefix || 'the repository root'}: the project is not in this revision`);
    }
    // A node_modules committed by mistake (or a committed link) would shadow the checkout's own.
    await rm(join(project, 'node_modules'), { recursive: true, force: true });
    await symlink(location.nodeModules, join(project, 'node_modules'), 'dir');

    const notes: string[] = [];
    const tsc = join(location.nodeModules, 'typescript', 'bin', 'tsc');
    const build = await runProcess(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
    const cli = join(project, 'dist', 'src', 'cli', 'main.js');
    if (build.code !== 0) {
      // tsc still emits JavaScript for code with type errors; a revision that cannot emit at all fails.
      if (!existsSync(cli)) throw failure(`building ${label}`, build);
      const errors = build.stdout.split('\n').filter((line) => line.includes('error TS')).length;
      notes.push(`The ${label} revision has ${errors} TypeScript error${errors === 1 ? '' : 's'}; it was synthesised from the JavaScript tsc emitted anyway.`);
    }

    const out = join(scratch, 'synth');
    const env: NodeJS.ProcessEnv = { ...options.env, CHECKPOINT_DISABLE: '1' };
    delete env['OVSB_CATALOG'];
    delete env['OVSB_STACKS_FILE'];
    delete env['CDKTF_OUTDIR'];
    const synth = await runProcess(process.execPath, [cli, 'synth', '--out', out], { cwd: project, env });
    if (synth.code !== 0) throw failure(`ovsb synth of ${label}`, synth);
    return { commit, stacks: await readStacks(out), notes };
  } finally {
    if (added) await git(location.repoRoot, ['worktree', 'remove', '--force', worktree]).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    if (added) await git(location.repoRoot, ['worktree', 'prune']).catch(() => undefined);
  }
}

/** `<out>/stacks/<name>/cdk.tf.json` of every stack. */
export async function readStacks(outdir: string): Promise<Map<string, StackConfig>> {
  const stacksDir = join(outdir, 'stacks');
  const stacks = new Map<string, StackConfig>();
  if (!existsSync(stacksDir)) return stacks;
  for (const entry of await readdir(stacksDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(stacksDir, entry.name, 'cdk.tf.json');
    if (!existsSync(file)) continue;
    stacks.set(entry.name, JSON.parse(await readFile(file, 'utf8')) as StackConfig);
  }
  return stacks;
}

/**
 * `ovsb review`: what a pull request changes in the synthesised Terraform of every stack, for reviewers.
 * Both revisions are built and synthesised in temporary git worktrees (the user's checkout is never
 * touched), then diffed (src/review).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../catalog/load';
import { ConfigError } from '../errors';
import { diffStackSets } from '../review/diff';
import { livePlanTerraform, planLiveStacks, type LivePlanTarget } from '../review/live-plans';
import { renderMarkdown } from '../review/markdown';
import { buildReport, reportToJson, type LivePlan } from '../review/report';
import { locateProject, resolveCommit, runProcess, synthesizeRevision, type ProjectLocation } from '../review/revisions';
import { DEFAULT_STACKS_FILE, parseTeamStackEntries } from '../stacks-file/stacks-file';
import { terraformRunnerSettings } from '../terraform/settings';
import { parseArgs, single } from './args';
import { UsageError, type CliContext, type Command } from './command';

/** Exit code of `--fail-on-destructive` when a data volume would be replaced or destroyed. */
export const DESTRUCTIVE_EXIT_CODE = 3;

export const reviewCommand: Command = {
  name: 'review',
  summary: 'diff the synthesised stacks of two git revisions (PR plan review)',
  usage: [
    'ovsb review --base <git-ref> [--head <git-ref>] [--format markdown|json] [--json-file FILE]',
    '            [--fail-on-destructive] [--terraform-plan]',
    '  Builds and synthesises both revisions (every plan, plus stacks.yaml stacks) in temporary git worktrees',
    '  and prints, per stack, the resources added / changed / replaced / removed with the attributes that',
    '  changed. Data volumes replaced or destroyed are marked DESTRUCTIVE; client image changes are listed.',
    '  --head                 default HEAD',
    '  --format               markdown (default, for a PR comment) or json',
    '  --json-file            also write the full JSON report to FILE (the comment may leave sections out)',
    `  --fail-on-destructive  exit ${DESTRUCTIVE_EXIT_CODE} when anything destructive is found`,
    '  --terraform-plan       also `terraform plan` the head revision of each stacks.yaml stack against its',
    '                         live state (needs providers and credentials; skipped with a note otherwise)',
  ].join('\n'),
  async run(args, context) {
    const parsed = parseArgs(args, { options: ['base', 'head', 'format', 'json-file'], flags: ['fail-on-destructive', 'terraform-plan'] });
    const baseRef = single(parsed, 'base');
    if (baseRef === undefined) throw new UsageError('--base is required, e.g. --base origin/main');
    const headRef = single(parsed, 'head') ?? 'HEAD';
    const format = single(parsed, 'format') ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') throw new UsageError(`--format "${format}" is not markdown or json`);

    const location = await locateProject(projectDir(context.cwd));
    const [baseCommit, headCommit] = await Promise.all([
      resolveCommit(location.repoRoot, baseRef, '--base'),
      resolveCommit(location.repoRoot, headRef, '--head'),
    ]);
    context.stderr.write(`ovsb review: building and synthesising ${baseRef} (${baseCommit.slice(0, 12)}) and ${headRef} (${headCommit.slice(0, 12)})\n`);
    const env = { ...context.env } as NodeJS.ProcessEnv;
    const [base, head] = await Promise.all([
      synthesizeRevision({ location, commit: baseCommit, label: `base (${baseRef})`, env }),
      synthesizeRevision({ location, commit: headCommit, label: `head (${headRef})`, env }),
    ]);

    const livePlans = parsed.flags.has('terraform-plan') ? await livePlansOf(location, headCommit, head.stacks, context) : undefined;
    const report = buildReport(
      diffStackSets(base.stacks, head.stacks),
      { base: { ref: baseRef, commit: baseCommit }, head: { ref: headRef, commit: headCommit } },
      { ...(livePlans ? { livePlans } : {}), notes: [...base.notes, ...head.notes] },
    );
    const jsonFile = single(parsed, 'json-file');
    if (jsonFile !== undefined) writeFileSync(resolve(context.cwd, jsonFile), reportToJson(report));
    context.stdout.write(format === 'json' ? reportToJson(report) : renderMarkdown(report));
    const s = report.summary;
    context.stderr.write(
      `ovsb review: ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.unchanged} unchanged stacks; ${report.destructive ? 'DESTRUCTIVE changes found' : 'nothing destructive'}\n`,
    );
    return report.destructive && parsed.flags.has('fail-on-destructive') ? DESTRUCTIVE_EXIT_CODE : 0;
  },
};

function projectDir(cwd: string): string {
  try {
    return packageRoot(cwd);
  } catch {
    throw new ConfigError(cwd, '', 'is not inside the project (no package.json of open-validator-service-broker above it); run `ovsb review` in a clone of the project');
  }
}

async function livePlansOf(
  location: ProjectLocation,
  headCommit: string,
  stacks: Parameters<typeof planLiveStacks>[0]['stacks'],
  context: CliContext,
): Promise<LivePlan[]> {
  const stacksFile = [location.prefix, DEFAULT_STACKS_FILE].filter(Boolean).join('/');
  const shown = await runProcess('git', ['-C', location.repoRoot, 'show', `${headCommit}:${stacksFile}`], { cwd: location.repoRoot });
  if (shown.code !== 0) return [];
  const targets: LivePlanTarget[] = parseTeamStackEntries(shown.stdout, `${stacksFile} at ${headCommit.slice(0, 12)}`).map((entry) => ({
    name: entry.name,
    ...(entry.backend ? { backend: entry.backend } : {}),
  }));
  const project = join(location.repoRoot, location.prefix);
  const settings = terraformRunnerSettings(context.env, join(project, '.ovsb'));
  const pgConnStr = context.env['PG_CONN_STR'];
  context.stderr.write(`ovsb review: terraform plan of ${targets.length} stacks.yaml stack${targets.length === 1 ? '' : 's'}\n`);
  return planLiveStacks({
    stacks,
    targets,
    cdktfOutdir: join(project, cdktfOutput(project)),
    ...livePlanTerraform(settings),
    env: { ...settings.providerEnv, ...(pgConnStr ? { PG_CONN_STR: pgConnStr } : {}) },
    log: {
      info: () => undefined,
      warn: (_fields, message) => context.stderr.write(`ovsb review: ${message}\n`),
    },
  });
}

/** cdktf.json's `output`: where `cdktf deploy` keeps each stack's directory (and local state). */
function cdktfOutput(project: string): string {
  try {
    const output = (JSON.parse(readFileSync(join(project, 'cdktf.json'), 'utf8')) as { output?: unknown }).output;
    return typeof output === 'string' && output !== '' ? output : 'cdktf.out';
  } catch {
    return 'cdktf.out';
  }
}

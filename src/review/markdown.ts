/**
 * The review as a pull-request comment: summary table first, then the loud findings (destructive,
 * client versions, replacements), then each group of identically-changed stacks in a `<details>`.
 * GitHub refuses comments over 65,536 characters: sections are added while they fit and the rest is
 * named in a closing note (the JSON output always has everything). Pure.
 */
import type { BlockDiff, FindingKind } from './diff';
import type { Json, ValueChange } from './json-diff';
import type { LivePlan, ReviewReport, StackGroup } from './report';

export interface MarkdownOptions {
  /** @default 60000 (GitHub's comment limit is 65,536; the rest is headroom for the workflow's own text) */
  readonly maxChars?: number;
  /** Stack names listed per group before "and N more". @default 40 */
  readonly maxStackNames?: number;
  /** Attribute changes shown per resource. @default 25 */
  readonly maxChangesPerBlock?: number;
}

/** Marks the comment so the workflow finds and updates its own comment. */
export const REVIEW_MARKER = '<!-- ovsb-plan-review -->';

const LOUD: Readonly<Record<FindingKind, string>> = {
  destructive: '⚠️ **DESTRUCTIVE**',
  'client-version': '⬆️ **CLIENT VERSION**',
  replacement: '♻️ **REPLACE**',
  'volume-resize': '📏 **VOLUME RESIZE**',
  'state-backend': '🗄️ **STATE BACKEND**',
};

const ACTION_SYMBOL: Readonly<Record<BlockDiff['action'], string>> = { create: '+', update: '~', replace: '-/+', delete: '-' };

export function renderMarkdown(report: ReviewReport, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? 60_000;
  const maxNames = options.maxStackNames ?? 40;
  const maxChanges = options.maxChangesPerBlock ?? 25;
  const head: string[] = [REVIEW_MARKER, ...summary(report)];
  if (report.notes.length > 0) head.push('', ...report.notes.map((note) => `> ${note}`));

  const sections: string[][] = [];
  const destructive = report.findings.filter((f) => f.kind === 'destructive');
  if (destructive.length > 0) {
    sections.push([
      '',
      '### ⚠️ DESTRUCTIVE: data volumes replaced or destroyed',
      '',
      'The chain data on these volumes is lost (a full resync, days for mainnet). Merge only on purpose; the broker refuses such updates unless `allow_data_volume_replacement` is set.',
      '',
      ...destructive.flatMap((f) => findingLines(f.kind, f.message, f.stacks, maxNames)),
    ]);
  }
  if (report.images.length > 0) {
    sections.push([
      '',
      '### ⬆️ Client versions',
      '',
      ...report.images.flatMap((image) =>
        findingLines('client-version', `\`${image.repository}\` \`${image.before}\` → \`${image.after}\`${image.note === undefined ? '' : `: **${image.note}**`}`, image.stacks, maxNames, true),
      ),
    ]);
  }
  const others = report.findings.filter((f) => f.kind === 'state-backend' || f.kind === 'replacement' || f.kind === 'volume-resize');
  if (others.length > 0) {
    sections.push(['', '### State backends, other replacements and resizes', '', ...others.flatMap((f) => findingLines(f.kind, f.message, f.stacks, maxNames))]);
  }
  if (report.livePlans) sections.push(livePlanLines(report.livePlans));
  if (report.groups.length > 0) {
    sections.push(['', `### Changes by stack (${report.groups.length} distinct change set${report.groups.length === 1 ? '' : 's'})`]);
    for (const group of report.groups) sections.push(groupLines(group, maxNames, maxChanges));
  }

  let out = head.join('\n');
  let omitted = 0;
  for (const section of sections) {
    const text = `\n${section.join('\n')}`;
    // Room for the closing note.
    if (omitted > 0 || out.length + text.length > maxChars - 300) omitted++;
    else out += text;
  }
  if (omitted > 0) {
    out += `\n\n> ${omitted} more section${omitted === 1 ? '' : 's'} left out to stay within the comment size limit; run \`ovsb review --format json\` for the full report.`;
  }
  return `${out}\n`;
}

function summary(report: ReviewReport): string[] {
  const s = report.summary;
  const r = s.resources;
  const title = `## OVSB plan review: \`${report.base.ref}\` (${short(report.base.commit)}) → \`${report.head.ref}\` (${short(report.head.commit)})`;
  if (s.added + s.removed + s.changed === 0) {
    return [title, '', `No synthesised stack changes (${s.headStacks} stacks compared).`];
  }
  return [
    title,
    '',
    report.destructive ? '**⚠️ DESTRUCTIVE changes found: data volumes would be replaced or destroyed (details below).**' : 'No data volume is replaced or destroyed.',
    '',
    '| | |',
    '|---|---:|',
    `| ⚠️ Stacks with destructive changes | ${s.destructiveStacks} |`,
    `| ⬆️ Stacks with client version changes | ${s.versionChangeStacks} |`,
    `| ♻️ Stacks with other replacements | ${s.replacementStacks} |`,
    `| Stacks changed / added / removed / unchanged | ${s.changed} / ${s.added} / ${s.removed} / ${s.unchanged} |`,
    `| Resources to create / update / replace / destroy | ${r.create} / ${r.update} / ${r.replace} / ${r.delete} |`,
  ];
}

const short = (commit: string) => `\`${commit.slice(0, 12)}\``;

function stackList(stacks: readonly string[], maxNames: number): string {
  const shown = stacks.slice(0, maxNames).map((name) => `\`${name}\``);
  const more = stacks.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}

function findingLines(kind: FindingKind, message: string, stacks: readonly string[], maxNames: number, markdownMessage = false): string[] {
  const text = markdownMessage ? message : inline(message);
  return [
    `- ${LOUD[kind]} ${text} in **${stacks.length} stack${stacks.length === 1 ? '' : 's'}**`,
    `  <details><summary>stacks</summary>${stackList(stacks, maxNames)}</details>`,
  ];
}

function livePlanLines(plans: readonly LivePlan[]): string[] {
  const lines = ['', '### Live stacks (`terraform plan` of the head revision against their state)', ''];
  if (plans.length === 0) lines.push('No stacks.yaml stack to plan.');
  for (const plan of plans) {
    if (plan.status !== 'planned') {
      lines.push(`- \`${plan.stack}\`: ${plan.status === 'skipped' ? 'skipped' : '**plan failed**'}: ${inline(plan.reason)}`);
      continue;
    }
    const loud = plan.changes.some((change) => change.dataVolume) ? ` ${LOUD.destructive}` : '';
    lines.push(`- \`${plan.stack}\`: ${plan.counts.add} to add, ${plan.counts.change} to change, ${plan.counts.remove} to destroy${loud}${plan.note ? ` (${inline(plan.note)})` : ''}`);
    for (const change of plan.changes) {
      lines.push(`  - ${change.dataVolume ? '⚠️ ' : ''}\`${change.action}\` \`${change.address}\``);
    }
  }
  return lines;
}

function groupLines(group: StackGroup, maxNames: number, maxChanges: number): string[] {
  const c = group.counts;
  const counts = [c.create && `+${c.create}`, c.update && `~${c.update}`, c.replace && `-/+${c.replace}`, c.delete && `-${c.delete}`].filter(Boolean).join(' ');
  const title =
    group.stacks.length === 1 ? `<code>${group.stacks[0]}</code>` : `<code>${group.stacks[0]}</code> and ${group.stacks.length - 1} more stack${group.stacks.length === 2 ? '' : 's'}`;
  const flags = [
    group.status !== 'changed' ? `stack ${group.status}` : '',
    counts && `resources ${counts}`,
    group.destructive ? '⚠️ DESTRUCTIVE' : '',
    group.findings.some((f) => f.kind === 'client-version') ? '⬆️ client version' : '',
  ].filter(Boolean);
  const lines = ['', `<details><summary>${title}: ${escapeHtml(flags.join(' · '))}</summary>`, ''];
  if (group.stacks.length > 1) lines.push(`Stacks: ${stackList(group.stacks, maxNames)}`, '');
  if (group.status === 'added' || group.status === 'removed') {
    const verb = group.status === 'added' ? 'creates' : 'leaves';
    lines.push(`The stack is ${group.status}: it ${verb} ${group.blocks.filter((b) => b.kind === 'resource').length} resources.`, '');
  }
  for (const block of group.blocks) {
    if (group.status !== 'changed' && block.kind !== 'resource') continue;
    lines.push(...blockLines(block, maxChanges, group.status === 'changed'));
  }
  lines.push('', '</details>');
  return lines;
}

function blockLines(block: BlockDiff, maxChanges: number, withChanges: boolean): string[] {
  const type = block.type ? ` (${block.type})` : '';
  const lines = [`- \`${ACTION_SYMBOL[block.action]}\` **${inline(block.label)}**${type}${block.action === 'replace' ? ' **replaced**' : ''}`];
  for (const reason of block.reasons) lines.push(`  - ${inline(reason)}`);
  if (!withChanges) return lines;
  for (const change of block.changes.slice(0, maxChanges)) lines.push(...changeLines(change));
  if (block.changes.length > maxChanges) lines.push(`  - … and ${block.changes.length - maxChanges} more attribute changes`);
  return lines;
}

function changeLines(change: ValueChange): string[] {
  // A local or output whose whole value changed has an empty path.
  const path = change.path === '' ? '(value)' : `\`${change.path}\``;
  switch (change.kind) {
    case 'changed':
      return [`  - ${path}: ${value(change.before)} → ${value(change.after)}`];
    case 'added':
      return [`  - ${path}: added ${value(change.after)}`];
    case 'removed':
      return [`  - ${path}: removed (was ${value(change.before)})`];
    case 'items':
      return [
        `  - ${path}:${change.removed.map((item) => ` −${value(item)}`).join('')}${change.added.map((item) => ` +${value(item)}`).join('')}`,
      ];
    case 'lines': {
      const shown = 40;
      const diffLines = [...change.removed.map((line) => `- ${line}`), ...change.added.map((line) => `+ ${line}`)];
      return [
        `  - ${path}:`,
        '    ```diff',
        ...diffLines.slice(0, shown).map((line) => `    ${line.replace(/```/g, "'''")}`),
        ...(diffLines.length > shown ? [`    … ${diffLines.length - shown} more lines`] : []),
        '    ```',
      ];
    }
  }
}

/** A value as inline code, clipped. */
function value(json: Json): string {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const clipped = text.length > 160 ? `${text.slice(0, 159)}…` : text;
  return clipped === '' ? '`""`' : inlineCode(clipped);
}

/** Inline code that survives backticks inside the value. */
function inlineCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, '⏎')}${pad}${fence}`;
}

/**
 * Plain text in Markdown: no accidental HTML, emphasis, code or table cells. Underscores inside words
 * (attribute names) are literal in GitHub Markdown and stay readable unescaped.
 */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/([*`|\\])/g, '\\$1')
    .replace(/(^|\W)_/g, '$1\\_')
    .replace(/ -> /g, ' → ');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

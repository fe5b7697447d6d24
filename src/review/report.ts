/**
 * The review report: the diff grouped for people. Several hundred stacks share few distinct changes
 * ("geth v1.16.7 -> v1.16.8" in every geth stack), so findings, image changes and whole stack diffs are
 * grouped by identical content, each with the stacks it occurs in. Pure.
 */
import type { ActionCounts, BlockDiff, Finding, FindingKind, ImageChange, ReviewDiff, StackDiff } from './diff';

export interface RevisionInfo {
  /** As the user gave it, e.g. `origin/main`. */
  readonly ref: string;
  readonly commit: string;
}

export interface FindingGroup {
  readonly kind: FindingKind;
  readonly message: string;
  readonly stacks: readonly string[];
}

export interface ImageGroup extends ImageChange {
  readonly stacks: readonly string[];
}

/** Stacks whose diffs are identical (apart from the name). */
export interface StackGroup {
  readonly stacks: readonly string[];
  readonly status: StackDiff['status'];
  readonly blocks: readonly BlockDiff[];
  readonly findings: readonly Finding[];
  readonly counts: ActionCounts;
  readonly destructive: boolean;
}

/** A `terraform plan` of a live stack (`--terraform-plan`). */
export type LivePlan =
  | {
      readonly stack: string;
      readonly status: 'planned';
      readonly counts: { readonly add: number; readonly change: number; readonly remove: number };
      readonly changes: readonly { readonly address: string; readonly action: string; readonly dataVolume: boolean }[];
      /** E.g. "no state found: the plan creates everything". @default none */
      readonly note?: string;
    }
  | { readonly stack: string; readonly status: 'skipped' | 'failed'; readonly reason: string };

export interface ReviewReport {
  readonly base: RevisionInfo;
  readonly head: RevisionInfo;
  readonly summary: {
    readonly baseStacks: number;
    readonly headStacks: number;
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    readonly unchanged: number;
    /** Managed resources over all stacks. */
    readonly resources: ActionCounts;
    readonly destructiveStacks: number;
    readonly versionChangeStacks: number;
    readonly replacementStacks: number;
  };
  readonly destructive: boolean;
  readonly findings: readonly FindingGroup[];
  readonly images: readonly ImageGroup[];
  readonly groups: readonly StackGroup[];
  /** Present with `--terraform-plan`. */
  readonly livePlans?: readonly LivePlan[];
  /** Things the reader should know about how the review was made (a revision with type errors, ...). */
  readonly notes: readonly string[];
}

const FINDING_ORDER: readonly FindingKind[] = ['destructive', 'client-version', 'state-backend', 'replacement', 'volume-resize'];

export function buildReport(
  diff: ReviewDiff,
  revisions: { readonly base: RevisionInfo; readonly head: RevisionInfo },
  extras: { readonly livePlans?: readonly LivePlan[]; readonly notes?: readonly string[] } = {},
): ReviewReport {
  const findings = new Map<string, { kind: FindingKind; message: string; stacks: string[] }>();
  const images = new Map<string, { change: ImageChange; stacks: string[] }>();
  const groups = new Map<string, { stacks: string[]; diff: StackDiff }>();
  for (const stack of diff.stacks) {
    for (const finding of stack.findings) {
      if (finding.kind === 'client-version') continue;
      const key = `${finding.kind}\u0000${finding.message}`;
      const group = findings.get(key) ?? { kind: finding.kind, message: finding.message, stacks: [] };
      if (!group.stacks.includes(stack.stack)) group.stacks.push(stack.stack);
      findings.set(key, group);
    }
    for (const image of stack.images) {
      const key = `${image.repository}\u0000${image.before}\u0000${image.after}`;
      const group = images.get(key) ?? { change: image, stacks: [] };
      group.stacks.push(stack.stack);
      images.set(key, group);
    }
    const fingerprint = JSON.stringify([stack.status, stack.blocks, stack.findings]);
    const group = groups.get(fingerprint) ?? { stacks: [], diff: stack };
    group.stacks.push(stack.stack);
    groups.set(fingerprint, group);
  }

  const total = (action: keyof ActionCounts) => diff.stacks.reduce((sum, stack) => sum + stack.counts[action], 0);
  const withKind = (kind: FindingKind) => diff.stacks.filter((stack) => stack.findings.some((finding) => finding.kind === kind)).length;
  return {
    base: revisions.base,
    head: revisions.head,
    summary: {
      baseStacks: diff.baseStackCount,
      headStacks: diff.headStackCount,
      added: diff.stacks.filter((stack) => stack.status === 'added').length,
      removed: diff.stacks.filter((stack) => stack.status === 'removed').length,
      changed: diff.stacks.filter((stack) => stack.status === 'changed').length,
      unchanged: diff.unchanged.length,
      resources: { create: total('create'), update: total('update'), replace: total('replace'), delete: total('delete') },
      destructiveStacks: diff.stacks.filter((stack) => stack.destructive).length,
      versionChangeStacks: diff.stacks.filter((stack) => stack.images.length > 0).length,
      replacementStacks: withKind('replacement'),
    },
    destructive: diff.stacks.some((stack) => stack.destructive) || (extras.livePlans ?? []).some(planIsDestructive),
    findings: [...findings.values()].sort(
      (a, b) => FINDING_ORDER.indexOf(a.kind) - FINDING_ORDER.indexOf(b.kind) || b.stacks.length - a.stacks.length || a.message.localeCompare(b.message),
    ),
    images: [...images.values()]
      .map(({ change, stacks }) => ({ ...change, stacks }))
      .sort((a, b) => b.stacks.length - a.stacks.length || a.repository.localeCompare(b.repository)),
    groups: [...groups.values()]
      .map(({ stacks, diff: stack }) => ({
        stacks,
        status: stack.status,
        blocks: stack.blocks,
        findings: stack.findings,
        counts: stack.counts,
        destructive: stack.destructive,
      }))
      .sort((a, b) => Number(b.destructive) - Number(a.destructive) || b.stacks.length - a.stacks.length || a.stacks[0]!.localeCompare(b.stacks[0]!)),
    ...(extras.livePlans ? { livePlans: extras.livePlans } : {}),
    notes: extras.notes ?? [],
  };
}

const planIsDestructive = (plan: LivePlan): boolean => plan.status === 'planned' && plan.changes.some((change) => change.dataVolume);

/** The JSON form of `--format json`: the report, with readable paths and without the internal path segments. */
export function reportToJson(report: ReviewReport): string {
  const groups = report.groups.map((group) => ({
    ...group,
    blocks: group.blocks.map((block) => ({ ...block, changes: block.changes.map(({ segments: _segments, ...change }) => change) })),
  }));
  return `${JSON.stringify({ ...report, groups }, null, 2)}\n`;
}

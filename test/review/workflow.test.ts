import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REVIEW_MARKER } from '../../src/review/markdown';
import { DESTRUCTIVE_EXIT_CODE } from '../../src/cli/review';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly if?: string;
}

const text = readFileSync(join(__dirname, '..', '..', '.github', 'workflows', 'plan-review.yml'), 'utf8');
const workflow = parse(text) as {
  on: { pull_request: { types: string[] } };
  permissions: Record<string, string>;
  jobs: { review: { steps: Step[] } };
};
const steps = workflow.jobs.review.steps;
const uses = (action: string) => steps.find((step) => step.uses?.startsWith(`${action}@`));

describe('.github/workflows/plan-review.yml', () => {
  it('THEN it runs on pull requests, re-running when labels change, and may comment', () => {
    expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(['opened', 'synchronize', 'labeled', 'unlabeled']));
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('THEN every action is pinned to a full commit SHA', () => {
    const actions = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(actions.length).toBe(5);
    for (const action of actions) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('THEN it checks out the full history, uses Node 20 and terraform 1.11.4 without the wrapper', () => {
    expect(uses('actions/checkout')?.with).toMatchObject({ 'fetch-depth': 0 });
    expect(uses('actions/setup-node')?.with).toMatchObject({ 'node-version': 20 });
    expect(uses('hashicorp/setup-terraform')?.with).toMatchObject({ terraform_version: '1.11.4', terraform_wrapper: false });
  });

  it('THEN it installs with npm ci and reviews the base branch against HEAD into review.md', () => {
    expect(steps.some((step) => step.run?.trim() === 'npm ci')).toBe(true);
    const review = steps.find((step) => step.name === 'ovsb review')?.run ?? '';
    expect(review).toContain('npx ovsb review --base "origin/${BASE_REF}" --head HEAD --fail-on-destructive');
    expect(review).toContain('--json-file review.json');
    expect(review).toContain('> review.md');
    expect(review).toContain(`-ne ${DESTRUCTIVE_EXIT_CODE}`);
  });

  it('THEN the sticky comment is found by the marker the review prints first', () => {
    const script = String(steps.find((step) => step.uses?.startsWith('actions/github-script@'))?.with?.['script']);
    expect(script).toContain(`const marker = '${REVIEW_MARKER}'`);
    expect(script).toContain('updateComment');
  });

  it('THEN destructive changes fail the job unless the allow-destructive-changes label is set', () => {
    const gate = steps.find((step) => step.name === 'Gate on destructive changes');
    expect(gate?.run).toContain(`"$CODE" = ${DESTRUCTIVE_EXIT_CODE}`);
    expect(text).toContain("contains(github.event.pull_request.labels.*.name, 'allow-destructive-changes')");
  });
});

import { describe, expect, it } from 'vitest';

import { ChangeProgress, type RunProgress } from '../../src/terraform/progress';
import { fixtureEvents } from './helpers';

function replay(fixture: string, verb: 'applying' | 'destroying'): { updates: RunProgress[]; tracker: ChangeProgress } {
  const tracker = new ChangeProgress(verb);
  const updates: RunProgress[] = [];
  for (const event of fixtureEvents(fixture)) {
    const update = tracker.next(event);
    if (update) updates.push(update);
  }
  return { updates, tracker };
}

describe('ChangeProgress', () => {
  it('counts a first apply resource by resource', () => {
    const { updates, tracker } = replay('apply-create.jsonl', 'applying');
    expect(updates.map((u) => u.message)).toEqual([
      'planned: 3 to add, 0 to change, 0 to destroy',
      'applying 1/3: terraform_data.execution_volume',
      'applying 2/3: terraform_data.execution',
      'applying 3/3: terraform_data.beacon',
      'apply complete: 3 added, 0 changed, 0 destroyed',
    ]);
    expect(updates.at(-1)).toMatchObject({ completed: 3, total: 3 });
    expect(tracker.completed).toBe(3);
  });

  it('counts a replacement once although it runs a delete and a create hook', () => {
    const { updates, tracker } = replay('apply-update-replace.jsonl', 'applying');
    expect(updates.map((u) => u.message)).toEqual([
      'planned: 1 to add, 1 to change, 1 to destroy',
      'applying 1/2: terraform_data.beacon',
      'applying 2/2: terraform_data.execution',
      'applying 1/2: terraform_data.beacon',
      'apply complete: 1 added, 1 changed, 1 destroyed',
    ]);
    expect(tracker.completed).toBe(2);
    expect(tracker.total).toBe(2);
  });

  it('reports a destroy with its own verb', () => {
    const { updates } = replay('destroy.jsonl', 'destroying');
    expect(updates.map((u) => u.message)).toEqual([
      'planned: 0 to add, 0 to change, 3 to destroy',
      'destroying 1/3: terraform_data.beacon',
      'destroying 2/3: terraform_data.execution_volume',
      'destroying 3/3: terraform_data.execution',
      'destroy complete: 3 destroyed',
    ]);
  });

  it('reports a long-running resource and its failure', () => {
    const { updates, tracker } = replay('apply-provisioner-errored.jsonl', 'applying');
    expect(updates.map((u) => u.message)).toEqual([
      'planned: 1 to add, 0 to change, 0 to destroy',
      'applying 1/1: terraform_data.execution',
      'applying 1/1: terraform_data.execution (10s elapsed)',
      'applying 1/1: terraform_data.execution failed after 11s',
    ]);
    expect(tracker.completed).toBe(0);
  });

  it('stops counting where a half-provisioned apply failed', () => {
    const { updates, tracker } = replay('apply-postcondition-failed.jsonl', 'applying');
    expect(updates.at(-1)?.message).toBe('applying 2/3: terraform_data.beacon');
    expect(tracker.completed).toBe(2);
  });
});

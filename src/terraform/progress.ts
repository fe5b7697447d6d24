/**
 * Turns the event stream of `apply -json` / `destroy -json` into progress lines for last_operation:
 * "applying 7/12: kubernetes_stateful_set_v1.execution".
 *
 * The total is the number of resource instances with a planned change (`planned_change` events, which
 * terraform prints before applying). A replacement is one resource but two hooks (delete and create, in
 * either order): it counts once, and is done when both hooks completed. Messages name resources only,
 * never values.
 */
import type { ChangeAction, TerraformEvent } from './events';

export interface RunProgress {
  /** Human-readable, safe to show to platform users. */
  readonly message: string;
  /** Resource instances whose change finished. */
  readonly completed: number;
  /** Resource instances with a planned change; 0 before the plan is known. */
  readonly total: number;
}

export type ProgressListener = (progress: RunProgress) => void;

/** Actions that run apply hooks, and how many hooks each one runs. */
const HOOKS_PER_ACTION: Partial<Record<ChangeAction, number>> = {
  create: 1,
  read: 1,
  update: 1,
  delete: 1,
  replace: 2,
};

export class ChangeProgress {
  readonly #expectedHooks = new Map<string, number>();
  readonly #finishedHooks = new Map<string, number>();
  readonly #ordinal = new Map<string, number>();
  #completed = 0;

  constructor(private readonly verb: 'applying' | 'destroying') {}

  get completed(): number {
    return this.#completed;
  }

  get total(): number {
    return Math.max(this.#expectedHooks.size, this.#ordinal.size);
  }

  /** Feeds one event; returns the progress to publish, if the event changes what users should see. */
  next(event: TerraformEvent): RunProgress | undefined {
    switch (event.type) {
      case 'planned_change': {
        const hooks = HOOKS_PER_ACTION[event.action];
        if (hooks !== undefined) this.#expectedHooks.set(event.resource.address, hooks);
        return undefined;
      }
      case 'change_summary':
        return this.#progress(summaryMessage(event.operation, event.changes));
      case 'apply_start': {
        const address = event.resource.address;
        if (!this.#ordinal.has(address)) this.#ordinal.set(address, this.#ordinal.size + 1);
        return this.#progress(this.#resourceMessage(address));
      }
      case 'apply_progress':
        return this.#progress(`${this.#resourceMessage(event.resource.address)} (${event.elapsedSeconds ?? 0}s elapsed)`);
      case 'apply_complete': {
        const address = event.resource.address;
        const finished = (this.#finishedHooks.get(address) ?? 0) + 1;
        this.#finishedHooks.set(address, finished);
        if (finished === (this.#expectedHooks.get(address) ?? 1)) this.#completed += 1;
        return undefined;
      }
      case 'apply_errored':
        return this.#progress(`${this.#resourceMessage(event.resource.address)} failed after ${event.elapsedSeconds ?? 0}s`);
      default:
        return undefined;
    }
  }

  #resourceMessage(address: string): string {
    const ordinal = this.#ordinal.get(address) ?? this.#ordinal.size + 1;
    return `${this.verb} ${ordinal}/${this.total}: ${address}`;
  }

  #progress(message: string): RunProgress {
    return { message, completed: this.#completed, total: this.total };
  }
}

function summaryMessage(
  operation: 'plan' | 'apply' | 'destroy',
  changes: { readonly add: number; readonly change: number; readonly remove: number },
): string {
  switch (operation) {
    case 'plan':
      return `planned: ${changes.add} to add, ${changes.change} to change, ${changes.remove} to destroy`;
    case 'apply':
      return `apply complete: ${changes.add} added, ${changes.change} changed, ${changes.remove} destroyed`;
    case 'destroy':
      return `destroy complete: ${changes.remove} destroyed`;
  }
}

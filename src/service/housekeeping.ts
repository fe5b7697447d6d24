/**
 * Periodic housekeeping, at start and then every `intervalMs` on every replica (each pass is safe to run
 * on several at once):
 * - retention (`OVSB_RETENTION_DAYS`): history of deleted things older than the retention goes
 *   (Storage.pruneRetired: deprovisioned instances with their operations, deleted bindings with theirs);
 *   live instances keep their whole audit trail. 0 keeps everything.
 * - workspaces (TerraformRunner.collectWorkspaces): terraform working directories this replica does not
 *   need (with a shared backend: any not in use here; local: those of instances that are gone).
 */
import type { Logger } from '../log';
import type { Storage } from '../storage/types';

export interface WorkspaceCollector {
  collectWorkspaces(liveInstanceKeys: readonly string[]): Promise<{ readonly removed: readonly string[]; readonly keptWithResources: readonly string[] }>;
}

export interface HousekeepingOptions {
  readonly storage: Storage;
  readonly workspaces: WorkspaceCollector;
  readonly logger: Logger;
  /** 0: keep all history. */
  readonly retentionDays: number;
  /** @default 1 hour */
  readonly intervalMs?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export interface HousekeepingPass {
  /** @default undefined: retention off */
  readonly pruned?: { readonly operations: number; readonly instances: number; readonly bindings: number };
  readonly workspacesRemoved: number;
  /** Workspaces of gone instances still holding resources (local backend): kept. @default [] */
  readonly keptWithResources?: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;

export class Housekeeping {
  readonly #options: HousekeepingOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<HousekeepingPass | undefined> | undefined;

  constructor(options: HousekeepingOptions) {
    this.#options = options;
  }

  /** Runs a pass now (failures are logged, never thrown) and then periodically. */
  async start(): Promise<void> {
    await this.#safePass();
    this.#timer = setInterval(() => void this.#safePass(), this.#options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async runOnce(): Promise<HousekeepingPass> {
    const { storage, workspaces, retentionDays, clock = () => new Date() } = this.#options;
    const pruned = retentionDays > 0 ? await storage.pruneRetired(new Date(clock().getTime() - retentionDays * DAY_MS)) : undefined;
    const live = (await storage.listInstances()).filter((instance) => instance.state !== 'deprovisioned').map((instance) => instance.id);
    const collected = await workspaces.collectWorkspaces(live);
    return { ...(pruned !== undefined && { pruned }), workspacesRemoved: collected.removed.length, ...(collected.keptWithResources.length > 0 && { keptWithResources: collected.keptWithResources }) };
  }

  #safePass(): Promise<HousekeepingPass | undefined> {
    const { logger } = this.#options;
    this.#running ??= this.runOnce()
      .then(
        (pass) => {
          const kept = pass.keptWithResources;
          if (kept !== undefined) logger.warn({ workspaces: kept }, 'workspaces of instances that are gone still hold terraform state with resources; kept (destroy them by hand or restore the instances)');
          if ((pass.pruned !== undefined && pass.pruned.operations + pass.pruned.instances + pass.pruned.bindings > 0) || pass.workspacesRemoved > 0) {
            logger.info(pass, 'housekeeping: removed retired history and unused workspaces');
          }
          return pass;
        },
        (error: unknown) => {
          logger.warn({ err: error }, 'housekeeping pass failed; it runs again at the next interval');
          return undefined;
        },
      )
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}

/**
 * Terraform state locks as terraform reports them, and the rule for when a lock is stale.
 *
 * What a crash leaves behind differs by backend (verified with terraform 1.11):
 * - local: the lock is an OS file lock, released by the kernel when terraform dies; the leftover
 *   `.terraform.tfstate.lock.info` is harmless (the next run overwrites it, `force-unlock` even refuses
 *   it as "not locked"). A local lock only blocks while a terraform process is alive.
 * - pg: a session-level advisory lock, released when the holder's connection closes; the lock info in
 *   the error is the requester's own, not the holder's.
 * - s3 (DynamoDB or S3 lock file): the lock outlives the process and names its holder (`user@host`).
 * So the runner (a) interrupts terraform processes a previous broker process left running in a
 * workspace, for every backend, and (b) force-unlocks only backends whose locks outlive their holder,
 * judged from the broker's own serialisation of work on an instance (see {@link isStaleLock}).
 */

export interface StateLockInfo {
  readonly id: string;
  /** `user@host` of the process that took the lock. */
  readonly who?: string;
  readonly operation?: string;
  readonly created?: string;
  readonly path?: string;
}

/**
 * Reads the `Lock Info:` block terraform prints in the detail of "Error acquiring the state lock":
 *   Lock Info:
 *     ID:        f2082967-...
 *     Who:       root@vm
 */
export function parseLockInfo(detail: string): StateLockInfo | undefined {
  const field = (name: string): string | undefined => {
    const match = new RegExp(`^\\s*${name}:[ \\t]*(.*)$`, 'm').exec(detail);
    const value = match?.[1]?.trim();
    return value ? value : undefined;
  };
  const id = field('ID');
  if (id === undefined) return undefined;
  const who = field('Who');
  const operation = field('Operation');
  const created = field('Created');
  const path = field('Path');
  return {
    id,
    ...(who !== undefined ? { who } : {}),
    ...(operation !== undefined ? { operation } : {}),
    ...(created !== undefined ? { created } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/** The first line of the lock error's detail, e.g. `Error message: resource temporarily unavailable`. */
export function lockErrorCause(detail: string): string {
  const first = detail.split('\n').find((line) => line.trim() !== '') ?? '';
  return first.replace(/^Error message:\s*/, '').trim();
}

export interface StaleLockFacts {
  readonly lock: StateLockInfo;
  /** Whether this backend's locks survive the death of their holder (s3). */
  readonly lockOutlivesHolder: boolean;
  /** Whether a terraform process still runs in the workspace (after orphan recovery). */
  readonly terraformRunningInWorkspace: boolean;
  /**
   * This replica holds the operation lease of the instance, checked after the lock error: the broker
   * runs one operation per instance at a time, so no other broker run may hold the lock legitimately.
   */
  readonly holdsInstanceLease: boolean;
  /**
   * Host names of the other replicas holding a live operation lease (any instance); `undefined` for a
   * lease whose owner names no host (an operator-chosen replica id), which could be anywhere.
   */
  readonly otherLiveLeaseHosts: readonly (string | undefined)[];
  /** The user this broker runs terraform as (`os.userInfo().username`); every replica runs as one. */
  readonly user: string;
  /** How long terraform waited for the lock before giving up (`-lock-timeout`). */
  readonly waitedMs: number;
  /**
   * How long a terraform run interrupted at the end of its lease may still hold the lock (SIGINT,
   * then SIGKILL after the grace): a run whose replica lost its lease stops within that.
   */
  readonly interruptGraceMs: number;
}

const holderOf = (lock: StateLockInfo): { user: string; host: string } | undefined => {
  const match = /^(.+)@([^@]+)$/.exec(lock.who ?? '');
  return match ? { user: match[1] as string, host: match[2] as string } : undefined;
};

/**
 * A lock is stale when all of these hold:
 * - the backend's locks outlive their holder (otherwise a lock is held only by a live process);
 * - no terraform runs in this workspace (this replica's own left-over runs were interrupted before);
 * - this replica holds the instance's operation lease: any other broker run on this instance has lost
 *   its lease, and a worker aborts its run once its lease deadline passes;
 * - terraform waited at least the interrupt grace for the lock, so such an aborted run has been
 *   interrupted and killed by now;
 * - the lock was taken by a broker (`Who` names this broker's user; a person running terraform by hand
 *   usually is someone else, and their lock is never ours to break);
 * - no other replica with a live lease runs on the lock's host (nor one whose host is unknown): a
 *   replica that is alive there would still be running whatever took the lock.
 * Where any fact is missing the lock is not stale and the operation fails naming the lock.
 */
export function isStaleLock(facts: StaleLockFacts): boolean {
  if (!facts.lockOutlivesHolder || facts.terraformRunningInWorkspace || !facts.holdsInstanceLease) return false;
  if (facts.waitedMs < facts.interruptGraceMs) return false;
  const holder = holderOf(facts.lock);
  if (holder === undefined || holder.user !== facts.user) return false;
  return facts.otherLiveLeaseHosts.every((host) => host !== undefined && host !== holder.host);
}

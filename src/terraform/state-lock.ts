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
 * when the holder was this host and nothing runs in the workspace any more.
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
  /** This machine's host name (`os.hostname()`). */
  readonly hostname: string;
  /** Whether a terraform process still runs in the workspace (after orphan recovery). */
  readonly terraformRunningInWorkspace: boolean;
}

/**
 * A lock is stale when it outlives its holder by design, was taken from this host (so the holder was
 * one of our terraform runs: the runner is the only thing running terraform for this workspace), and
 * no terraform process is left in the workspace. A lock from another host is never ours to break.
 */
export function isStaleLock(facts: StaleLockFacts): boolean {
  if (!facts.lockOutlivesHolder || facts.terraformRunningInWorkspace) return false;
  const host = facts.lock.who?.split('@').pop();
  return host !== undefined && host === facts.hostname;
}

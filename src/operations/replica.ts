/**
 * Replica identity for operation leases: `<hostname>:<pid>:<boot id>:<pid namespace>:<random>`.
 * A lease normally ends by expiry; an owner whose process is known not to exist any more is gone at once
 * (a restarted broker resumes its predecessor's operations without waiting the lease out).
 *
 * "Known" needs more than the host name: two brokers with the same host name (containers with a fixed
 * hostname, pods of a StatefulSet rescheduled elsewhere) may run in different PID namespaces or on
 * different machines, where the other's pid means nothing. So the id also carries the kernel's boot id
 * (`/proc/sys/kernel/random/boot_id`) and the PID namespace inode (`/proc/self/ns/pid`); only an owner
 * with the same host name, boot and PID namespace is checked with kill(pid, 0). Anything else, or ids
 * without those parts (older brokers, operator-chosen ids, systems without /proc), is "can't tell":
 * its lease has to expire.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Stands for a part this system does not expose (no /proc): an id with it is never judged gone. */
const UNKNOWN = '-';

function bootId(): string {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return /^[0-9a-f-]{36}$/.test(id) ? id : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

function pidNamespace(): string {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

interface LocalIdentity {
  readonly host: string;
  readonly boot: string;
  readonly pidNamespace: string;
}

let local: LocalIdentity | undefined;
/** Read once: neither changes while the process lives (the host name is read again each time). */
const localIdentity = (): LocalIdentity => {
  local ??= { host: hostname(), boot: bootId(), pidNamespace: pidNamespace() };
  return { ...local, host: hostname() };
};

/** An id for process `pid` of this host, boot and PID namespace (tests name other processes with it). */
export function replicaIdFor(pid: number, suffix: string = randomBytes(4).toString('hex')): string {
  const { host, boot, pidNamespace: namespace } = localIdentity();
  return `${host}:${pid}:${boot}:${namespace}:${suffix}`;
}

export const newReplicaId = (): string => replicaIdFor(process.pid);

const REPLICA_ID = /^(.+):(\d+):([0-9a-f-]{36}|-):(\d+|-):[0-9a-f]+$/;

export interface ReplicaIdentity {
  readonly host: string;
  readonly pid: number;
  /** Undefined when the replica's system did not expose it. */
  readonly boot?: string;
  readonly pidNamespace?: string;
}

/** The parts of a replica id; undefined for ids of another shape (operator-chosen, older brokers'). */
export function parseReplicaId(replicaId: string): ReplicaIdentity | undefined {
  const match = REPLICA_ID.exec(replicaId);
  if (match === null) return undefined;
  const [, host, pid, boot, namespace] = match as unknown as [string, string, string, string, string];
  return {
    host,
    pid: Number(pid),
    ...(boot !== UNKNOWN ? { boot } : {}),
    ...(namespace !== UNKNOWN ? { pidNamespace: namespace } : {}),
  };
}

/** The host a replica id names, or undefined when it names none (an operator-chosen id). */
export const replicaHost = (replicaId: string): string | undefined => parseReplicaId(replicaId)?.host;

/**
 * True only when certain: same host name, same boot, same PID namespace, another pid, and no such
 * process. Every other case is "can't tell" (false): the lease has to expire.
 */
export function replicaIsGone(replicaId: string): boolean {
  const owner = parseReplicaId(replicaId);
  if (owner === undefined) return false;
  const here = localIdentity();
  if (owner.host !== here.host || here.boot === UNKNOWN || here.pidNamespace === UNKNOWN) return false;
  if (owner.boot !== here.boot || owner.pidNamespace !== here.pidNamespace) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * In-process concurrency limits: a counting semaphore (e.g. the terraform pool across instances) and a
 * keyed mutex (one terraform run per instance; one storage lock holder per instance id in a process).
 * Both are FIFO and abortable: a waiter whose AbortSignal fires leaves the queue and rejects with the
 * signal's reason.
 */

export type Release = () => void;

/** The reason `untilDeadline` aborts with when the deadline passes. */
export class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed';
}

/**
 * Waits for `acquire` until `deadline` (epoch ms) or until `signal` aborts, whichever comes first.
 * A plain timer and controller rather than `AbortSignal.any([AbortSignal.timeout(...)])`: Node holds
 * the sources of `any` weakly, so a timeout signal nothing else references can be collected and never
 * fire, leaving the waiter queued past its deadline.
 */
export async function untilDeadline<T>(deadline: number, signal: AbortSignal | undefined, acquire: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlinePassed('the deadline passed')), Math.max(0, deadline - Date.now()));
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await acquire(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

interface Waiter {
  readonly grant: () => void;
}

export class Semaphore {
  #available: number;
  readonly #queue: Waiter[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`semaphore capacity must be a positive integer, got ${capacity}`);
    this.#available = capacity;
  }

  /** Runs currently holding a permit. */
  get active(): number {
    return this.capacity - this.#available;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#queue.length;
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0) {
      this.#available -= 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The permit passes straight to the next waiter, so nobody can overtake the queue.
      if (next) next.grant();
      else this.#available += 1;
    };
  }
}

export class KeyedMutex {
  readonly #locks = new Map<string, Semaphore>();

  isLocked(key: string): boolean {
    return this.#locks.has(key);
  }

  async acquire(key: string, signal?: AbortSignal): Promise<Release> {
    let lock = this.#locks.get(key);
    if (!lock) {
      lock = new Semaphore(1);
      this.#locks.set(key, lock);
    }
    const held = lock;
    try {
      const release = await held.acquire(signal);
      return () => {
        release();
        if (held.active === 0 && held.waiting === 0 && this.#locks.get(key) === held) this.#locks.delete(key);
      };
    } catch (error) {
      if (held.active === 0 && held.waiting === 0 && this.#locks.get(key) === held) this.#locks.delete(key);
      throw error;
    }
  }

  /** As `acquire`, giving up after `timeoutMs` with `onTimeout()` (the queue position is given up). */
  async acquireWithin(key: string, timeoutMs: number, onTimeout: () => Error): Promise<Release> {
    try {
      return await untilDeadline(Date.now() + timeoutMs, undefined, (signal) => this.acquire(key, signal));
    } catch (error) {
      throw error instanceof DeadlinePassed ? onTimeout() : error;
    }
  }
}

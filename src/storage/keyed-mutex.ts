/** In-process mutual exclusion per key, with a bounded wait. */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Resolves with a release function once every earlier holder of `key` released it; rejects with
   * `onTimeout()` after `timeoutMs` (the queue position is given up, later waiters are not blocked).
   */
  acquire(key: string, timeoutMs: number, onTimeout: () => Error): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    const releaseOnce = () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(onTimeout());
      }, timeoutMs);
      void previous.then(() => {
        clearTimeout(timer);
        if (timedOut) releaseOnce();
        else resolve(releaseOnce);
      });
    });
  }
}

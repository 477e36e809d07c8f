// A counting semaphore: at most `limit` tasks of one generator run at once, whatever the runner schedules.

export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('concurrency must be at least 1');
  }

  /** Runs `task` when a slot is free. A task still waiting when `signal` aborts never runs: it rejects with
   *  `onAbort()` (the caller's own cancellation error). */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal, onAbort: () => Error = () => new Error('cancelled')): Promise<T> {
    if (signal?.aborted) throw onAbort();
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', abandon);
          resolve();
        };
        const abandon = () => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(onAbort());
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', abandon, { once: true });
      });
    }
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

// Runs go one at a time: a run started while another is in flight waits in line, because two runs would compete
// for the same cores, GPU and backends and both be slower. Whoever starts runs (the engine in-process, the language
// server in worker threads) queues them here, so the rule lives in one place.

export interface Queued<T> {
  readonly outcome: Promise<T>;
  /** Stops the job (its signal aborts), or takes it out of the line before it starts. */
  cancel(): void;
}

export class RunQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Runs `job` once the jobs before it have ended. `onQueued` hears how many are ahead when it must wait;
   *  a job cancelled before its turn never starts and resolves with `ifCancelledEarly`. */
  enqueue<T>(job: (signal: AbortSignal) => Promise<T>, ifCancelledEarly: T, onQueued?: (ahead: number) => void): Queued<T> {
    const controller = new AbortController();
    const ahead = this.waiting++;
    if (ahead > 0) onQueued?.(ahead);
    const outcome = this.tail.then(async () => {
      try {
        return controller.signal.aborted ? ifCancelledEarly : await job(controller.signal);
      } finally {
        this.waiting--;
      }
    });
    this.tail = outcome.catch(() => undefined);
    return { outcome, cancel: () => controller.abort() };
  }
}

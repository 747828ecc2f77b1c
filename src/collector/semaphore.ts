// Counting semaphore with abortable, FIFO waiting: bounds blob downloads per tenant across all of
// that tenant's streams. Hand-written (30 lines) because common packages (p-limit) cannot cancel a
// queued waiter when the run is aborted.

export class Semaphore {
  private available: number;
  private readonly queue: Array<{ resolve: () => void; reject: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];

  constructor(size: number) {
    this.available = Math.max(1, Math.floor(size));
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.queue)[number] = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
    });
  }

  release(): void {
    const next = this.queue.shift();
    if (next) {
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.available++;
    }
  }
}

import type { Logger } from 'pino';

/** Periodic tasks of a service: one run at a time, failures logged, all stopped together. */
export class Periodic {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly log: Logger) {}

  every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      fn()
        .catch((e) => {
          if (!this.stopped) this.log.warn({ err: e instanceof Error ? e : new Error(String(e)) }, 'periodic task failed');
        })
        .finally(() => (busy = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Outbox, OutboxEvent } from '../../ledger/outbox.js';
import { eventDefaults, type EventOptions } from '../options.js';
import type { WebhookConfig } from '../../protocol/events.js';
import type { Components, Service } from './components.js';

/** Headers of a webhook POST (README "Events and webhooks"). */
export const SIGNATURE_HEADER = 'x-tongban-signature';
export const EVENT_ID_HEADER = 'x-tongban-event-id';
export const EVENT_TYPE_HEADER = 'x-tongban-event-type';
export const ATTEMPT_HEADER = 'x-tongban-delivery-attempt';

/** `sha256=` and the lowercase hex HMAC-SHA256 of the exact body bytes under the webhook's secret (UTF-8). */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` under `secret` (constant-time). */
export function verifySignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return got.length === want.length && timingSafeEqual(got, want);
}

export type WebhooksComponents = Pick<Components, 'log' | 'metrics'> & { outbox: Outbox };
export type WebhooksInit = { hooks: WebhookConfig[] } & Partial<Pick<EventOptions, 'webhookTimeoutMs' | 'webhookRetryBaseMs' | 'webhookRetryMaxMs'>>;

/** Events read from the outbox per page. */
const PAGE = 100;

/** The delivery cursor's name: per URL, so a restart (or a change of types) resumes where delivery stopped. */
const cursorName = (url: string) => `hook/${createHash('sha256').update(url).digest('hex').slice(0, 32)}`;

/** A metrics label naming a webhook without its path or query (they may carry tokens). */
const labelOf = (i: number, url: string) => {
  try {
    return `${i}:${new URL(url).origin}`;
  } catch {
    return String(i);
  }
};

/**
 * One webhook: events of its types POSTed one at a time, in id order; the
 * next only after a 2xx for the one before, retried with exponential backoff
 * while the receiver fails. The delivery cursor is written durably after each
 * 2xx: a crash between the 2xx and that write delivers the event again
 * (at least once; receivers de-duplicate by event id).
 */
class Hook {
  readonly label: string;
  private readonly types: ReadonlySet<string>;
  private readonly cursor: string;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private done: Promise<void> = Promise.resolve();
  private off: (() => void) | undefined;

  constructor(
    i: number,
    private readonly hook: WebhookConfig,
    private readonly opts: Pick<EventOptions, 'webhookTimeoutMs' | 'webhookRetryBaseMs' | 'webhookRetryMaxMs'>,
    private readonly x: WebhooksComponents,
  ) {
    this.label = labelOf(i, hook.url);
    this.types = new Set(hook.types);
    this.cursor = cursorName(hook.url);
  }

  start(): void {
    this.stopped = false;
    this.off = this.x.outbox.onAppended(() => this.wake());
    this.done = this.run().catch((e: unknown) => {
      if (!this.stopped) this.x.log.error({ err: e, webhook: this.label }, 'webhook delivery stopped');
    });
  }

  /**
   * No new attempt begins; a POST in flight may finish (its own timeout
   * bounds it), so a receiver that answered is not sent the event again
   * after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.off?.();
    this.wake();
    await this.done;
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /** Until woken (a new event, stop) or `ms` passes. */
  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        if (t) clearTimeout(t);
        resolve();
      };
      if (this.stopped) this.wake();
    });
  }

  private async run(): Promise<void> {
    const { outbox, metrics, log } = this.x;
    const held = await outbox.cursor(this.cursor);
    // A new webhook gets every event still held, from now on whatever retention deletes before it is delivered counts as skipped.
    let cursor = held ?? outbox.oldestId - 1;
    if (held === undefined) await outbox.setCursor(this.cursor, cursor);
    while (!this.stopped) {
      if (cursor < outbox.prunedTo) {
        const missed = outbox.prunedTo - cursor;
        metrics.eventsSkipped.inc({ webhook: this.label }, missed);
        log.error({ webhook: this.label, missed, from: cursor + 1 }, 'webhook was behind the outbox retention: events were deleted before delivery');
        cursor = outbox.prunedTo;
      }
      const events = await outbox.read(cursor, PAGE);
      metrics.outboxLag.set({ webhook: this.label }, Math.max(0, outbox.lastId - cursor));
      if (events.length === 0) {
        // an event written between the read and here wakes the sleep only if it is already waiting: check again first
        if (outbox.lastId > cursor) continue;
        await this.sleep();
        continue;
      }
      let moved = cursor;
      for (const ev of events) {
        if (this.types.has(ev.type)) {
          if (!(await this.deliver(ev))) return; // stopped
          await outbox.setCursor(this.cursor, ev.id);
          moved = ev.id;
        }
        cursor = ev.id;
      }
      if (cursor !== moved) await outbox.setCursor(this.cursor, cursor);
    }
  }

  /** POST one event until a 2xx; false when stopped first (a 2xx that comes in while stopping still counts). */
  private async deliver(ev: OutboxEvent): Promise<boolean> {
    const body = JSON.stringify(ev);
    const sig = signBody(this.hook.secret, body);
    for (let attempt = 1; !this.stopped; attempt++) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.opts.webhookTimeoutMs);
      let failure: string;
      try {
        const res = await fetch(this.hook.url, {
          method: 'POST',
          body,
          signal: abort.signal,
          redirect: 'error',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'tongban-webhook/1',
            [SIGNATURE_HEADER]: sig,
            [EVENT_ID_HEADER]: String(ev.id),
            [EVENT_TYPE_HEADER]: ev.type,
            [ATTEMPT_HEADER]: String(attempt),
          },
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) {
          this.x.metrics.webhookDeliveries.inc({ webhook: this.label, outcome: 'ok' });
          return true;
        }
        failure = `HTTP ${res.status}`;
      } catch (e) {
        failure = (e as Error).message;
      } finally {
        clearTimeout(timer);
      }
      this.x.metrics.webhookDeliveries.inc({ webhook: this.label, outcome: 'failed' });
      if (this.stopped) return false;
      const delay = Math.min(this.opts.webhookRetryMaxMs, this.opts.webhookRetryBaseMs * 2 ** Math.min(attempt - 1, 30));
      this.x.log.warn({ webhook: this.label, event: ev.id, attempt, failure, retryInMs: delay }, 'webhook delivery failed; retrying');
      await this.sleepFixed(delay);
    }
    return false;
  }

  /** A backoff sleep: new events do not cut it short, stop does. */
  private async sleepFixed(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until) await this.sleep(until - Date.now());
  }
}

/** Delivers outbox events to the webhooks named in the node config (README "Events and webhooks"). */
export class Webhooks implements Service {
  readonly hooks: Hook[];

  constructor(init: WebhooksInit, x: WebhooksComponents) {
    const opts = { ...eventDefaults, ...init };
    this.hooks = init.hooks.map((h, i) => new Hook(i, h, opts, x));
  }

  start(): void {
    for (const h of this.hooks) h.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.hooks.map((h) => h.stop()));
  }
}

export function webhooks(init: WebhooksInit): (c: WebhooksComponents) => Webhooks {
  return (c) => new Webhooks(init, c);
}

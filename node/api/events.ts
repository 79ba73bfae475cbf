import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { EVENT_TYPES, isEventType } from '../../protocol/events.js';
import { apiError, ErrorBody } from './errors.js';
import type { NodeApi } from './ports.js';
import { textResponse } from './schemas.js';

/** Events read from the outbox per page of a stream. */
const PAGE = 100;

const Query = Type.Object(
  {
    types: Type.Optional(Type.String({ maxLength: 256, description: `comma-separated event types (default all): ${EVENT_TYPES.join(', ')}` })),
    after: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'replay from the event after this id (Last-Event-ID wins when both are given); absent: only new events' }),
    ),
  },
  { additionalProperties: false },
);

function parseTypes(s: string | undefined): Set<string> | undefined {
  if (s === undefined || s === '') return undefined;
  const types = s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of types) if (!isEventType(t)) throw apiError(400, 'BAD_PARAMETER', `parameter types: ${JSON.stringify(t)} is not an event type (${EVENT_TYPES.join(', ')})`);
  return new Set(types);
}

function parseLastEventId(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw apiError(400, 'BAD_PARAMETER', 'header Last-Event-ID: must be an event id (a non-negative integer)');
  return Number(v);
}

/**
 * GET /v1/events: server-sent events from the durable outbox (README
 * "Events and webhooks"). Each event is `id`, `event` (its type) and `data`
 * (its JSON); a comment line every `sseHeartbeatMs`. The stream reads the
 * outbox page by page and waits for the client to drain before reading on,
 * so a client costs at most a page plus `sseMaxBufferBytes` of memory; a
 * client that leaves more unread, or has not drained for a whole heartbeat
 * interval, is closed and resumes with Last-Event-ID. Streams are ended when
 * the node stops.
 */
export async function eventRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const open = new Map<ServerResponse, (slow: boolean) => void>();
  // Ended on stop; one whose client does not read is destroyed (ending would wait for it, and so would the server's close).
  app.addHook('preClose', async () => {
    for (const [res, close] of [...open]) close(res.writableNeedDrain);
  });

  app.get(
    '/v1/events',
    {
      schema: {
        summary: 'Server-sent events: case.opened, case.handoff, case.updated, case.alert, case.closed, record.final',
        description: 'text/event-stream. Resume with the Last-Event-ID header or ?after=<id>; filter with ?types=a,b. Event ids grow by one per event on this node: de-duplicate by id.',
        querystring: Query,
        response: { 200: textResponse('text/event-stream', 'server-sent events: id, event (its type) and data (its JSON), a comment line every heartbeat'), 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const q = req.query as { types?: string; after?: number };
      const types = parseTypes(q.types);
      const { events } = node;
      let cursor = parseLastEventId(req.headers['last-event-id']) ?? q.after ?? events.lastId;
      const max = node.opts.sseMaxBufferBytes;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let closed = false;
      let wakeUp: (() => void) | undefined;
      const wake = () => {
        const w = wakeUp;
        wakeUp = undefined;
        w?.();
      };
      const off = events.onAppended(wake);
      // A client that has not drained what it was sent for a whole heartbeat interval is too slow: closed.
      let stalled = false;
      const heartbeat = setInterval(() => {
        if (res.writableNeedDrain && stalled) return close(true);
        stalled = res.writableNeedDrain;
        send(': ping\n\n');
      }, node.opts.sseHeartbeatMs);
      heartbeat.unref();
      node.metrics.sseClients.inc();
      open.set(res, (slow) => close(slow));
      /** `slow`: the client does not read; destroyed, since ending would wait for it to drain. */
      function close(slow = false): void {
        if (closed) return;
        closed = true;
        open.delete(res);
        off();
        clearInterval(heartbeat);
        node.metrics.sseClients.dec();
        wake();
        if (slow) {
          node.log.debug({ unread: res.writableLength }, 'closing an SSE stream the client does not read');
          res.destroy();
        } else if (!res.writableEnded) res.end();
      }
      res.on('close', () => close());
      /** Write; false when the client must drain first. A client that leaves too much unread is closed. */
      function send(text: string): boolean {
        if (closed) return false;
        const ok = res.write(text);
        if (res.writableLength > max) {
          close(true);
          return false;
        }
        return ok;
      }
      const waitFor = () => new Promise<void>((resolve) => (wakeUp = resolve));
      send(`: tongban events after ${cursor}\nretry: 2000\n\n`);
      try {
        while (!closed) {
          if (cursor < events.prunedTo) {
            send(`: events ${cursor + 1} to ${events.prunedTo} are no longer held (outbox retention)\n\n`);
            cursor = events.prunedTo;
          }
          const page = await events.read(cursor, PAGE);
          if (page.length === 0) {
            if (events.lastId > cursor) continue;
            await waitFor();
            continue;
          }
          let drained = true;
          for (const ev of page) {
            cursor = ev.id;
            if (types && !types.has(ev.type)) continue;
            drained = send(`id: ${ev.id}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`) && drained;
          }
          if (!drained && !closed)
            await new Promise<void>((resolve) => {
              res.once('drain', resolve);
              res.once('close', resolve);
            });
        }
      } catch (e) {
        node.log.warn({ err: e }, 'SSE stream failed');
        close();
      }
    },
  );
}

import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import type { OutboxEvent } from '../../../ledger/outbox.js';
import type { TongbanNode } from '../../../node/node.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signBody, verifySignature } from '../../../node/services/webhooks.js';
import { submission } from '../../helpers/consortium.js';
import { memoryNet, type MemoryNet } from '../../helpers/memory.js';
import { until, until as untilNode } from '../../helpers/network.js';

// One member, witness quorum 1: its own cosignature makes its records final (record.final), in process, HTTP on loopback.
const reg = new Uint8Array(32).fill(0x35);
let t: MemoryNet | undefined;
const servers: http.Server[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const doc = () => ({ doc: crypto.getRandomValues(new Uint8Array(32)), type: 'permit', class: 'public' });
async function enrolRegistrar(net: MemoryNet, node: TongbanNode) {
  const A = net.members[0]!;
  await node.ledger.append(submission(net.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
}
const register = (net: MemoryNet, node: TongbanNode) => node.ledger.append(submission(net.net, net.members[0]!.id, 'li.na', reg, 'doc.register', doc()));

/** Resolves with the outbox once `pred` holds (woken by the outbox, no polling). */
async function outboxUntil(node: TongbanNode, pred: (evs: OutboxEvent[]) => boolean): Promise<OutboxEvent[]> {
  for (;;) {
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    const off = node.events.onAppended(() => wake());
    const evs = await node.events.read(0, 100_000);
    if (pred(evs)) {
      off();
      return evs;
    }
    await woken;
    off();
  }
}
const finalSeqs = (evs: { type: string; data: Record<string, unknown> }[]) => evs.filter((e) => e.type === 'record.final').map((e) => e.data.seq as number);

interface SseEvent {
  id: number;
  type: string;
  data: OutboxEvent;
}

/** A minimal EventSource over node:http: events, comment lines, and a wait on them. */
function sse(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let status = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  let buf = '';
  const req = http.get(url, { headers }, (res) => {
    status = res.statusCode!;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const f: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const k = line.indexOf(':');
            f[line.slice(0, k)] = line.slice(k + 1).trimStart();
          }
        }
        if (f.data !== undefined) events.push({ id: Number(f.id), type: f.event!, data: JSON.parse(f.data) as OutboxEvent });
      }
      notify();
    });
    res.on('close', () => {
      ended = true;
      notify();
    });
  });
  req.on('error', () => {
    ended = true;
    notify();
  });
  return {
    events,
    comments,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    until(pred: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (pred()) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => req.destroy(),
  };
}

describe('server-sent events (GET /v1/events)', () => {
  it('streams record.final events, resumes after Last-Event-ID with nothing lost or repeated, beats, and closes cleanly on stop', async () => {
    t = memoryNet(1);
    const node = await t.start(0, { options: { sseHeartbeatMs: 20 } });
    const url = await node.startApi('127.0.0.1', 0);
    expect((await fetch(`${url}/v1/events?types=case.opened,nope`)).status).toBe(400);
    const first = sse(`${url}/v1/events?after=0&types=record.final`);
    await enrolRegistrar(t, node);
    for (let i = 0; i < 3; i++) await register(t, node);
    await first.until(() => finalSeqs(first.events.map((e) => e.data)).includes(4));
    expect(first.status).toBe(200);
    expect(finalSeqs(first.events.map((e) => e.data))).toEqual([0, 1, 2, 3, 4]);
    expect(first.events.every((e) => e.type === 'record.final' && e.data.id === e.id && e.data.member === t!.members[0]!.id && typeof e.data.recordId === 'string')).toBe(true);
    const last = first.events.at(-1)!.id;
    first.close();

    for (let i = 0; i < 2; i++) await register(t, node);
    await outboxUntil(node, (evs) => finalSeqs(evs).includes(6));
    const again = sse(`${url}/v1/events?types=record.final`, { 'last-event-id': String(last) });
    await again.until(() => finalSeqs(again.events.map((e) => e.data)).includes(6));
    expect(finalSeqs(again.events.map((e) => e.data))).toEqual([5, 6]);
    expect(again.events[0]!.id).toBeGreaterThan(last);
    await again.until(() => again.comments.includes('ping'));

    // no ?after and no Last-Event-ID: only what comes next
    const fresh = sse(`${url}/v1/events`);
    await fresh.until(() => fresh.status === 200 && fresh.comments.length > 0);
    await register(t, node);
    await fresh.until(() => finalSeqs(fresh.events.map((e) => e.data)).includes(7));
    expect(finalSeqs(fresh.events.map((e) => e.data))).toEqual([7]);

    await t.stop(0);
    await again.until(() => again.ended);
    await fresh.until(() => fresh.ended);
  });
});

describe('server-sent events: bounded buffering', () => {
  it("a client that does not read is closed, not buffered for, and does not hold up the node's stop", async () => {
    t = memoryNet(1);
    const node = await t.start(0, { options: { sseHeartbeatMs: 20, sseMaxBufferBytes: 1 << 30 } });
    const url = await node.startApi('127.0.0.1', 0);
    // more than loopback socket buffers hold: the server must stop writing and then give up on the client
    await node.events.write(async (w) => {
      for (let i = 0; i < 40_000; i++) w.add({ type: 'record.final', at: i, member: 'x', data: { pad: 'x'.repeat(200) } });
    });
    const clients = async () => (await node.metrics.sseClients.get()).values[0]?.value ?? 0;
    const unread = () =>
      new Promise<http.IncomingMessage>((resolve) =>
        http
          .get(`${url}/v1/events?after=0`, (r) => {
            r.pause();
            resolve(r);
          })
          .on('error', () => undefined),
      );
    const res = await unread();
    res.on('error', () => undefined);
    await until(async () => (await clients()) === 1, 20_000, 'the stream to open');
    await until(async () => (await clients()) === 0, 20_000, 'the unread stream to be closed');
    // a second one, left unread when the node stops: the stop does not wait for it
    const res2 = await unread();
    res2.on('error', () => undefined);
    await until(async () => (await clients()) === 1, 20_000, 'the second stream to open');
    await t.stop(0);
    res.destroy();
    res2.destroy();
  });
});

describe('webhooks', () => {
  const secret = 'a-secret-of-the-receiving-office';

  /** A receiver on a loopback port: 503 while `down`, else checks the signature and records the event. */
  async function receiver() {
    const r = {
      down: true,
      failures: 0,
      got: [] as { id: number; header: number; sigOk: boolean; type: string }[],
      url: '',
      waiters: new Set<() => void>(),
    };
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (r.down) {
          r.failures++;
          res.writeHead(503).end();
        } else {
          const body = Buffer.concat(chunks);
          const ev = JSON.parse(body.toString('utf8')) as OutboxEvent;
          r.got.push({ id: ev.id, header: Number(req.headers[EVENT_ID_HEADER]), sigOk: verifySignature(secret, body, req.headers[SIGNATURE_HEADER] as string), type: ev.type });
          res.writeHead(204).end();
        }
        r.waiters.forEach((w) => w());
      });
    });
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=x`;
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (pred()) {
            r.waiters.delete(check);
            resolve();
          }
        };
        r.waiters.add(check);
        check();
      });
    return { r, until };
  }

  it('a receiver down for a while, and a node restart in the middle: every event arrives once, in order, signed', async () => {
    const { r, until } = await receiver();
    t = memoryNet(1);
    const init = { webhooks: [{ url: r.url, types: ['record.final' as const, 'case.opened' as const], secret }], options: { webhookRetryBaseMs: 5, webhookRetryMaxMs: 40 } };
    let node = await t.start(0, init);
    await enrolRegistrar(t, node);
    for (let i = 0; i < 2; i++) await register(t, node);
    await outboxUntil(node, (evs) => finalSeqs(evs).includes(3));
    await until(() => r.failures >= 3); // retried while down
    await t.stop(0); // mid-outage: nothing delivered yet

    node = await t.start(0, init);
    for (let i = 0; i < 2; i++) await register(t, node);
    const evs = await outboxUntil(node, (e) => finalSeqs(e).includes(5));
    const want = evs.filter((e) => e.type === 'record.final' || e.type === 'case.opened').map((e) => e.id);
    r.down = false;
    await until(() => r.got.length >= want.length);
    expect(r.got.map((g) => g.id)).toEqual(want);
    expect(finalSeqs(r.got.map((g) => ({ type: g.type, data: evs.find((e) => e.id === g.id)!.data })))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.got.every((g) => g.sigOk && g.header === g.id)).toBe(true);

    // delivered durably: after another restart nothing is sent again, and new events follow in order
    await t.stop(0);
    node = await t.start(0, init);
    await register(t, node);
    await until(() => r.got.length > want.length);
    const next = (await outboxUntil(node, (e) => finalSeqs(e).includes(6))).filter((e) => e.type === 'record.final' && e.data.seq === 6)[0]!;
    await until(() => r.got.some((g) => g.id === next.id));
    expect(r.got.map((g) => g.id)).toEqual([...want, next.id]);
    const metrics = await (await fetch(`${await node.startApi('127.0.0.1', 0)}/metrics`)).text();
    expect(metrics).toMatch(/tongban_events_total\{type="record.final"\} \d+/);
    expect(metrics).toMatch(/tongban_webhook_outbox_lag_events\{webhook="0:http:\/\/127\.0\.0\.1:\d+"\} \d+/);
  });

  it('a receiver further behind than the outbox retention gets the events still held, in order, and the skip is counted', async () => {
    const { r, until } = await receiver();
    t = memoryNet(1);
    const init = { webhooks: [{ url: r.url, types: ['record.final' as const], secret }], options: { eventRetain: 3, webhookRetryBaseMs: 5, webhookRetryMaxMs: 20 } };
    let node = await t.start(0, init);
    await enrolRegistrar(t, node);
    for (let i = 0; i < 4; i++) await register(t, node);
    await outboxUntil(node, (evs) => finalSeqs(evs).includes(5));
    await until(() => r.failures >= 1);
    await t.stop(0);
    node = await t.start(0, init);
    const held = await node.events.read(0, 100);
    expect(held.length).toBe(3);
    r.down = false;
    await until(() => r.got.length >= 3);
    expect(r.got.map((g) => g.id)).toEqual(held.map((e) => e.id));
    const metrics = await (await fetch(`${await node.startApi('127.0.0.1', 0)}/metrics`)).text();
    expect(metrics).toMatch(/tongban_webhook_events_skipped_total\{webhook="0:http:\/\/127\.0\.0\.1:\d+"\} [1-9]/);
  });

  it("two nodes in process: a case opened at one member and handed to the other reaches the other's webhook over replication", async () => {
    const { r, until } = await receiver();
    r.down = false;
    t = memoryNet(2);
    const [HD, PD] = t.members as [(typeof t.members)[0], (typeof t.members)[0]];
    const hd = await t.start(0, { webhooks: [{ url: r.url, types: ['case.opened', 'case.handoff', 'record.final'], secret }] });
    const pd = await t.start(1);
    // Appends are taken once each node recovered its own log from the other (node/recovery.ts).
    for (const n of [hd, pd]) await untilNode(() => !n.ledger.appendGuard?.(), 10_000, 'own-log recovery');
    const cw = new Uint8Array(32).fill(0x63);
    await pd.ledger.append(submission(t.net, PD.id, 'admin', PD.adminSeed, 'org.actor', { id: 'cw', key: publicKeyOf(cw), roles: ['caseworker'], active: true }));
    const open = await pd.ledger.append(
      submission(t.net, PD.id, 'cw', cw, 'case.open', {
        item: 'X1',
        name: 'n',
        mode: 'proxy',
        serial: 'PD-1',
        applicant: new Uint8Array(32).fill(1),
        handlers: [HD.id],
        limit: { days: 5, calendar: 'working' },
        materials: [],
      }),
    );
    const handoff = await pd.ledger.append(submission(t.net, PD.id, 'cw', cw, 'case.handoff', { to: HD.id, purpose: 'handle', via: 'network', materials: [new Uint8Array(32).fill(2)] }, [open.id]));
    // replicated to HD and final there (quorum 2 of 2): HD's outbox and HD's webhook have the case, the hand-off to HD, and finality
    const evs = await outboxUntil(hd, (e) => e.some((x) => x.type === 'record.final' && x.data.author === PD.id && x.data.seq === handoff.seq));
    const want = evs.filter((e) => ['case.opened', 'case.handoff', 'record.final'].includes(e.type));
    await until(() => r.got.length >= want.length);
    expect(r.got.slice(0, want.length).map((g) => g.id)).toEqual(want.map((e) => e.id));
    expect(r.got.every((g) => g.sigOk)).toBe(true);
    const cases = evs.filter((e) => e.type.startsWith('case.'));
    expect(cases.map((e) => [e.type, e.recordId])).toEqual([
      ['case.opened', toHex(open.id)],
      ['case.handoff', toHex(handoff.id)],
    ]);
    expect(cases[0]!.data).toMatchObject({ role: 'handler', author: PD.id });
    expect(cases[1]!.data).toMatchObject({ from: PD.id, to: HD.id, purpose: 'handle', via: 'network' });
    // PD's own outbox: the opener's view, no case.handoff (the hand-off is not to PD)
    const mine = await outboxUntil(pd, (e) => e.filter((x) => x.type.startsWith('case.')).length >= 2);
    expect(mine.filter((x) => x.type.startsWith('case.')).map((x) => x.type)).toEqual(['case.opened', 'case.updated']);
  });

  it('the signature is HMAC-SHA256 of the exact body; a tampered body or another secret fails', () => {
    const body = JSON.stringify({ id: 7, type: 'record.final', at: 1, member: 'bj-haidian', data: { seq: 3 } });
    const sig = signBody(secret, body);
    expect(sig).toBe(`sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);
    expect(verifySignature(secret, body, sig)).toBe(true);
    expect(verifySignature(secret, body.replace('"seq":3', '"seq":4'), sig)).toBe(false);
    expect(verifySignature('another-secret-of-16+', body, sig)).toBe(false);
    expect(verifySignature(secret, body, undefined)).toBe(false);
    expect(verifySignature(secret, body, sig.slice(0, -1))).toBe(false);
  });
});

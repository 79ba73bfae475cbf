import { fromHex, toHex } from '../../protocol/bytes.js';
import type { NodeClient } from '../client.js';
import { actorKey } from '../home.js';
import { printJson, usage } from '../io.js';
import { client, type Target } from './target.js';
import { docHash } from './verify.js';

/** What each doc command did, said in its own words (doc reject appends a doc.approve whose decision is reject). */
const DONE = { register: 'registered', approve: 'approved', reject: 'rejected', revoke: 'revoked', share: 'shared', access: 'logged access' } as const;

interface Provenance {
  events: { kind: string; id: string; author: string; to?: string; counts?: boolean }[];
}

/** The registration a doc command refers to: this member's own when it has one (revoke, share), else the newest that counts. */
async function registerOf(c: NodeClient, doc: Uint8Array, own?: string): Promise<Provenance & { register?: string }> {
  const p = await c.json<Provenance>(`/v1/docs/${toHex(doc)}`);
  const regs = p.events.filter((e) => e.kind === 'doc.register' && e.counts !== false);
  return { ...p, register: (regs.filter((e) => e.author === own).at(-1) ?? regs.at(-1))?.id };
}

export async function docCommand(
  action: 'register' | 'approve' | 'reject' | 'revoke' | 'share' | 'access',
  arg: string,
  opts: Target & { actor: string; type?: string; title?: string; class?: string; role?: string; reason?: string; to?: string; purpose?: string; until?: string; json?: boolean },
): Promise<void> {
  const doc = docHash(arg);
  const actor = actorKey(opts.actor);
  const c = await client(opts);
  let kind: string;
  let body: Record<string, unknown>;
  let refs: Uint8Array[] | undefined;
  if (action === 'register') {
    if (!opts.type) throw usage('doc register needs --type TYPE');
    const cls = opts.class ?? 'internal';
    if (!['public', 'internal', 'restricted'].includes(cls)) throw usage('--class must be public, internal or restricted');
    if (cls === 'restricted' && opts.title) throw usage('a restricted document carries no --title');
    kind = 'doc.register';
    body = { doc, type: opts.type, class: cls, title: opts.title };
  } else {
    const p = await registerOf(c, doc, action === 'revoke' || action === 'share' ? (await c.status()).member : undefined);
    if (!p.register) throw usage(`no registration of ${toHex(doc)} is known to the node`);
    if (action === 'approve' || action === 'reject') {
      if (!opts.role) throw usage(`doc ${action} needs --role STEP (review, approval, supervision…)`);
      kind = 'doc.approve';
      body = { doc, decision: action, role: opts.role, reason: opts.reason };
      refs = [fromHex(p.register)];
    } else if (action === 'revoke') {
      if (!opts.reason) throw usage('doc revoke needs --reason TEXT');
      kind = 'doc.revoke';
      body = { doc, reason: opts.reason };
      refs = [fromHex(p.register)];
    } else if (action === 'share') {
      if (!opts.to || !opts.purpose) throw usage('doc share needs --to MEMBER and --purpose P');
      kind = 'doc.share';
      const until = opts.until ? Date.parse(opts.until) : undefined;
      if (opts.until && !Number.isFinite(until)) throw usage('--until must be a date, e.g. 2027-01-01');
      body = { doc, to: opts.to, purpose: opts.purpose, until };
      refs = [fromHex(p.register)];
    } else {
      if (!opts.purpose) throw usage('doc access needs --purpose P');
      kind = 'doc.access';
      body = { doc, purpose: opts.purpose };
      const me = (await c.status()).member;
      const share = [...p.events].reverse().find((e) => e.kind === 'doc.share' && e.to === me);
      if (share) refs = [fromHex(share.id)];
    }
  }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  const r = await c.submit(actor, kind, body as never, refs);
  if (opts.json) printJson({ action, kind, doc: toHex(doc), ...r });
  else process.stdout.write(`${DONE[action]} as ${r.author}/${r.seq} (${kind}${kind === 'doc.approve' ? `, decision ${action}` : ''})\ndocument ${toHex(doc)}\nrecord   ${r.id}\n`);
}

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64, fromHex, fromHex32, toHex } from '../../protocol/bytes.js';
import { decodeBundle } from '../../protocol/bundle/bundle.js';
import { buildConfig, configId, decodeConfig, encodeConfig, parseJoinRequest } from '../../protocol/config/index.js';
import { configPolicy } from '../../protocol/config/policy.js';
import { ACTOR_ROLES, type ActorRole } from '../../protocol/records/kinds.js';
import { decodeEnvelope } from '../../protocol/records/record.js';
import { parseTlogProof, formatTlogProof } from '../../protocol/note/tlog-proof.js';
import { checkActorId } from '../../protocol/names.js';
import { writeKeyFile } from '../../node/keyfile.js';
import { NodeClient } from '../client.js';
import { actorKey, genesisOf, loadHome, nodeUrl } from '../home.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { sha256 } from '../../protocol/crypto.js';
import { docHash, trustAnchor, verifyAndPrint } from './verify.js';
import { readFileSync } from 'node:fs';

type Target = { home?: string; node?: string };
const client = (o: Target) => new NodeClient(nodeUrl(o));

export async function operatorAdd(opts: Target & { id: string; roles: string; out: string; actor: string; json?: boolean }): Promise<void> {
  try {
    checkActorId(opts.id, '--id');
  } catch (e) {
    throw usage((e as Error).message);
  }
  const roles = opts.roles.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of roles) if (!ACTOR_ROLES.includes(r as ActorRole)) throw usage(`--roles: unknown role ${r} (admin, registrar, approver)`);
  const admin = actorKey(opts.actor);
  if (existsSync(opts.out)) throw usage(`${opts.out} exists already; not overwriting a key`);
  const c = client(opts);
  await c.status();
  const key = writeKeyFile(opts.out, 'actor', opts.id);
  const r = await c.submit(admin, 'org.actor', { id: opts.id, key: key.pub, roles, active: true });
  if (opts.json) printJson({ ...r, actor: opts.id, roles, key: opts.out });
  else process.stdout.write(`added ${opts.id} (${roles.join(', ')}) as ${r.author}/${r.seq}; key in ${opts.out}\nrecord ${r.id}\n`);
}

interface Provenance {
  events: { kind: string; id: string; author: string; to?: string }[];
}

async function registerOf(c: NodeClient, doc: Uint8Array): Promise<Provenance & { register?: string }> {
  const p = await c.json<Provenance>(`/v1/docs/${toHex(doc)}`);
  return { ...p, register: p.events.find((e) => e.kind === 'doc.register')?.id };
}

export async function docCommand(
  action: 'register' | 'approve' | 'reject' | 'revoke' | 'share' | 'access',
  arg: string,
  opts: Target & { actor: string; type?: string; title?: string; class?: string; role?: string; reason?: string; to?: string; purpose?: string; until?: string; json?: boolean },
): Promise<void> {
  const doc = docHash(arg);
  const actor = actorKey(opts.actor);
  const c = client(opts);
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
    const p = await registerOf(c, doc);
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
  if (opts.json) printJson({ doc: toHex(doc), ...r });
  else process.stdout.write(`${kind} ${r.author}/${r.seq}\ndocument ${toHex(doc)}\nrecord   ${r.id}\n`);
}

/** `tongban verify DOC --home DIR | --node URL`: fetch the bundle, verify it here. */
export async function verifyOnline(arg: string, opts: Target & { genesis?: string; net?: string; json?: boolean }): Promise<number> {
  const doc = docHash(arg);
  // The trust anchor is never the node's word: --genesis/--net, or the genesis file of the home.
  const anchor = opts.genesis || opts.net || !opts.home ? trustAnchor(opts) : sha256(genesisOf(loadHome(opts.home)));
  const bytes = await client(opts).bytes(`/v1/docs/${toHex(doc)}/bundle`);
  if (!bytes) {
    if (opts.json) printJson({ doc: toHex(doc), verdict: 'not-found', asOf: null, events: [], problems: [] });
    else process.stdout.write(`document ${toHex(doc)}\nverdict: NOT-FOUND\n`);
    return EXIT.NOT_STANDING;
  }
  return verifyAndPrint(bytes, anchor, doc, !!opts.json);
}

export async function bundleExport(arg: string, opts: Target & { out: string; tlogProofs?: string; json?: boolean }): Promise<void> {
  const doc = docHash(arg);
  const bytes = await client(opts).bytes(`/v1/docs/${toHex(doc)}/bundle`);
  if (!bytes) throw new CliError(`no proven record about ${toHex(doc)}`, EXIT.NOT_STANDING);
  writeFileSync(opts.out, bytes);
  const files: string[] = [opts.out];
  if (opts.tlogProofs) {
    mkdirSync(opts.tlogProofs, { recursive: true });
    const b = decodeBundle(bytes);
    const last = decodeConfig(b.configs.at(-1)!.bytes);
    writeFileSync(join(opts.tlogProofs, 'policy.txt'), configPolicy(last));
    files.push(join(opts.tlogProofs, 'policy.txt'));
    const authors = new Set<string>();
    for (const e of b.entries) {
      const env = decodeEnvelope(e.envelope);
      const p = parseTlogProof(e.proof);
      const name = join(opts.tlogProofs, `${env.record.author}-${env.record.seq}.tlog-proof`);
      writeFileSync(name, formatTlogProof({ ...p, extra: env.recordBytes }));
      files.push(name);
      authors.add(env.record.author);
    }
    // Some C2SP tools require every listed log to have signed: one policy per log too.
    for (const a of authors) {
      const f = join(opts.tlogProofs, `policy-${a}.txt`);
      writeFileSync(f, configPolicy(last, [a]));
      files.push(f);
    }
  }
  if (opts.json) printJson({ doc: toHex(doc), files });
  else process.stdout.write(files.map((f) => `wrote ${f}`).join('\n') + '\n');
}

export async function governancePropose(opts: Target & { actor: string; add?: string; remove?: string; json?: boolean }): Promise<void> {
  if (!!opts.add === !!opts.remove) throw usage('give exactly one of --add JOIN_REQUEST or --remove MEMBER');
  const admin = actorKey(opts.actor);
  const c = client(opts);
  const gov = await c.json<{ epoch: number; epochs: { id: string; config: string }[] }>('/v1/governance');
  const current = gov.epochs.at(-1)!;
  const cfg = decodeConfig(fromBase64(current.config));
  let members = cfg.members;
  if (opts.add) {
    if (!existsSync(opts.add)) throw usage(`join request ${opts.add} does not exist`);
    let joiner;
    try {
      joiner = parseJoinRequest(readFileSync(opts.add, 'utf8'));
    } catch (e) {
      throw usage(`${opts.add}: ${(e as Error).message}`);
    }
    if (joiner.consortium !== cfg.consortium) throw usage(`the join request is for ${joiner.consortium}, not ${cfg.consortium}`);
    if (members.some((m) => m.id === joiner.member.id)) throw usage(`${joiner.member.id} is a member already`);
    members = [...members, joiner.member];
  } else {
    if (!members.some((m) => m.id === opts.remove)) throw usage(`${opts.remove} is not a member`);
    members = members.filter((m) => m.id !== opts.remove);
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeConfig(buildConfig({ consortium: cfg.consortium, epoch: cfg.epoch + 1, prev: fromHex32(current.id), members }));
  } catch (e) {
    throw usage((e as Error).message);
  }
  const r = await c.submit(admin, 'gov.propose', { config: bytes });
  const id = toHex(configId(bytes));
  if (opts.json) printJson({ proposal: id, epoch: cfg.epoch + 1, record: r.id });
  else process.stdout.write(`proposed epoch ${cfg.epoch + 1}: ${id}\nrecord ${r.author}/${r.seq}\n`);
}

export async function governanceApprove(proposal: string, opts: Target & { actor: string; json?: boolean }): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(proposal)) throw usage('PROPOSAL_ID must be 64 lowercase hex digits');
  const admin = actorKey(opts.actor);
  const c = client(opts);
  const signed = await c.signed(admin, 'gov.sign', { config: fromHex32(proposal) });
  const { sig } = await c.json<{ sig: string }>('/v1/governance/approvals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed) });
  const r = await c.submit(admin, 'gov.approve', { config: fromHex32(proposal), sig: fromBase64(sig) });
  if (opts.json) printJson({ proposal, record: r.id });
  else process.stdout.write(`approved ${proposal}\nrecord ${r.author}/${r.seq}\n`);
}

export async function governanceStatus(opts: Target & { json?: boolean }): Promise<void> {
  const gov = await client(opts).json<any>('/v1/governance');
  if (opts.json) return printJson(gov);
  const cur = gov.epochs.at(-1);
  const lines = [`epoch ${gov.epoch} (${cur.id})`, `quorum: witness ${cur.quorum.witness}, governance ${cur.quorum.governance}`, 'members:'];
  for (const m of cur.members) lines.push(`  ${m.id}  ${m.name} (${m.region})  ${m.roles.join(',')}`);
  lines.push(gov.pending.length ? 'pending proposals:' : 'no pending proposals');
  for (const p of gov.pending) lines.push(`  ${p.id}  epoch ${p.epoch ?? '?'}  approvals: ${p.approvals.join(', ') || 'none'}${p.summary ? `  members: ${p.summary.members.join(', ')}` : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export async function status(opts: Target & { json?: boolean }): Promise<void> {
  const st = await client(opts).status();
  if (opts.json) return printJson(st);
  const lines = [`${st.member} in ${st.consortium}, epoch ${st.epoch}${st.admitted ? '' : ' (not yet admitted)'}`, `network ${st.network}`, `peer ${st.peerId}`, `peers: ${st.peers.join(', ') || 'none'}`, 'logs:'];
  if (st.appendRefused) lines.splice(4, 0, `appends refused for now: ${st.appendRefused.code}: ${st.appendRefused.message}`);
  for (const l of st.logs) lines.push(`  ${l.author.padEnd(16)} size ${String(l.size).padStart(7)}  final ${String(l.finalSize).padStart(7)}${l.forked ? '  FORKED' : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

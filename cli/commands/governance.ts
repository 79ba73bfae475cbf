import { existsSync, readFileSync } from 'node:fs';
import { fromBase64, fromHex32, toHex } from '../../protocol/bytes.js';
import { buildConfig, configId, decodeConfig, encodeConfig, parseJoinRequest } from '../../protocol/config/index.js';
import { actorKey } from '../home.js';
import { printJson, usage } from '../io.js';
import { client, type Target } from './target.js';

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

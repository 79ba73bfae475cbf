import { existsSync, readFileSync } from 'node:fs';
import { equalBytes, fromBase64, fromHex32, toHex } from '../../protocol/bytes.js';
import { buildConfig, configId, decodeConfig, encodeConfig, parseJoinRequest, type Calendar, type Config } from '../../protocol/config/index.js';
import { actorKey } from '../home.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { client, type Target } from './target.js';

interface Gov {
  epoch: number;
  epochs: { epoch: number; id: string; config: string; quorum: { witness: number; governance: number }; members: { id: string; name: string; region: string; roles: string[] }[] }[];
  pending: { id: string; epoch?: number; approvals: string[]; summary?: { epoch: number; members: string[] } }[];
}

const short = (id: string) => `${id.slice(0, 8)}…`;

/** What a proposal does, how many approvals it needs, who has approved, and who still may: for people, not machines. */
export function proposalLines(gov: Gov, id: string, approvals: string[], newMembers: string[] | undefined): string[] {
  const cur = gov.epochs.at(-1)!;
  const now = cur.members.map((m) => m.id);
  const added = newMembers?.filter((m) => !now.includes(m)) ?? [];
  const removed = newMembers ? now.filter((m) => !newMembers.includes(m)) : [];
  const change = [...added.map((m) => `adds ${m}`), ...removed.map((m) => `removes ${m}`)].join(', ') || 'changes the config';
  const need = cur.quorum.governance;
  const counted = approvals.filter((a) => now.includes(a));
  const missing = now.filter((m) => !counted.includes(m));
  const lines = [
    `proposal ${id}`,
    `  epoch ${cur.epoch + 1}: ${change}`,
    `  needs ${need} of ${now.length} members' approvals (the governance quorum of epoch ${cur.epoch}); ${counted.length} so far${counted.length ? ` (${counted.join(', ')})` : ''}, as this node has seen them`,
  ];
  if (counted.length < need) {
    lines.push(`  next: an admin of ${need - counted.length === missing.length ? 'each' : `any ${need - counted.length}`} of ${missing.join(', ')} runs, on their own node:`);
    lines.push(`    tongban governance approve ${id} --home <their home> --actor <their admin key>`);
  }
  return lines;
}

/**
 * The config a proposal puts forward: the next epoch with these members and, unless a new one is given, the
 * current working calendar (CASES.md §C.5: the newest config's calendar is the one in force, so a membership
 * change that left it out would turn every holiday back into a working day).
 */
export function nextConfig(cfg: Config, prev: Uint8Array, members: Config['members'], calendar?: Calendar): Config {
  const keep = calendar ?? cfg.calendar;
  return buildConfig({ consortium: cfg.consortium, epoch: cfg.epoch + 1, prev, members, ...(keep ? { calendar: keep } : {}) });
}

export async function governancePropose(opts: Target & { actor: string; add?: string; remove?: string; rotate?: string; calendar?: string; json?: boolean; quiet?: boolean }): Promise<void> {
  if ([opts.add, opts.remove, opts.rotate, opts.calendar].filter((x) => x !== undefined).length !== 1)
    throw usage('give exactly one of --add JOIN_REQUEST, --remove MEMBER, --rotate ROTATE_REQUEST or --calendar FILE');
  let calendar: Calendar | undefined;
  if (opts.calendar !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.calendar, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read calendar ${opts.calendar}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.IO);
    }
    try {
      // loaded only for --calendar (the YAML parser)
      calendar = (await import('./calendar-file.js')).parseCalendarFile(text, opts.calendar);
    } catch (e) {
      throw usage((e as Error).message);
    }
  }
  const admin = actorKey(opts.actor);
  const c = await client(opts);
  const gov = await c.json<Gov>('/v1/governance');
  const current = gov.epochs.at(-1)!;
  const cfg = decodeConfig(fromBase64(current.config));
  let members = cfg.members;
  const file = opts.add ?? opts.rotate;
  if (file) {
    if (!existsSync(file)) throw usage(`${opts.add ? 'join' : 'rotation'} request ${file} does not exist`);
    let joiner;
    try {
      joiner = parseJoinRequest(readFileSync(file, 'utf8'));
    } catch (e) {
      throw usage(`${file}: ${(e as Error).message}`);
    }
    if (joiner.consortium !== cfg.consortium) throw usage(`the ${opts.add ? 'join' : 'rotation'} request is for ${joiner.consortium}, not ${cfg.consortium}`);
    const old = members.find((m) => m.id === joiner.member.id);
    if (opts.add) {
      if (old) throw usage(`${joiner.member.id} is a member already (new keys for it: --rotate)`);
      members = [...members, joiner.member];
    } else {
      // a rotation (docs/KEY-ROTATION.md): the member's entry with the new ledger key and peer id, signed by both
      if (!old) throw usage(`${joiner.member.id} is not a member: nothing to rotate (a newcomer: --add)`);
      if (equalBytes(old.key, joiner.member.key) || old.peer === joiner.member.peer) throw usage(`${file} names the ledger key or peer id in force for ${old.id}: a rotation changes both`);
      members = members.map((m) => (m.id === old.id ? joiner.member : m));
    }
  } else if (opts.remove !== undefined) {
    if (!members.some((m) => m.id === opts.remove)) throw usage(`${opts.remove} is not a member`);
    members = members.filter((m) => m.id !== opts.remove);
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeConfig(nextConfig(cfg, fromHex32(current.id), members, calendar));
  } catch (e) {
    throw usage(`${opts.calendar ? `${opts.calendar}: ` : ''}${(e as Error).message}`);
  }
  const r = await c.submit(admin, 'gov.propose', { config: bytes });
  const id = toHex(configId(bytes));
  if (opts.json)
    printJson({ proposal: id, epoch: cfg.epoch + 1, record: r.id, quorum: current.quorum.governance, approvals: [], members: cfg.members.map((m) => m.id), ...(calendar ? { calendar } : {}) });
  else if (opts.quiet) process.stdout.write(`${id}\n`);
  else {
    const lines = proposalLines(
      gov,
      id,
      [],
      members.map((m) => m.id),
    );
    if (calendar) lines.push(`  calendar: ${calendar.off.length} day(s) off (holidays), ${calendar.on.length} make-up working day(s) (调休); in force for deadlines once the epoch is`);
    if (opts.add) lines.push(`  once it is in force, the new member starts its node with the genesis and a member's bootstrap address (tongban status prints it)`);
    if (opts.rotate) lines.push(`  rotates the ledger key and peer id of the member it names; that member restarts its node with the new keys and --rotated-keys (docs/KEY-ROTATION.md)`);
    process.stdout.write([...lines, `record ${r.author}/${r.seq}`].join('\n') + '\n');
  }
}

export async function governanceApprove(proposal: string, opts: Target & { actor: string; json?: boolean }): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(proposal)) throw usage('PROPOSAL_ID must be 64 lowercase hex digits');
  const admin = actorKey(opts.actor);
  const c = await client(opts);
  // A proposal made at another member's node reaches this one by replication: wait for it a while.
  const gov0 = await waitForProposal(c, proposal, 60);
  if (gov0.epochs.some((e) => e.id === proposal)) throw usage(`proposal ${proposal} is in force already (epoch ${gov0.epochs.find((e) => e.id === proposal)!.epoch})`);
  const signed = await c.signed(admin, 'gov.sign', { config: fromHex32(proposal) });
  const { sig } = await c.json<{ sig: string }>('/v1/governance/approvals', signed);
  const r = await c.submit(admin, 'gov.approve', { config: fromHex32(proposal), sig: fromBase64(sig) });
  const gov = await c.json<Gov>('/v1/governance');
  const inForce = gov.epochs.find((e) => e.id === proposal);
  const p = gov.pending.find((x) => x.id === proposal);
  if (opts.json) printJson({ proposal, record: r.id, inForce: !!inForce, epoch: inForce?.epoch ?? null, approvals: p?.approvals ?? [], quorum: gov.epochs.at(-1)!.quorum.governance });
  else {
    const lines = [`approved ${proposal} as ${r.author}`, `record ${r.author}/${r.seq}`];
    if (inForce) lines.push(`quorum reached: epoch ${inForce.epoch} is in force (members: ${inForce.members.map((m) => m.id).join(', ')}); a new member can start its node now`);
    else if (p) lines.push(...proposalLines(gov, proposal, p.approvals, p.summary?.members));
    process.stdout.write(lines.join('\n') + '\n');
  }
}

async function waitForProposal(c: Awaited<ReturnType<typeof client>>, id: string, seconds: number): Promise<Gov> {
  const end = Date.now() + seconds * 1000;
  let told = false;
  for (;;) {
    const gov = await c.json<Gov>('/v1/governance');
    if (gov.pending.some((p) => p.id === id) || gov.epochs.some((e) => e.id === id)) return gov;
    if (Date.now() >= end) throw new CliError(`proposal ${id} has not reached this node within ${seconds} s; is the proposing member's node connected (tongban status)?`, EXIT.NOT_STANDING);
    if (!told) {
      process.stderr.write(`waiting for proposal ${short(id)} to reach this node…\n`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function governanceStatus(opts: Target & { json?: boolean }): Promise<void> {
  const gov = await (await client(opts)).json<Gov>('/v1/governance');
  if (opts.json) return printJson(gov);
  const cur = gov.epochs.at(-1)!;
  const lines = [`epoch ${gov.epoch} (${cur.id})`, `quorum: witness ${cur.quorum.witness}, governance ${cur.quorum.governance} of ${cur.members.length} members`, 'members:'];
  for (const m of cur.members) lines.push(`  ${m.id}  ${m.name} (${m.region})  ${m.roles.join(',')}`);
  // Proposals for an epoch that is already decided can never pass: not shown as pending.
  const open = gov.pending.filter((p) => !gov.epochs.some((e) => e.id === p.id) && (p.summary?.epoch ?? p.epoch ?? gov.epoch + 1) === gov.epoch + 1);
  lines.push(open.length ? 'pending proposals:' : 'no pending proposals');
  for (const p of open) lines.push(...proposalLines(gov, p.id, p.approvals, p.summary?.members).map((l) => `  ${l}`));
  process.stdout.write(lines.join('\n') + '\n');
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../protocol/bytes.js';
import type { CborMap } from '../../protocol/cbor.js';
import { checkEnrollableKey } from '../../protocol/crypto.js';
import { ACTOR_ROLES, type ActorRole } from '../../protocol/records/kinds.js';
import { checkActorId } from '../../protocol/names.js';
import { KeyFileError, writeKeyFile } from '../keyfile.js';
import { actorKey } from '../home.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { msg } from '../messages.js';
import { humanTime, jsonTime } from '../time.js';
import type { NodeClient } from '../client.js';
import { client, type Target } from './target.js';

/**
 * Officials' lifecycle (README "Officials"): an official makes their own key
 * and hands over only its public part (an enrolment request); the admin
 * enrols, lists, disables, enables and rotates with org.actor records that
 * name the record they replace (PROTOCOL.md §5.2 `prev`), so re-adding an id
 * never changes its key.
 */
export const ENROLMENT_TYPE = 'tongban-actor-request/v1';

/** An enrolment request: the public part of an official's key, and their id. */
export interface EnrolmentRequest {
  type: typeof ENROLMENT_TYPE;
  id: string;
  key: string;
}

/** An official as GET /v1/actors lists them. */
export interface Official {
  id: string;
  roles: ActorRole[];
  active: boolean;
  key: string;
  seq: number;
  record: string;
  ts: number;
}

const actorIdOption = (id: string, what: string): string => {
  try {
    checkActorId(id, what);
  } catch (e) {
    throw usage((e as Error).message);
  }
  return id;
};

/** `tongban operator keygen --id ID --out KEY [--request FILE]`: run by the official; the admin never sees the private key. */
export function operatorKeygen(opts: { id: string; out: string; request?: string; json?: boolean }): void {
  const id = actorIdOption(opts.id, '--id');
  const requestFile = opts.request ?? `${opts.out.replace(/\.key$/, '')}.public.json`;
  for (const f of [opts.out, requestFile]) if (existsSync(f)) throw usage(msg('exists', f));
  let key;
  try {
    key = writeKeyFile(opts.out, 'actor', id);
  } catch (e) {
    if (e instanceof KeyFileError) throw usage(e.message);
    throw new CliError(`cannot write ${opts.out}: ${(e as Error).message}`, EXIT.IO);
  }
  const req: EnrolmentRequest = { type: ENROLMENT_TYPE, id, key: toHex(key.pub) };
  try {
    writeFileSync(requestFile, `${JSON.stringify(req, null, 2)}\n`, { flag: 'wx' });
  } catch (e) {
    throw new CliError(`cannot write ${requestFile}: ${(e as Error).message}`, EXIT.IO);
  }
  if (opts.json) printJson({ ...req, keyFile: opts.out, request: requestFile });
  else process.stdout.write(msg('keygenDone', id, opts.out, requestFile));
}

/** Read and check an enrolment request file (never a private key file: one with a seed is refused). */
export function readEnrolment(file: string): { id: string; key: Uint8Array } {
  let x: Partial<EnrolmentRequest> & { seed?: unknown };
  try {
    x = JSON.parse(readFileSync(file, 'utf8')) as typeof x;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, EXIT.IO);
    throw usage(msg('publicInvalid', file, 'not JSON'));
  }
  if (x === null || typeof x !== 'object') throw usage(msg('publicInvalid', file, 'not a JSON object'));
  if ('seed' in x) throw usage(msg('publicInvalid', file, 'it holds a private key: hand over only the .public.json file'));
  if (x.type !== ENROLMENT_TYPE) throw usage(msg('publicInvalid', file, `type must be ${ENROLMENT_TYPE}`));
  if (typeof x.id !== 'string') throw usage(msg('publicInvalid', file, 'no id'));
  actorIdOption(x.id, `${file}: id`);
  if (typeof x.key !== 'string' || !/^[0-9a-f]{64}$/.test(x.key)) throw usage(msg('publicInvalid', file, 'key must be 64 lowercase hex digits'));
  const key = fromHex(x.key);
  try {
    checkEnrollableKey(key, 'key');
  } catch (e) {
    throw usage(msg('publicInvalid', file, (e as Error).message));
  }
  return { id: x.id, key };
}

const parseRoles = (text: string): ActorRole[] => {
  // org.actor roles are sorted and unique (§5.2).
  const roles = [
    ...new Set(
      text
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ].sort();
  if (roles.length === 0) throw usage(`--roles: name at least one of ${ACTOR_ROLES.join(', ')}`);
  for (const r of roles) if (!ACTOR_ROLES.includes(r as ActorRole)) throw usage(`--roles: unknown role ${r} (${ACTOR_ROLES.join(', ')})`);
  return roles as ActorRole[];
};

async function officials(c: NodeClient, member?: string): Promise<{ member: string; actors: Official[] }> {
  return c.json(`/v1/actors${member ? `?member=${encodeURIComponent(member)}` : ''}`);
}

type AddOpts = Target & { id?: string; roles: string; out?: string; public?: string; actor: string; json?: boolean; wait?: string; waitTimeout?: string };

/** `tongban operator add --public REQUEST --roles R --actor ADMIN.key` (or `--id ID --out KEY`, which makes the key here). */
export async function operatorAdd(opts: AddOpts): Promise<void> {
  if (!!opts.public === !!opts.out) throw usage('give --public REQUEST.json (the official made their key with tongban operator keygen) or --id ID --out KEY (make the key here)');
  const roles = parseRoles(opts.roles);
  const admin = actorKey(opts.actor);
  let id: string;
  let pub: Uint8Array | undefined;
  if (opts.public) {
    const req = readEnrolment(opts.public);
    if (opts.id !== undefined && opts.id !== req.id) throw usage(msg('publicIdMismatch', opts.public, req.id, opts.id));
    id = req.id;
    pub = req.key;
  } else {
    if (opts.id === undefined) throw usage('--out needs --id ID');
    id = actorIdOption(opts.id, '--id');
    if (existsSync(opts.out!)) throw usage(msg('exists', opts.out!));
  }
  const c = await client(opts);
  // Asked first so no key file is made for an id that exists; the node's rule (ACTOR_EXISTS) holds in a race.
  if ((await officials(c)).actors.some((a) => a.id === id)) throw new CliError(msg('operatorExists', id), EXIT.USAGE);
  if (!pub) pub = writeKeyFile(opts.out!, 'actor', id).pub;
  const r = await c.submit(admin, 'org.actor', { id, key: pub, roles, active: true });
  if (opts.json) printJson({ ...r, actor: id, roles, key: toHex(pub), ...(opts.out ? { keyFile: opts.out } : {}) });
  else process.stdout.write(msg('operatorAdded', id, roles.join(', '), `${r.author}/${r.seq}`, r.id) + (opts.out ? msg('operatorKeyIn', opts.out) : ''));
}

/** `tongban operator list`: the org.actor in force for each official. */
export async function operatorList(opts: Target & { member?: string; json?: boolean }): Promise<void> {
  const { member, actors } = await officials(await client(opts), opts.member);
  if (opts.json) return printJson({ member, actors: actors.map((a) => ({ ...a, since: jsonTime(a.ts) })) });
  if (actors.length === 0) return void process.stdout.write(`${msg('noOperators', member)}\n`);
  const lines = [msg('operatorHeader')];
  for (const a of actors) {
    lines.push(`${a.id.padEnd(19)} ${a.roles.join(',').padEnd(30)} ${(a.active ? msg('active') : msg('disabled')).padEnd(9)} ${a.key.slice(0, 16)}  ${humanTime(a.ts)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

type ChangeOpts = Target & { actor: string; json?: boolean; public?: string; roles?: string; wait?: string; waitTimeout?: string };

/** Disable, enable, rotate or set roles: one org.actor naming the one in force as prev. */
export async function operatorChange(change: 'disable' | 'enable' | 'rotate' | 'roles', idArg: string, opts: ChangeOpts): Promise<void> {
  const id = actorIdOption(idArg, 'actor id');
  const admin = actorKey(opts.actor);
  let newKey: Uint8Array | undefined;
  if (change === 'rotate') {
    if (!opts.public) throw usage('rotate needs --public REQUEST.json: the new key, made by the official with tongban operator keygen');
    const req = readEnrolment(opts.public);
    if (req.id !== id) throw usage(msg('publicIdMismatch', opts.public, req.id, id));
    newKey = req.key;
  }
  const roles = change === 'roles' ? parseRoles(opts.roles ?? '') : undefined;
  const c = await client(opts);
  const { member, actors } = await officials(c);
  const cur = actors.find((a) => a.id === id);
  if (!cur) throw new CliError(msg('operatorUnknown', id, member), EXIT.USAGE);
  if ((change === 'enable' || change === 'disable') && cur.active === (change === 'enable'))
    throw new CliError(msg('operatorAlready', id, change === 'enable' ? msg('active') : msg('disabled')), EXIT.USAGE);
  if (roles && roles.join(',') === cur.roles.join(',')) throw new CliError(msg('operatorAlready', id, roles.join(',')), EXIT.USAGE);
  // Nobody could enrol or change officials again: the node signs only its first admin (seq 0) itself.
  const losesAdmin = cur.active && cur.roles.includes('admin') && (change === 'disable' || (roles !== undefined && !roles.includes('admin')));
  if (losesAdmin && !actors.some((a) => a.id !== id && a.active && a.roles.includes('admin'))) throw new CliError(msg('lastAdmin', id), EXIT.USAGE);
  const active = change === 'enable' ? true : change === 'disable' ? false : cur.active;
  const body: CborMap = { id, key: newKey ?? fromHex(cur.key), roles: roles ?? cur.roles, active, prev: fromHex(cur.record) };
  const r = await c.submit(admin, 'org.actor', body);
  if (opts.json) return printJson({ ...r, actor: id, change, prev: cur.record, ...(newKey ? { key: toHex(newKey) } : {}) });
  const what = change === 'rotate' ? msg('rotated', toHex(newKey!).slice(0, 16)) : change === 'roles' ? msg('rolesSet', roles!.join(', ')) : change === 'disable' ? msg('disabled') : msg('enabled');
  process.stdout.write(msg('operatorChanged', id, what, `${r.author}/${r.seq}`, r.id));
}

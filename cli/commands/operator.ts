import { existsSync } from 'node:fs';
import { ACTOR_ROLES, type ActorRole } from '../../protocol/records/kinds.js';
import { checkActorId } from '../../protocol/names.js';
import { writeKeyFile } from '../keyfile.js';
import { actorKey } from '../home.js';
import { printJson, usage } from '../io.js';
import { client, type Target } from './target.js';

export async function operatorAdd(opts: Target & { id: string; roles: string; out: string; actor: string; json?: boolean }): Promise<void> {
  try {
    checkActorId(opts.id, '--id');
  } catch (e) {
    throw usage((e as Error).message);
  }
  // org.actor roles are sorted and unique (§5.2).
  const roles = [
    ...new Set(
      opts.roles
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ].sort();
  for (const r of roles) if (!ACTOR_ROLES.includes(r as ActorRole)) throw usage(`--roles: unknown role ${r} (${ACTOR_ROLES.join(', ')})`);
  const admin = actorKey(opts.actor);
  if (existsSync(opts.out)) throw usage(`${opts.out} exists already; not overwriting a key`);
  const c = await client(opts);
  await c.status();
  const key = writeKeyFile(opts.out, 'actor', opts.id);
  const r = await c.submit(admin, 'org.actor', { id: opts.id, key: key.pub, roles, active: true });
  if (opts.json) printJson({ ...r, actor: opts.id, roles, key: opts.out });
  else process.stdout.write(`added ${opts.id} (${roles.join(', ')}) as ${r.author}/${r.seq}; key in ${opts.out}\nrecord ${r.id}\n`);
}

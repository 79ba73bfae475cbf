import { originOf } from '../names.js';
import { renderPolicy } from '../note/policy.js';
import type { Config } from './config.js';

/**
 * A config as a C2SP tlog-policy (§4): one `log` line per author, one
 * `witness` line per witness, a group with threshold quorum.witness, and the
 * quorum naming it. `only` restricts the log lines (a stand-alone proof
 * export names just its own log, because some tools require every listed
 * log to have signed).
 */
export function configPolicy(cfg: Config, only?: string[]): string {
  const name = (id: string) => originOf(cfg.consortium, id);
  return renderPolicy({
    logs: cfg.members.filter((m) => m.roles.includes('author') && (!only || only.includes(m.id))).map((m) => ({ name: name(m.id), pub: m.key })),
    witnesses: cfg.members.filter((m) => m.roles.includes('witness')).map((m) => ({ id: m.id, name: name(m.id), pub: m.key })),
    threshold: cfg.quorum.witness,
  });
}

import type { Config } from '../protocol/config/config.js';
import { isFinalFor, laterThan, type StoredCheckpoint } from './checkpoints.js';

/** The last config in which `author` is an author member, when it is none in the newest (removed, or its role taken away). */
export function lastAuthorConfig(chain: readonly { config: Config }[], author: string): Config | undefined {
  const isAuthor = (c: Config) => c.members.some((m) => m.id === author && m.roles.includes('author'));
  if (chain.length === 0 || isAuthor(chain.at(-1)!.config)) return undefined;
  for (let i = chain.length - 2; i >= 0; i--) if (isAuthor(chain[i]!.config)) return chain[i]!.config;
  return undefined;
}

/**
 * The size a removed author's log is closed at: its largest checkpoint final
 * under its last epoch as an author. Witnesses cosign only authors of their
 * current epoch, so nothing written after the removal is under such a
 * checkpoint; records beyond it are neither accepted nor served. Undefined
 * while `author` is an author of the newest epoch (or never was one: its
 * records fail NOT_AUTHOR anyway).
 */
export function closedSize(chain: readonly { config: Config }[], checkpoints: readonly StoredCheckpoint[], author: string): number | undefined {
  const last = lastAuthorConfig(chain, author);
  if (!last) return undefined;
  let size = 0;
  for (const cp of checkpoints) if (cp.checkpoint.size > size && isFinalFor(cp, last, laterThan(chain, last))) size = cp.checkpoint.size;
  return size;
}

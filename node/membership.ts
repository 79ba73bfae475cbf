import type { Logger } from 'pino';
import type { Config } from '../protocol/config/config.js';
import type { Host } from './p2p/host.js';

/**
 * On a new epoch, close at once every open connection to a peer that is no
 * longer a member. The gater asks the current member set on every new
 * connection, but connections opened before the removal would stay up (and
 * keep serving and receiving gossip) until they dropped on their own.
 */
export async function disconnectNonMembers(host: Host, cfg: Config, log: Logger): Promise<string[]> {
  const members = new Set(cfg.members.map((m) => m.peer));
  const gone = [...new Set(host.getConnections().map((c) => c.remotePeer).filter((p) => !members.has(p.toString())))];
  await Promise.all(
    gone.map(async (p) => {
      await host.peerStore.delete(p).catch(() => undefined);
      await host.hangUp(p).catch((e: unknown) => log.debug({ err: e, peer: p.toString() }, 'hang-up failed'));
    }),
  );
  if (gone.length > 0) log.info({ peers: gone.map(String), epoch: cfg.epoch }, 'disconnected peers that are no longer members');
  return gone.map(String);
}

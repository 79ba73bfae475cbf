import type { Logger } from 'pino';
import type { CborMap } from '../../protocol/cbor.js';
import type { Metrics } from '../metrics.js';
import type { PeerNetwork } from '../p2p/network.js';
import { encodeMessage } from '../p2p/wire.js';
import type { HeadsPublisher, ProtocolIds } from './components.js';

/** Gossip on the heads topic, counted by reason; a failed publish is not an error (peers catch up by anti-entropy). */
export function headsPublisher(c: { network: PeerNetwork; ids: ProtocolIds; metrics: Metrics; log: Logger }): HeadsPublisher {
  return {
    publish(m, reason) {
      c.metrics.gossip.inc({ direction: 'out', reason });
      void c.network.publish(c.ids.heads, encodeMessage(m as unknown as CborMap)).catch((e) => c.log.debug({ err: e }, 'publish failed'));
    },
  };
}

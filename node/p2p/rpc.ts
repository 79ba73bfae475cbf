import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { CborMap } from '../../protocol/cbor.js';
import type { Host } from './host.js';
import { decodeMessage, encodeMessage } from './wire.js';

export type RpcHandler = (req: CborMap, from: PeerId) => Promise<CborMap>;

/**
 * One request, one response, each a length-prefixed canonical CBOR message
 * with a size limit; both sides have a deadline.
 */
export async function serveRpc(host: Host, protocol: string, handler: RpcHandler, opts: { maxBytes: number; timeoutMs: number; maxInboundStreams: number }): Promise<void> {
  await host.handle(
    protocol,
    async (stream: Stream, connection: Connection) => {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      try {
        const lp = lpStream(stream, { maxDataLength: opts.maxBytes });
        const req = decodeMessage((await lp.read({ signal })).subarray(), opts.maxBytes);
        const res = await handler(req, connection.remotePeer);
        await lp.write(encodeMessage(res), { signal });
        await stream.close({ signal });
      } catch (e) {
        stream.abort(e as Error);
      }
    },
    { maxInboundStreams: opts.maxInboundStreams },
  );
}

export async function callRpc(host: Host, peer: PeerId, protocol: string, req: CborMap, opts: { maxBytes: number; timeoutMs: number }): Promise<CborMap> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const stream = await host.dialProtocol(peer, protocol, { signal });
  try {
    const lp = lpStream(stream, { maxDataLength: opts.maxBytes });
    await lp.write(encodeMessage(req), { signal });
    const res = decodeMessage((await lp.read({ signal })).subarray(), opts.maxBytes);
    await stream.close({ signal }).catch(() => undefined);
    return res;
  } catch (e) {
    stream.abort(e as Error);
    throw e;
  }
}

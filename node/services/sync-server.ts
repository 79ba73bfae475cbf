import type { CborMap } from '../../protocol/cbor.js';
import { noteOf } from '../../ledger/checkpoints.js';
import { networkDefaults, syncDefaults, type NetworkOptions, type SyncOptions } from '../options.js';
import { parseSyncRequest } from '../p2p/messages.js';
import type { Components, Service } from './components.js';

export type SyncServerComponents = Pick<Components, 'ledger' | 'network' | 'ids'>;
export type SyncServerInit = Partial<SyncOptions & NetworkOptions>;

/** Serves the sync (§7: record ranges, heads) and governance (signed configs) protocols. */
export class SyncServer implements Service {
  private readonly opts: SyncOptions & NetworkOptions;

  constructor(
    init: SyncServerInit,
    private readonly c: SyncServerComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...init };
  }

  async start(): Promise<void> {
    const limits = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs, maxInboundStreams: this.opts.maxInboundStreams };
    await this.c.network.handle(this.c.ids.sync, (req) => this.serveSync(req), limits);
    await this.c.network.handle(this.c.ids.governance, (req) => this.serveGovernance(req), limits);
  }

  async stop(): Promise<void> {
    await this.c.network.unhandle(this.c.ids.sync).catch(() => undefined);
    await this.c.network.unhandle(this.c.ids.governance).catch(() => undefined);
  }

  private async serveSync(req: CborMap): Promise<CborMap> {
    const { ledger } = this.c;
    const r = parseSyncRequest(req, this.opts.syncMaxRecords);
    if (r.t === 'range') {
      const envs = await ledger.envelopeBytes(r.author, r.from, Math.min(r.limit, this.opts.syncMaxRecords));
      const out: Uint8Array[] = [];
      let bytes = 0;
      for (const e of envs) {
        if (bytes + e.length > this.opts.syncMaxBytes) break;
        out.push(e);
        bytes += e.length;
      }
      return { envelopes: out };
    }
    const heads: CborMap[] = [];
    for (const author of ledger.authors()) {
      const size = ledger.size(author);
      const rootSize = Math.min(size, r.sizes[author] ?? size);
      const cp = ledger.checkpoints.latest(author);
      heads.push({ author, size, rootSize, root: await ledger.treeHead(author, rootSize), note: cp ? noteOf(cp) : undefined });
    }
    return { heads };
  }

  private async serveGovernance(req: CborMap): Promise<CborMap> {
    const from = typeof req.from === 'number' && Number.isSafeInteger(req.from) && req.from >= 0 ? req.from : 0;
    const configs = this.c.ledger.signedConfigs().slice(from, from + 100);
    return { configs: configs.map((c) => ({ config: c.bytes, approvals: c.approvals.map((a) => ({ member: a.member, sig: a.sig })) })) };
  }
}

export function syncServer(init: SyncServerInit = {}): (c: SyncServerComponents) => SyncServer {
  return (c) => new SyncServer(init, c);
}

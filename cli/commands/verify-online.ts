import { toHex } from '../../protocol/bytes.js';
import { sha256 } from '../../protocol/crypto.js';
import { genesisOf, loadHome } from '../home.js';
import { client, type Target } from './target.js';
import { docHash, notFoundReport, printReport, trustAnchor, verifyAndPrint } from './verify.js';

// Apart from verify.ts: offline verification must not load the home's config reader (TypeBox, YAML).
/** `tongban verify DOC --home DIR | --node URL`: fetch the bundle, verify it here. */
export async function verifyOnline(arg: string, opts: Target & { genesis?: string; net?: string; json?: boolean }): Promise<number> {
  const doc = docHash(arg);
  // The trust anchor is never the node's word: --genesis/--net, or the genesis file of the home.
  const anchor = opts.genesis || opts.net || !opts.home ? trustAnchor(opts) : sha256(genesisOf(loadHome(opts.home)));
  const bytes = await (await client(opts)).bytes(`/v1/docs/${toHex(doc)}/bundle`);
  if (!bytes) {
    return printReport(notFoundReport(doc, anchor), !!opts.json);
  }
  return verifyAndPrint(bytes, anchor, doc, !!opts.json);
}

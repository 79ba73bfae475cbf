// Register a document on a Tongban node with the client SDK (`tongban/client`), signing here with an
// official's key file, wait until final, verify the document's bundle offline, print the report.
//
//   node examples/js/tongban_example.mjs --node http://127.0.0.1:8101 --key li.na.key \
//        --network <64-hex network id> --member bj-haidian --doc permit.pdf
//
// --network and --member are what you trust (your consortium's network id, the member whose node you
// write to). The SDK itself runs in a browser too; only this file reads files.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builders, fromHex, isClientError, seedSigner, TongbanClient, verifyDocBundle } from 'tongban/client';

const { values: a } = parseArgs({
  options: { node: { type: 'string' }, key: { type: 'string' }, network: { type: 'string' }, member: { type: 'string' }, doc: { type: 'string' }, type: { type: 'string', default: 'permit' } },
});
for (const need of ['node', 'key', 'network', 'member', 'doc']) if (!a[need]) throw new Error(`--${need} is required`);

try {
  // The CLI's actor key file: JSON {type, kind, id, seed, pub}, readable by its owner only.
  if (statSync(a.key).mode & 0o077) throw new Error(`key file ${a.key} is readable by others (chmod 600 it)`);
  const key = JSON.parse(readFileSync(a.key, 'utf8'));
  if (key.type !== 'tongban-key/v1' || key.kind !== 'actor') throw new Error(`${a.key} is not an actor key file`);
  const official = { id: key.id, signer: seedSigner(fromHex(key.seed)) };
  const target = { net: fromHex(a.network), author: a.member };

  // A secured node: an API token with the write scope (tongban token create), from env TONGBAN_TOKEN.
  const token = process.env.TONGBAN_TOKEN;
  const node = new TongbanClient(a.node, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const doc = new Uint8Array(createHash('sha256').update(readFileSync(a.doc)).digest());
  // Local signing: the request is built and signed here, the node only stores it. (writePrepared would have
  // the node build the bytes and check them before signing, as the Java and Python examples do.)
  const created = await node.write(official, builders.docRegister({ doc, type: a.type, class: 'internal' }), { wait: 'final', timeoutMs: 60_000 }, target);
  const record = await node.waitFinal(created.id, { timeoutMs: 60_000 });
  process.stderr.write(`record ${record.id} is final\n`);
  // The bundle checked here against the network id we trust: the node's word is not needed.
  const offline = verifyDocBundle(await node.docBundle(doc), target.net);
  process.stdout.write(`${JSON.stringify({ record: record.id, doc: Buffer.from(doc).toString('hex'), report: offline }, null, 2)}\n`);
} catch (e) {
  process.stderr.write(`error: ${isClientError(e) ? `${e.code}${e.nodeCode ? ` ${e.nodeCode}` : ''}: ` : ''}${e.message}\n`);
  process.exit(1);
}

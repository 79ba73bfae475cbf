import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64 } from '../../protocol/bytes.js';
import { createJoinRequest, decodeConfig, formatJoinRequest } from '../../protocol/config/index.js';
import { randomBytes } from '../../protocol/crypto.js';
import { loadHome } from '../home.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { writeKeyFile } from '../keyfile.js';
import { client, type Target } from './target.js';

/**
 * `tongban keys rotate --home DIR`: new ledger and peer keys for this member
 * (0600, beside the old ones, which stay until the rotation is in force) and
 * a rotation request: a join request of the same member entry with the new
 * keys, signed by both (proof of possession). Another member's admin proposes
 * it (`governance propose --rotate`); docs/KEY-ROTATION.md is the runbook.
 */
export async function keysRotate(opts: Target & { json?: boolean }): Promise<void> {
  if (!opts.home) throw usage('give --home DIR: the new keys are written into the home');
  const cfg = loadHome(opts.home);
  const gov = await (await client(opts)).json<{ epochs: { epoch: number; config: string }[] }>('/v1/governance');
  const current = decodeConfig(fromBase64(gov.epochs.at(-1)!.config));
  const me = current.members.find((m) => m.id === cfg.member);
  if (!me) throw usage(`${cfg.member} is not a member in epoch ${current.epoch}: nothing to rotate`);
  const next = current.epoch + 1;
  const files = { ledger: join(cfg.home, 'keys', `ledger-${next}.key`), peer: join(cfg.home, 'keys', `peer-${next}.key`), request: join(cfg.home, `rotate-request-${next}.json`) };
  for (const f of Object.values(files)) if (existsSync(f)) throw usage(`${f} exists already (a rotation for epoch ${next} was prepared): use it, or move it aside`);
  const [ledgerSeed, peerSeed] = [randomBytes(32), randomBytes(32)];
  const req = createJoinRequest({ consortium: current.consortium, id: me.id, name: me.name, region: me.region, addrs: me.addrs, roles: me.roles }, ledgerSeed, peerSeed);
  try {
    writeKeyFile(files.ledger, 'ledger', undefined, ledgerSeed);
    writeKeyFile(files.peer, 'peer', undefined, peerSeed);
    writeFileSync(files.request, formatJoinRequest(req), { flag: 'wx' });
  } catch (e) {
    throw new CliError(`cannot write the new keys: ${(e as Error).message}`, EXIT.IO);
  }
  const out = { member: me.id, epoch: next, vkey: req.vkey, peerId: req.peer, ledgerKey: files.ledger, peerKey: files.peer, request: files.request };
  if (opts.json) return printJson(out);
  process.stdout.write(
    [
      `new keys for ${me.id} (epoch ${next} will name them):`,
      `  ledger key ${files.ledger}`,
      `  peer key   ${files.peer}     peer id ${req.peer}`,
      `  rotation request ${files.request}`,
      'next (docs/KEY-ROTATION.md):',
      `  1. an admin proposes it:  tongban governance propose --rotate ${files.request} --home <a member's home> --actor <admin key>`,
      '  2. a quorum approves it; this node keeps its old keys meanwhile',
      `  3. once proposed: stop this node, set ledgerKey: keys/ledger-${next}.key and peerKey: keys/peer-${next}.key in node.yaml,`,
      `     and start it with --rotated-keys: it signs nothing until it has adopted epoch ${next}`,
    ].join('\n') + '\n',
  );
}

import { out, printJson, usage } from '../io.js';
import { client, waitReady, type Target } from './target.js';

/** Addresses other members can dial: not wildcard, with the /p2p/ peer id (what a joiner puts in `bootstrap`). */
export function dialable(addresses: string[], peerId: string): string[] {
  return addresses.filter((a) => !/^\/ip4\/0\.0\.0\.0\/|^\/ip6\/::\//.test(a)).map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`));
}

export async function status(opts: Target & { json?: boolean; waitReady?: string | boolean; bootstrap?: boolean }): Promise<void> {
  if (opts.waitReady !== undefined) {
    const s = opts.waitReady === true ? 60 : Number(opts.waitReady);
    if (!Number.isFinite(s) || s <= 0) throw usage('--wait-ready takes a number of seconds');
    await waitReady(opts, s);
  }
  const st = await (await client(opts)).status();
  const boot = dialable(st.addresses, st.peerId);
  if (opts.bootstrap) {
    out(boot.join('\n') + '\n');
    return;
  }
  if (opts.json) return printJson(st, out);
  const lines = [`${st.member} in ${st.consortium}, epoch ${st.epoch}${st.admitted ? '' : ' (not yet admitted)'}`, `network ${st.network}`, `peer ${st.peerId}`];
  for (const b of boot) lines.push(`bootstrap ${b}`);
  if (!st.admitted) lines.push("not yet admitted: this node learns the epoch that adds it from its bootstrap peers once a quorum has approved it (tongban governance status on a member's node)");
  lines.push(`peers: ${st.peers.join(', ') || 'none'}`);
  if (st.appendRefused) lines.push(`appends refused for now: ${st.appendRefused.code}: ${st.appendRefused.message}`);
  lines.push('logs:');
  for (const l of st.logs) lines.push(`  ${l.author.padEnd(16)} size ${String(l.size).padStart(7)}  final ${String(l.finalSize).padStart(7)}${l.forked ? '  FORKED' : ''}`);
  out(lines.join('\n') + '\n');
}

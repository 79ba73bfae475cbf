import { printJson } from '../io.js';
import { client, type Target } from './target.js';

export async function status(opts: Target & { json?: boolean }): Promise<void> {
  const st = await client(opts).status();
  if (opts.json) return printJson(st);
  const lines = [`${st.member} in ${st.consortium}, epoch ${st.epoch}${st.admitted ? '' : ' (not yet admitted)'}`, `network ${st.network}`, `peer ${st.peerId}`, `peers: ${st.peers.join(', ') || 'none'}`, 'logs:'];
  for (const l of st.logs) lines.push(`  ${l.author.padEnd(16)} size ${String(l.size).padStart(7)}  final ${String(l.finalSize).padStart(7)}${l.forked ? '  FORKED' : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

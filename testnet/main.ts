#!/usr/bin/env node
import { resolve } from 'node:path';
import { runCaseDemo } from './demo-case.js';
import { runDemo } from './demo.js';
import { membersFor } from './members.js';
import { Testnet } from './network.js';

/** `npm start [-- --once] [-- --nodes N] [-- --dir DIR]`: the local consortium and the demo. */
function args(argv: string[]): { once: boolean; nodes: number; dir: string } {
  const out = { once: false, nodes: 5, dir: '.testnet' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--once') out.once = true;
    else if (a === '--nodes') out.nodes = Number(argv[++i]);
    else if (a === '--dir') out.dir = argv[++i] ?? out.dir;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('npm start [-- --once] [-- --nodes N (3..34)] [-- --dir DIR]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${a} (see npm start -- --help)\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(out.nodes) || out.nodes < 3 || out.nodes > 34) {
    process.stderr.write('--nodes must be an integer from 3 to 34 (the demo needs Haidian, Pudong and Zhengzhou)\n');
    process.exit(2);
  }
  return out;
}

async function main(): Promise<void> {
  const opts = args(process.argv.slice(2));
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const members = membersFor(opts.nodes);
  // with 3 or 4 nodes the demo still needs Zhengzhou
  if (opts.nodes < 5) members.splice(2, 1, { id: 'ha-zhengzhou', name: '河南省郑州市', region: '410100' });
  const { net, reused } = await Testnet.create({ dir: resolve(opts.dir), members });
  say(`${reused ? 'reusing' : 'created'} a local consortium of ${members.length} members in ${net.dir}`);
  let closing = false;
  const close = async (code: number) => {
    if (closing) return;
    closing = true;
    say('stopping every node…');
    await net.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void close(0));
  process.on('SIGTERM', () => void close(0));
  const t0 = Date.now();
  await net.startAll();
  say(`${members.length} nodes up in ${Date.now() - t0} ms:`);
  for (const m of net.members) say(`  ${m.id.padEnd(20)} ${m.name.padEnd(10)} ${m.region}  ${m.url}`);
  say('');
  say('The cross-province demo (跨省通办):');
  let verified = false;
  try {
    const r = await runDemo(net, say);
    verified = r.verified;
    say('');
    say(`verdict: ${verified ? 'VERIFIED' : 'NOT VERIFIED'}; approval to finality: ${r.approvalToFinalMs} ms`);
  } catch (e) {
    say(`demo failed: ${(e as Error).message}`);
  }
  say('');
  say('The cross-province case (异地代收代办: received in Zhengzhou, handled in Beijing Haidian):');
  try {
    const c = await runCaseDemo(net, say);
    say('');
    say(`case verdict: ${c.verified ? 'VERIFIED' : 'NOT VERIFIED'}`);
    verified = verified && c.verified;
  } catch (e) {
    say(`case demo failed: ${(e as Error).message}`);
    verified = false;
  }
  if (opts.once) return close(verified ? 0 : 1);
  say('');
  say('The network keeps running; Ctrl-C stops every node. Try: node dist/cli/main.js status --home .testnet/bj-haidian');
  for (;;) {
    await new Promise((r) => setTimeout(r, 10_000));
    if (closing) return;
    const rows = await Promise.all(
      net.members.map(async (m, i) => {
        try {
          const st = await net.api(i, '/v1/status');
          const total = st.logs.reduce((s: number, l: { size: number }) => s + l.size, 0);
          const final = st.logs.reduce((s: number, l: { finalSize: number }) => s + l.finalSize, 0);
          return `  ${m.id.padEnd(20)} epoch ${st.epoch}  peers ${st.peers.length}  records ${total} (final ${final})  ${m.url}`;
        } catch {
          return `  ${m.id.padEnd(20)} DOWN`;
        }
      }),
    );
    say(`[${new Date().toISOString()}]`);
    for (const r of rows) say(r);
  }
}

main().catch((e) => {
  process.stderr.write(`testnet: ${(e as Error).message}\n`);
  process.exit(1);
});

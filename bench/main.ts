#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt, median, tmp, type Figure } from './lib.js';
import { limitFigures } from './limit.js';
import { buildStore, foreignAccept, ownAppends, storeFigures } from './ledger-bench.js';
import { clientStatus, finality, httpAppends, replication } from './node-bench.js';
import { benchJson } from './json.js';
import { proofSizes, verifyFigures } from './verify-bench.js';
import { caseFigures } from './case-bench.js';

const quick = process.argv.includes('--quick');
// --json: the one JSON object of bench/json.ts on stdout (everything else goes to stderr), BENCHMARKS.md untouched.
const json = process.argv.includes('--json');
const root = fileURLToPath(new URL('../../', import.meta.url));
const peers = fileURLToPath(new URL('../../bench/peers/', import.meta.url));
const say = (s: string) => process.stderr.write(`${s}\n`);

/** Install the peer (Hypercore) in bench/peers, outside the main install. */
function installPeer(): boolean {
  if (existsSync(`${peers}node_modules/hypercore`)) return true;
  say('installing the peer (hypercore@11.37.1) in bench/peers …');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: peers, stdio: ['ignore', 2, 2] });
  return r.status === 0;
}

function hypercore(mode: string, n: number, runs: number): number[] {
  return Array.from({ length: runs }, () => {
    const r = spawnSync(process.execPath, [`${peers}hypercore-bench.mjs`, mode, String(n)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hypercore ${mode}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { perSecond: number }).perSecond;
  });
}

function row(f: Figure): string {
  const med = median(f.runs);
  const ratio = (a: number, b: number) => (f.better === 'higher' ? a / b : b / a);
  const peer = f.peer ? `${fmt(median(f.peer.runs))} (${f.peer.name}); ×${ratio(med, median(f.peer.runs)).toFixed(2)}` : '–';
  const limit = f.limit ? `${fmt(f.limit.value)} (${f.limit.name}); ${f.better === 'higher' ? `${((100 * med) / f.limit.value).toFixed(0)}%` : `+${fmt(med - f.limit.value)}`}` : '–';
  return `| ${f.name} | ${fmt(med)} | ${fmt(Math.min(...f.runs))} | ${fmt(Math.max(...f.runs))} | ${f.unit} | ${peer} | ${limit} | ${f.target ?? '–'} |${f.note ? ` ${f.note}` : ''}`;
}

async function main(): Promise<void> {
  const runs = quick ? 2 : 3;
  const sections: [string, Figure[]][] = [];
  const t0 = Date.now();
  say(`tongban bench (${quick ? 'quick' : 'full'})`);
  const peerOk = installPeer();

  say('1/7 limits');
  const limits = await limitFigures(runs, quick);
  sections.push(['1. The physical limit', limits]);
  const verify1 = median(limits[1]!.runs);
  const signAll = median(limits[2]!.runs);
  const verifyAll = median(limits[3]!.runs);
  const levelRate = median(limits[5]!.runs);

  say('2/7 appends');
  const own = await ownAppends(runs, quick ? 10_000 : 50_000);
  // Each own append signs the record and verifies the official's signature: one of each per record, all cores.
  own.limit = { name: 'sign + verify on all cores (one of each per record)', value: 1 / (1 / signAll + 1 / verifyAll) };
  own.note = `LevelDB sync batches alone: ${fmt(levelRate)} records/s`;
  const http = await httpAppends(runs, quick ? 5_000 : 20_000);
  http.limit = { name: 'one-core verify (each request is checked once)', value: verify1 };
  if (peerOk) {
    own.peer = { name: 'Hypercore append in batches of 100', runs: hypercore('appendBatch', quick ? 20_000 : 100_000, runs) };
    http.peer = { name: 'Hypercore append awaited one at a time', runs: hypercore('appendOne', quick ? 2_000 : 10_000, runs) };
  }
  const storeN = quick ? 20_000 : 1_000_000;
  const store = tmp('bench-store-');
  say(`   building a store of ${storeN.toLocaleString('en-US')} records …`);
  await buildStore(store.path, storeN);
  const foreign = await foreignAccept(runs, store.path, quick ? 10_000 : 50_000);
  foreign.limit = { name: `verify on all cores ÷ 2 signatures per record`, value: verifyAll / 2 };
  sections.push(['2. Appends and validation', [own, http, foreign]]);

  say('3/7 replication');
  const rep = await replication(quick ? 1 : 2, quick ? 20_000 : 100_000);
  rep.limit = { name: 'verify on all cores ÷ 2', value: verifyAll / 2 };
  if (peerOk) rep.peer = { name: 'Hypercore replicating 200-byte entries', runs: hypercore('replicate', quick ? 20_000 : 100_000, quick ? 1 : 2) };
  sections.push(['3. Replication', [rep]]);

  say('4/7 finality');
  // The offered 1,000/s of the target, and a load this 2-core machine sustains for five nodes in one process.
  sections.push(['4. Finality', [...(await finality(quick ? 5 : 20, 1000)), ...(await finality(quick ? 5 : 20, 100))]]);

  say('5/7 verification');
  sections.push(['5. Verification, client commands and proof sizes', [...(await verifyFigures(quick ? 3 : 7)), await clientStatus(quick ? 5 : 9), ...proofSizes()]]);

  say('6/7 store');
  sections.push(['6. Store', storeFigures(runs, store.path)]);
  store.rm();

  say('7/7 cases');
  sections.push(['7. Cases', await caseFigures(runs, quick ? 10_000 : 100_000)]);

  if (json) {
    process.stdout.write(`${JSON.stringify(benchJson(sections.flatMap(([, figs]) => figs)))}\n`);
    say(`done in ${Math.round((Date.now() - t0) / 1000)} s (BENCHMARKS.md left as it is with --json)`);
    return;
  }
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()} in ${Math.round((Date.now() - t0) / 1000)} s.`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node.js ${process.version}.`,
    `Versions: ${['libp2p', 'level', 'fastify', 'cbor-x', '@noble/ed25519'].map((d) => `${d} ${pkg.dependencies[d]}`).join(', ')}; peer: hypercore 11.37.1.`,
    '',
    `Each figure is the median of ${runs} runs (min and max beside it) unless it says otherwise. "Peer" is the closest`,
    'peer measured in the same invocation on the same machine, with the ratio (above 1 = Tongban better); "limit" is',
    'the physical limit of this machine measured first, with the share of it reached.',
    '',
  ];
  for (const [title, figs] of sections) {
    lines.push(`## ${title}`, '', '| figure | median | min | max | unit | peer | limit | target |', '|---|---|---|---|---|---|---|---|');
    for (const f of figs) lines.push(row(f));
    lines.push('');
  }
  const notes = `${root}bench/NOTES.md`;
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8'));
  writeFileSync(`${root}BENCHMARKS.md`, lines.join('\n') + '\n');
  say(`wrote BENCHMARKS.md in ${Math.round((Date.now() - t0) / 1000)} s`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack}\n`);
  process.exit(1);
});

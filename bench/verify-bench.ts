import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicKeyOf } from '../protocol/crypto.js';
import { buildConfig, configId, encodeConfig } from '../protocol/config/index.js';
import { originOf } from '../protocol/names.js';
import { formatCheckpoint } from '../protocol/note/checkpoint.js';
import { cosign } from '../protocol/note/cosignature.js';
import { formatTlogProof } from '../protocol/note/tlog-proof.js';
import { signNote } from '../protocol/note/note.js';
import { Ledger } from '../ledger/index.js';
import { toHex } from '../protocol/bytes.js';
import { benchConsortium, clerkAdd } from './fixtures.js';
import { signRequest } from '../protocol/records/request.js';
import { tmp, type Figure } from './lib.js';

const BIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** A real 10-entry bundle of a one-member consortium (its own cosignature makes it final). */
async function tenEntryBundle(dir: string): Promise<{ bundle: string; genesis: string; doc: string; bytes: number }> {
  const c0 = benchConsortium(1);
  const m = c0.members[0]!;
  const genesisBytes = encodeConfig(buildConfig({ consortium: 'bench.tongban.test', epoch: 0, members: [m.member] }));
  const net = configId(genesisBytes);
  const l = await Ledger.open({ path: join(dir, 'store'), genesis: genesisBytes, self: { id: m.id, seed: m.seed } });
  await l.append({ kind: 'org.actor', body: { id: 'admin', key: publicKeyOf(m.adminSeed), roles: ['admin'], active: true } });
  await l.append(clerkAdd(net, m.id, m.adminSeed, m.clerkSeed));
  const doc = new Uint8Array(32).fill(0xdd);
  const sub = (kind: string, body: Record<string, unknown>) => {
    const s = signRequest({ net, author: m.id, kind, body: body as never }, 'clerk', m.clerkSeed);
    return l.append({ request: s.bytes, actor: 'clerk', sig: s.actor.sig });
  };
  await sub('doc.register', { doc, type: 'bench', class: 'internal' });
  for (let i = 0; i < 7; i++) await sub('doc.share', { doc, to: m.id, purpose: `p${i}` });
  await l.signCheckpoint();
  await l.cosign(m.id, l.size(m.id));
  const built = await l.buildBundle(doc);
  await l.close();
  writeFileSync(join(dir, 'b.cbor'), built.bytes);
  writeFileSync(join(dir, 'genesis.cbor'), genesisBytes);
  return { bundle: join(dir, 'b.cbor'), genesis: join(dir, 'genesis.cbor'), doc: toHex(doc), bytes: built.bytes.length };
}

/** Time a whole process; `ok` are the exit codes that mean it did its job. */
function coldMs(args: string[], ok = [0]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (!ok.includes(r.status ?? -1)) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return performance.now() - t;
}

export async function verifyFigures(runs: number): Promise<Figure[]> {
  const d = tmp('bench-verify-');
  const b = await tenEntryBundle(d.path);
  // Exit 1 is a sound bundle whose document is not decided yet (registered, not approved): verified all the same.
  const args = [BIN, 'verify', b.doc, '--bundle', b.bundle, '--genesis', b.genesis];
  // One untimed run first, as for the client command: the file cache, and the CLI's compile cache (README "Start-up
  // time") as any earlier run of this CLI leaves it. Each timed run is still a whole new process.
  coldMs(args, [0, 1]);
  const verify = Array.from({ length: runs }, () => coldMs(args, [0, 1]));
  const bare = Array.from({ length: runs }, () => coldMs(['-e', '0']));
  d.rm();
  return [
    {
      name: 'Cold `tongban verify --bundle`, 10-entry bundle (whole process)',
      unit: 'ms',
      better: 'lower',
      runs: verify,
      limit: { name: 'bare `node -e 0`', value: bare.sort((x, y) => x - y)[Math.floor(bare.length / 2)]! },
      target: '≤ 1.8× bare node',
      key: 'cold_verify',
      vs: 'limit',
    },
    { name: 'Size of that 10-entry bundle', unit: 'bytes', better: 'lower', runs: [b.bytes] },
  ];
}

/**
 * Exact sizes of a per-entry tlog-proof (record bytes in `extra`) and of a
 * bundle entry at several log sizes, for a 5-member consortium whose
 * checkpoints carry the author's signature and four cosignatures.
 */
/** Number of hashes in the RFC 6962 inclusion path of `index` in a tree of `size`. */
function pathLength(index: number, size: number): number {
  let [lo, hi, len] = [0, size, 0];
  while (hi - lo > 1) {
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    if (index < lo + k) hi = lo + k;
    else lo += k;
    len++;
  }
  return len;
}

export function proofSizes(): Figure[] {
  const c = benchConsortium(5);
  const origin = originOf('bench.tongban.test', c.members[0]!.id);
  const record = new Uint8Array(330);
  const envelope = 330 + 70;
  return [1_000, 100_000, 1_000_000].flatMap((size) => {
    const index = Math.floor(size / 3); // a full-depth path (the right edge of a non-power-of-two tree is shorter)
    const path = Array.from({ length: pathLength(index, size) }, () => new Uint8Array(32));
    const text = formatCheckpoint({ origin, size, root: new Uint8Array(32), extensions: [] });
    const sigs = [signNote(text, origin, c.members[0]!.seed), ...c.members.slice(1).map((m) => cosign(text, originOf('bench.tongban.test', m.id), m.seed, 1_800_000_000))];
    const proof = formatTlogProof({ index, path, checkpoint: { text, sigs } });
    const standalone = formatTlogProof({ index, path, checkpoint: { text, sigs }, extra: record });
    return [
      {
        name: `Per-entry proof at log size ${size.toLocaleString('en-US')} (${path.length} hashes, checkpoint with 5 signatures)`,
        unit: 'bytes',
        better: 'lower' as const,
        runs: [proof.length],
        target: size === 1_000_000 ? '≤ 1.5 KB' : undefined,
        note: `a bundle entry adds its ~${envelope}-byte envelope`,
      },
      { name: `Stand-alone .tlog-proof at log size ${size.toLocaleString('en-US')}`, unit: 'bytes', better: 'lower' as const, runs: [standalone.length] },
    ];
  });
}

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { Ledger } from '../../ledger/index.js';
import { tempDir, testConsortium } from '../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const A = members[0]!;
const child = new URL('../helpers/crash-child.mjs', import.meta.url).pathname;

/** Run the appender until SIGKILL after `ms`; returns the acknowledged (seq, id) lines. */
function runAndKill(cfgPath: string, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n') && !timer) timer = setTimeout(() => p.kill('SIGKILL'), ms);
    });
    p.stderr.on('data', (d) => (err += d));
    let timer: NodeJS.Timeout | undefined;
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code}: ${err}`));
      resolve(out.split('\n').filter((l) => /^\d+ [0-9a-f]{64}$/.test(l)));
    });
  });
}

describe('crash safety', () => {
  it('keeps every acknowledged record through 20 SIGKILLs; seqs contiguous, audit clean', async () => {
    expect(existsSync(new URL('../../dist/ledger/index.js', import.meta.url)), 'dist/ must be built (npm run build)').toBe(true);
    const dir = tempDir();
    const cfgPath = join(dir.path, 'child.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        path: join(dir.path, 'store'),
        id: A.id,
        seed: toHex(A.seed),
        adminSeed: toHex(A.adminSeed),
        registrarSeed: toHex(new Uint8Array(32).fill(0x77)),
        net: toHex(net),
        genesis: toHex(genesis),
      }),
    );
    const acked = new Map<number, string>();
    try {
      for (let round = 0; round < 20; round++) {
        const lines = await runAndKill(cfgPath, 50 + Math.floor(Math.random() * 400));
        for (const l of lines) {
          const [seq, id] = l.split(' ');
          acked.set(Number(seq), id!);
        }
        const ledger = await Ledger.open({ path: join(dir.path, 'store'), genesis });
        const size = ledger.size(A.id);
        for (const [seq, id] of acked) {
          expect(seq).toBeLessThan(size);
          const env = await ledger.recordById(fromHex(id));
          expect(env?.record.seq).toBe(seq);
        }
        expect((await ledger.envelopeBytes(A.id, 0, size + 10)).length).toBe(size);
        await ledger.close();
      }
      const ledger = await Ledger.open({ path: join(dir.path, 'store'), genesis });
      const report = await ledger.audit();
      expect(report.problems).toEqual([]);
      expect(report.records).toBeGreaterThan(20);
      await ledger.close();
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger } from '../../../ledger/index.js';
import fc from 'fast-check';
import { checkTable, checkTables } from '../../../ledger/tables.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const A = members[0]!;
const registrarSeed = new Uint8Array(32).fill(0x55);

let dirs: { path: string; cleanup: () => void }[] = [];
beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const d of dirs) d.cleanup();
});

function dir() {
  const d = tempDir();
  dirs.push(d);
  return d;
}

/** Name and SHA-256 of every file under `path`, sorted. */
function hashTree(path: string): string[] {
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((n) => statSync(join(path, n)).isFile())
    .sort()
    .map(
      (n) =>
        `${n} ${createHash('sha256')
          .update(readFileSync(join(path, n)))
          .digest('hex')}`,
    );
}

/** A stopped store with a few hundred records, some in table files and some only in the write-ahead log. */
async function stoppedStore(path: string, reopen = true): Promise<void> {
  let l = await Ledger.open({ path, genesis, self: { id: A.id, seed: A.seed } });
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(registrarSeed), roles: ['registrar'], active: true }));
  const more = () =>
    Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        l.append(
          submission(net, A.id, 'li.na', registrarSeed, 'doc.register', {
            doc: createHash('sha256')
              .update(`${l.size(A.id)}-${i}`)
              .digest(),
            type: 'permit',
            class: 'public',
          }),
        ),
      ),
    );
  await more();
  await l.signCheckpoint();
  await l.close();
  if (!reopen) return;
  l = await Ledger.open({ path, genesis, self: { id: A.id, seed: A.seed } }); // LevelDB moves the log into a table
  await more();
  await l.close();
}

describe('audit opens stores read-only', () => {
  it('a missing store is an error naming it, and nothing is created', async () => {
    const missing = join(dir().path, 'data');
    const e = await Ledger.openReadOnly({ path: missing, genesis }).catch((x) => x);
    expect(e).toMatchObject({ code: 'STORE_DAMAGED' });
    expect(e.message).toContain(missing);
    expect(existsSync(missing)).toBe(false);
    // an empty directory is no store either, and stays empty
    const empty = dir().path;
    await expect(Ledger.openReadOnly({ path: empty, genesis })).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
    expect(readdirSync(empty)).toEqual([]);
  });

  it('leaves every file of a store byte-identical, with records still in the write-ahead log', async () => {
    const d = dir();
    await stoppedStore(d.path);
    const before = hashTree(d.path);
    expect(before.some((l) => /\.log /.test(l))).toBe(true);
    const l = await Ledger.openReadOnly({ path: d.path, genesis });
    const report = await l.audit();
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(202);
    await expect(l.signCheckpoint()).rejects.toThrow();
    await l.close();
    expect(hashTree(d.path)).toEqual(before);
  });
});

describe('a damaged table file', () => {
  it('is named at start, once, and by audit; the store is not changed', async () => {
    const d = dir();
    await stoppedStore(d.path);
    expect(checkTables(d.path).files).toBeGreaterThan(0);
    const table = readdirSync(d.path).find((n) => n.endsWith('.ldb'))!;
    const bytes = readFileSync(join(d.path, table));
    for (let i = 1000; i < 1010; i++) bytes[i]! ^= 0x5a;
    writeFileSync(join(d.path, table), bytes);
    const before = hashTree(d.path);
    const e = await Ledger.open({ path: d.path, genesis, self: { id: A.id, seed: A.seed }, checkTables: true }).catch((x) => x);
    expect(e).toMatchObject({ code: 'STORE_DAMAGED' });
    expect(e.message).toContain(join(d.path, table));
    const r = await Ledger.openReadOnly({ path: d.path, genesis }).catch((x) => x);
    expect(r).toMatchObject({ code: 'STORE_DAMAGED' });
    expect(r.message).toContain(join(d.path, table));
    expect(hashTree(d.path)).toEqual(before);
  });

  it('a stored value the ledger cannot decode is STORE_DAMAGED naming the store and the value', async () => {
    const d = dir();
    await stoppedStore(d.path, false);
    const { Store } = await import('../../../ledger/store.js');
    const { u64Key } = await import('../../../ledger/keys.js');
    const s = await Store.open(d.path);
    await s.write([s.put('cfg', u64Key(0), new Uint8Array([0xff]))]);
    await s.close();
    const e = await Ledger.openReadOnly({ path: d.path, genesis }).catch((x) => x);
    expect(e).toMatchObject({ code: 'STORE_DAMAGED' });
    expect(e.message).toContain(d.path);
    expect(e.message).toMatch(/config of epoch 0/);
  });
});

describe('the table check', () => {
  it('names every flipped byte of a data block, and never hangs or crashes on any flip', async () => {
    const d = dir();
    await stoppedStore(d.path);
    const table = readdirSync(d.path).find((n) => n.endsWith('.ldb'))!;
    const good = new Uint8Array(readFileSync(join(d.path, table)));
    expect(checkTable(good).blocks).toBeGreaterThan(2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = good.slice();
        bad[i]! ^= x;
        let threw: unknown;
        try {
          checkTable(bad);
        } catch (e) {
          threw = e;
        }
        if (threw !== undefined) expect(threw).toBeInstanceOf(Error);
        // every byte before the footer belongs to a checksummed block or its trailer
        if (i < good.length - 48) expect(threw).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('the table check reads the manifest', () => {
  it('ignores a table file a close left behind unfinished, and names a listed table file that is missing', async () => {
    const d = dir();
    await stoppedStore(d.path);
    // what an interrupted compaction leaves: an unfinished table the manifest does not list (LevelDB deletes it at open)
    writeFileSync(join(d.path, '999999.ldb'), new Uint8Array(5000).fill(7));
    expect(() => checkTables(d.path)).not.toThrow();
    const a = await Ledger.open({ path: d.path, genesis, self: { id: A.id, seed: A.seed }, checkTables: true });
    await a.close();
    for (const t of readdirSync(d.path).filter((n) => n.endsWith('.ldb'))) renameSync(join(d.path, t), join(d.path, `${t}.moved`));
    expect(() => checkTables(d.path)).toThrow(/store file .*\d{6}\.ldb is missing: the manifest lists it/);
  });
});

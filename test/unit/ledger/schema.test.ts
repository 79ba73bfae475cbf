import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../../protocol/bytes.js';
import { Ledger } from '../../../ledger/index.js';
import { Store } from '../../../ledger/store.js';
import { SCHEMA_KEY, SCHEMA_VERSION, schemaVersion } from '../../../ledger/schema.js';
import { tempDir, testConsortium } from '../../helpers/consortium.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/stores/v0');
const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

/** A copy of the frozen v0 store (LevelDB writes whenever it opens a directory: never open the fixture itself). */
function v0Copy(): { path: string; genesis: Uint8Array } {
  const d = tempDir();
  dirs.push(d);
  cpSync(join(FIXTURE, 'store'), d.path, { recursive: true });
  return { path: d.path, genesis: new Uint8Array(readFileSync(join(FIXTURE, 'genesis.cbor'))) };
}

async function storedVersion(path: string): Promise<number> {
  const s = await Store.open(path);
  try {
    return await schemaVersion(s);
  } finally {
    await s.close();
  }
}

describe('store schema versions', () => {
  it('the frozen store made by the release before versions is version 0: the new code migrates it to the current version and audits it clean', async () => {
    const { path, genesis } = v0Copy();
    expect(await storedVersion(path)).toBe(0);
    const { members } = testConsortium(3);
    const l = await Ledger.open({ path, genesis, self: { id: members[1]!.id, seed: members[1]!.seed } });
    expect(l.migrated).toEqual([{ from: 0, to: 1, what: expect.any(String) }]);
    expect(l.size(members[0]!.id)).toBe(12);
    expect(l.size(members[1]!.id)).toBe(3);
    const r = await l.audit();
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ logs: 2, records: 15, checkpoints: 1 });
    await l.close();
    expect(await storedVersion(path)).toBe(SCHEMA_VERSION);
    const again = await Ledger.open({ path, genesis });
    expect(again.migrated).toEqual([]);
    await again.close();
  });

  it('a read-only open (audit) of a v0 store reads it without writing the version', async () => {
    const { path, genesis } = v0Copy();
    const l = await Ledger.openReadOnly({ path, genesis });
    expect((await l.audit()).problems).toEqual([]);
    expect(l.migrated).toEqual([]);
    await l.close();
    expect(await storedVersion(path)).toBe(0);
  });

  it('a new store is created at the current version', async () => {
    const d = tempDir();
    dirs.push(d);
    const { genesis } = testConsortium(3);
    const l = await Ledger.open({ path: d.path, genesis });
    expect(l.migrated).toEqual([]);
    await l.close();
    expect(await storedVersion(d.path)).toBe(SCHEMA_VERSION);
  });

  it('a store newer than the code is refused, naming both versions, and left unchanged', async () => {
    const { path, genesis } = v0Copy();
    const s = await Store.open(path);
    await s.write([s.put('meta', SCHEMA_KEY, utf8(String(SCHEMA_VERSION + 1)))]);
    await s.close();
    const err = await Ledger.open({ path, genesis }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_TOO_NEW' });
    expect((err as Error).message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect((err as Error).message).toContain(`versions up to ${SCHEMA_VERSION}`);
    await expect(Ledger.openReadOnly({ path, genesis })).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
    const after = await Store.open(path);
    expect(fromUtf8((await after.get('meta', SCHEMA_KEY))!)).toBe(String(SCHEMA_VERSION + 1));
    await after.close();
  });

  it('a damaged version value is a typed STORE_DAMAGED error naming the key', async () => {
    const { path, genesis } = v0Copy();
    const s = await Store.open(path);
    await s.write([s.put('meta', SCHEMA_KEY, utf8('one'))]);
    await s.close();
    const err = await Ledger.open({ path, genesis }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_DAMAGED' });
    expect((err as Error).message).toContain('meta key schema');
  });
});

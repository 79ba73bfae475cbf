import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { Ledger } from '../../../ledger/index.js';
import { readBackup, restoreBackup } from '../../../ledger/backup.js';
import { tempDir } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';
import { registrar } from '../../helpers/registrar.js';

let t: TestNet | undefined;
const dirs: { cleanup: () => void }[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  dirs.splice(0).forEach((d) => d.cleanup());
});

function backupFile(): string {
  const d = tempDir();
  dirs.push(d);
  return join(d.path, 'node.tbbackup');
}

/** Replace member i's (stopped) store by the archive, as `tongban restore --force` does. */
async function restore(t: TestNet, i: number, file: string): Promise<void> {
  rmSync(t.dirs[i]!, { recursive: true, force: true });
  await restoreBackup(file, t.dirs[i]!, toHex(t.net));
}

describe('backup of a running node and restore', () => {
  it('GET /v1/admin/backup of a running node, more appends, restore of the old backup, start: the own log continues after the newest record peers hold, no fork', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    const a0 = t.nodes[0]!;
    await until(() => a0.ledger.size(A) === 1, 10_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    for (let k = 0; k < 3; k++) await r.register(k);
    // the backup, over HTTP, while the node runs
    const url = await a0.startApi('127.0.0.1', 0);
    const res = await fetch(`${url}/v1/admin/backup`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/tongban-bj-haidian-\d{8}T\d{6}Z\.tbbackup/);
    const file = backupFile();
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
    const { header } = await readBackup(file);
    expect(header).toMatchObject({ member: A, network: toHex(t.net) });
    // more records after the backup, final at the peers
    for (let k = 3; k < 8; k++) await r.register(k);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 10) && a0.ledger.finalSize(A) === 10, 20_000, 'replicated and final');
    await t.stop(0);
    await restore(t, 0, file);
    const old = await Ledger.open({ path: t.dirs[0]!, genesis: t.genesis });
    expect(old.size(A)).toBe(5);
    expect(await old.restoredMark()).toBeDefined();
    await old.close();
    // start on the restored store, even with the operator's word that the log is empty: recovery runs
    const a = await t.start(0, { acceptEmptyLog: true });
    expect(a.safety!.recovery.recovered).toBe(false);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(10);
    expect((await r.register(99)).seq).toBe(10);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 11) && a.ledger.finalSize(A) === 11, 20_000, 'new record replicated and final');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
    expect((await a.ledger.audit()).problems).toEqual([]);
    // once recovered, the mark is gone: a later restart is an ordinary one
    await until(async () => (await a.ledger.restoredMark()) === undefined, 10_000, 'restore mark cleared');
  }, 60_000);

  it("a backup taken before the member's first record, restored with --accept-empty-log, still recovers the log from peers instead of re-signing seq 0", async () => {
    t = await testNet(3);
    const A = t.members[0]!.id;
    // the member's store as created, before it signed anything (a stopped node: the ledger's own archive)
    const fresh = await Ledger.open({ path: t.dirs[0]!, genesis: t.genesis, self: { id: A, seed: t.members[0]!.seed } });
    const file = backupFile();
    await pipeline(Readable.from(fresh.backup()), createWriteStream(file));
    await fresh.close();
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    await until(() => t!.nodes.every((n) => n!.ledger.size(A) === 1), 10_000, 'first admin replicated');
    const r = registrar(t, 0);
    await r.enrol();
    await r.register(0);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 3), 20_000, 'replicated');
    await t.stop(0);
    await restore(t, 0, file);
    const a = await t.start(0, { acceptEmptyLog: true });
    expect(a.ledger.size(A)).toBe(0);
    // without the mark, acceptEmptyLog would sign a new first admin at seq 0: a fork at every peer
    expect(a.safety!.recovery.recovered).toBe(false);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(3);
    expect((await r.register(1)).seq).toBe(3);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 4), 20_000, 'replicated');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 60_000);
});

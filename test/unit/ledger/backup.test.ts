import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { toHex } from '../../../protocol/bytes.js';
import { Ledger } from '../../../ledger/index.js';
import { readBackup, restoreBackup } from '../../../ledger/backup.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const A = members[0]!;
const reg = new Uint8Array(32).fill(0x42);
const dirs: { path: string; cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};

async function ledgerWith(n: number): Promise<Ledger> {
  const l = await Ledger.open({ path: dir(), genesis, self: { id: A.id, seed: A.seed } });
  await l.append(firstAdmin(A));
  await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true }));
  for (let i = 0; i < n; i++) await register(l, i);
  return l;
}

const register = (l: Ledger, i: number) => l.append(submission(net, A.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(i & 255), type: `t${i}`, class: 'public' }));

async function backupTo(l: Ledger): Promise<string> {
  const file = join(dir(), 'a.tbbackup');
  await pipeline(Readable.from(l.backup()), createWriteStream(file));
  return file;
}

describe('backup archives', () => {
  it('round trip: the restored store holds the same logs, audits clean and carries the restore mark', async () => {
    const l = await ledgerWith(30);
    const file = await backupTo(l);
    const target = join(dir(), 'store');
    const out = await restoreBackup(file, target, toHex(net));
    expect(out.header).toMatchObject({ format: 'tongban-backup/1', network: toHex(net), member: A.id, schema: 1 });
    const r = await Ledger.open({ path: target, genesis });
    expect(r.size(A.id)).toBe(32);
    expect(await r.treeHead(A.id)).toEqual(await l.treeHead(A.id));
    expect((await r.audit()).problems).toEqual([]);
    expect(await r.restoredMark()).toMatchObject({ backupCreatedAt: out.header.createdAt });
    await r.clearRestored();
    expect(await r.restoredMark()).toBeUndefined();
    expect(await l.restoredMark()).toBeUndefined();
    await r.close();
    await l.close();
  });

  it('is one consistent instant while appends go on: records written after the snapshot is pinned are not in it', async () => {
    const l = await ledgerWith(5);
    const file = join(dir(), 'live.tbbackup');
    const gen = l.backup();
    const first = gen.next(); // the iterator, and with it the snapshot, is created synchronously here
    await Promise.all(Array.from({ length: 40 }, (_, i) => register(l, 100 + i))); // durable before a byte is read
    const chunks: Uint8Array[] = [];
    const head = await first;
    if (!head.done) chunks.push(head.value);
    for await (const c of gen) chunks.push(c);
    writeFileSync(file, Buffer.concat(chunks));
    expect(l.size(A.id)).toBe(47);
    const target = join(dir(), 'store');
    await restoreBackup(file, target, toHex(net));
    const r = await Ledger.open({ path: target, genesis });
    expect(r.size(A.id)).toBe(7);
    expect(await r.treeHead(A.id)).toEqual(await l.treeHead(A.id, 7));
    expect((await r.audit()).problems).toEqual([]);
    await r.close();
    await l.close();
  });

  it('a cut, changed, foreign or non-archive file restores nothing and names what is wrong', async () => {
    const l = await ledgerWith(3);
    const file = await backupTo(l);
    await l.close();
    const bytes = readFileSync(file);
    const bad = (name: string, b: Uint8Array) => {
      const p = join(dir(), name);
      writeFileSync(p, b);
      return p;
    };
    await expect(readBackup(bad('cut', bytes.subarray(0, bytes.length - 40)))).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('cut short') });
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 1;
    await expect(readBackup(bad('flip', flipped))).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    await expect(readBackup(bad('trailing', Buffer.concat([bytes, Buffer.from('x')])))).rejects.toMatchObject({ code: 'BACKUP_INVALID' });
    await expect(readBackup(bad('text', Buffer.from('hello world, not an archive at all')))).rejects.toMatchObject({
      code: 'BACKUP_INVALID',
      message: expect.stringContaining('not a tongban backup'),
    });
    // a well-hashed archive whose framing lies (the count) is refused too
    const body = Buffer.from(bytes.subarray(0, bytes.length - 32));
    body.writeBigUInt64BE(body.readBigUInt64BE(body.length - 8) + 1n, body.length - 8);
    const rehashed = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    await expect(readBackup(bad('count', rehashed))).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('entries read, the archive says') });
    await expect(restoreBackup(file, join(dir(), 'other'), '00'.repeat(32))).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('not of this home') });
    // a directory that already holds a store is never written into
    const existing = join(dir(), 'existing');
    await restoreBackup(file, existing, toHex(net));
    await expect(restoreBackup(file, existing, toHex(net))).rejects.toThrow();
  });
});

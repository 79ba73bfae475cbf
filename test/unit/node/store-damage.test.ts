import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger } from '../../../ledger/index.js';
import { TongbanNode } from '../../../node/node.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis, net } = testConsortium(3);
const A = members[0]!;
const dir = tempDir();
afterEach(() => dir.cleanup());

describe('a node on a damaged store', () => {
  it('fails to start once, naming the damaged table file', async () => {
    let l = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed } });
    await l.append(firstAdmin(A));
    const seed = new Uint8Array(32).fill(0x77);
    await l.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(seed), roles: ['registrar'], active: true }));
    await Promise.all(Array.from({ length: 100 }, (_, i) => l.append(submission(net, A.id, 'li.na', seed, 'doc.register', { doc: new Uint8Array(32).fill(i), type: 'permit', class: 'public' }))));
    await l.close();
    l = await Ledger.open({ path: dir.path, genesis }); // the write-ahead log becomes a table file
    await l.close();
    const table = readdirSync(dir.path).find((n) => n.endsWith('.ldb'))!;
    const bytes = readFileSync(join(dir.path, table));
    for (let i = 500; i < 520; i++) bytes[i]! ^= 0xa5;
    writeFileSync(join(dir.path, table), bytes);
    const start = () =>
      TongbanNode.start({
        dataDir: dir.path,
        genesis,
        memberId: A.id,
        ledgerSeed: A.seed,
        peerSeed: A.peerSeed,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        logger: pino({ level: 'silent' }),
      });
    const e = await start().catch((x) => x);
    expect(e).toMatchObject({ code: 'STORE_DAMAGED' });
    expect(e.message).toContain(join(dir.path, table));
    // and again the same way: nothing was changed by the failed start
    await expect(start()).rejects.toMatchObject({ code: 'STORE_DAMAGED' });
  });
});

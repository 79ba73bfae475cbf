import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { BIN, tongban } from '../helpers/cli.js';

const dir = tempDir('tongban-e2e-identity-');
const cwd = dir.path;
afterAll(() => dir.cleanup());

describe('tongban start: the keys must be the ones the config names', () => {
  it('exits with the usage code, naming the ledger key or the peer id that differs', () => {
    expect(existsSync(BIN), 'dist/ must be built').toBe(true);
    for (const [home, id, region] of [['bj', 'bj-haidian', '110108'], ['sh', 'sh-pudong', '310115']]) {
      expect(tongban(['init', '--home', home!, '--consortium', 'crossprov.gov.example', '--id', id!, '--name', id!, '--region', region!, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], cwd).code).toBe(0);
    }
    expect(tongban(['consortium', 'create', '--out', 'genesis.cbor', 'bj/join-request.json', 'sh/join-request.json'], cwd).code).toBe(0);
    copyFileSync(join(cwd, 'bj/keys/ledger.key'), join(cwd, 'bj-ledger.key'));
    copyFileSync(join(cwd, 'sh/keys/ledger.key'), join(cwd, 'bj/keys/ledger.key'));
    const ledger = tongban(['start', '--home', 'bj', '--genesis', 'genesis.cbor'], cwd);
    expect(ledger.code, ledger.stderr).toBe(2);
    expect(ledger.stderr).toMatch(/the ledger key .* is not the one epoch 0 names for member bj-haidian/);
    copyFileSync(join(cwd, 'bj-ledger.key'), join(cwd, 'bj/keys/ledger.key'));
    copyFileSync(join(cwd, 'sh/keys/peer.key'), join(cwd, 'bj/keys/peer.key'));
    const peer = tongban(['start', '--home', 'bj'], cwd);
    expect(peer.code, peer.stderr).toBe(2);
    expect(peer.stderr).toMatch(/the peer key gives peer id \S+, but epoch 0 names \S+ for member bj-haidian/);
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { freePorts, until } from '../helpers/network.js';
import { BIN, startNode, stopProcess, tongban, waitHealthy } from '../helpers/cli.js';

const dir = tempDir('tongban-e2e-start-');
const cwd = dir.path;
afterAll(() => dir.cleanup());

describe('tongban start', () => {
  it('exits with the usage code, naming the ledger key or the peer id that differs', () => {
    expect(existsSync(BIN), 'dist/ must be built').toBe(true);
    for (const [home, id, region] of [
      ['bj', 'bj-haidian', '110108'],
      ['sh', 'sh-pudong', '310115'],
    ]) {
      expect(
        tongban(['init', '--home', home!, '--consortium', 'crossprov.gov.example', '--id', id!, '--name', id!, '--region', region!, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], cwd)
          .code,
      ).toBe(0);
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

  it('a founder started alone signs nothing until its peers answer (status says why); --accept-empty-log lets a new member start alone', async () => {
    const [p2p, api] = await freePorts(2);
    const url = `http://127.0.0.1:${api}`;
    for (const [home, id, region] of [
      ['hb', 'hb-wuhan', '420100'],
      ['sc', 'sc-chengdu', '510100'],
    ]) {
      expect(
        tongban(
          [
            'init',
            '--home',
            home!,
            '--consortium',
            'solo.gov.example',
            '--id',
            id!,
            '--name',
            id!,
            '--region',
            region!,
            '--listen',
            `/ip4/127.0.0.1/tcp/${home === 'hb' ? p2p : 0}`,
            '--api',
            home === 'hb' ? `127.0.0.1:${api}` : '127.0.0.1:0',
          ],
          cwd,
        ).code,
      ).toBe(0);
    }
    expect(tongban(['consortium', 'create', '--out', 'solo.cbor', 'hb/join-request.json', 'sc/join-request.json'], cwd).code).toBe(0);
    let p = startNode('hb', cwd, 'solo.cbor');
    try {
      await waitHealthy(url);
      const st = tongban(['status', '--home', 'hb'], cwd);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toMatch(/appends refused for now: RECOVERING: recovering this node's own log from peers/);
      expect(st.stdout).toMatch(/hb-wuhan +size +0/);
      // --wait-ready waits for a node that takes appends: this one does not, so it gives up as unreachable (3), saying why
      const wait = tongban(['status', '--home', 'hb', '--wait-ready', '1'], cwd);
      expect(wait.code, wait.stderr).toBe(3);
      expect(wait.stderr).toMatch(/did not become ready within 1 s: appends refused for now: RECOVERING/);
    } finally {
      await stopProcess(p);
    }
    p = spawn(process.execPath, [BIN, 'start', '--home', 'hb', '--accept-empty-log'], { cwd, stdio: 'ignore' });
    try {
      await waitHealthy(url);
      expect(tongban(['status', '--home', 'hb', '--wait-ready', '20'], cwd).code).toBe(0);
      await until(() => /hb-wuhan +size +1/.test(tongban(['status', '--home', 'hb'], cwd).stdout), 20_000, 'first admin appended alone');
      expect(tongban(['status', '--home', 'hb'], cwd).stdout).not.toMatch(/refused/);
    } finally {
      await stopProcess(p);
    }
  }, 60_000);
});

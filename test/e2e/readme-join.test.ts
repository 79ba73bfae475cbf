import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { BIN, tongban } from '../helpers/cli.js';

// The README's walkthrough, run exactly as written: the shell blocks of "Found a consortium" and
// "A member joins", in a fresh folder, with `tongban` on the PATH and real node processes on loopback.
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The ```sh blocks of the README section with this heading (up to the next heading of its level or above). */
function shellBlocks(markdown: string, heading: string): string[] {
  const level = heading.split(' ')[0]!.length;
  const blocks: string[] = [];
  let inSection = false;
  let fence: string[] | 'other' | undefined;
  for (const line of markdown.split('\n')) {
    if (fence !== undefined) {
      if (line.startsWith('```')) {
        if (inSection && fence !== 'other') blocks.push(fence.join('\n'));
        fence = undefined;
      } else if (fence !== 'other') fence.push(line);
    } else if (line.startsWith('```')) fence = line === '```sh' ? [] : 'other';
    else if (/^#+ /.test(line) && line.indexOf(' ') <= level) inSection = line === heading;
  }
  if (blocks.length === 0) throw new Error(`README has no shell block under ${heading}`);
  return blocks;
}

const dir = tempDir('tongban-readme-');
let shell: ChildProcess | undefined;

afterAll(async () => {
  // The nodes were started in the background by the script: they share its process group.
  if (shell?.pid) {
    try {
      process.kill(-shell.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    // Wait until no process of the group is left (signal 0 only asks whether any exists).
    const pgid = shell.pid;
    const gone = () => {
      try {
        process.kill(-pgid, 0);
        return false;
      } catch {
        return true;
      }
    };
    await until(gone, 30_000, 'nodes stopped').catch(() => process.kill(-pgid, 'SIGKILL'));
  }
  dir.cleanup();
}, 60_000);

describe('README: a member joins (the walkthrough as written)', () => {
  it('founds a consortium, admits gd through governance, and gd catches up', async () => {
    const md = readFileSync(README, 'utf8');
    const script = [...shellBlocks(md, '### Found a consortium'), ...shellBlocks(md, '### A member joins')].join('\n');
    expect(script).toMatch(/tongban governance approve/);
    const bin = join(dir.path, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tongban'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'tongban'), 0o755);
    const work = join(dir.path, 'work');
    mkdirSync(work);
    shell = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: work, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    let out = '';
    let err = '';
    shell.stdout!.on('data', (d) => (out += d));
    shell.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => shell!.once('exit', (c) => r(c)));
    // The nodes started in the background hold the pipes: stop reading them.
    shell.stdout!.destroy();
    shell.stderr!.destroy();
    expect(code, `script failed\n--- stdout\n${out}\n--- stderr\n${err}`).toBe(0);

    // Each step said what happens next and who must act.
    expect(out).toMatch(/^bootstrap \/ip4\/127\.0\.0\.1\/tcp\/4201\/p2p\/12D3KooW\w+$/m);
    expect(out).toMatch(/proposal [0-9a-f]{64}\n\s+epoch 1: adds gd-guangzhou\n\s+needs 2 of 3 members' approvals \(the governance quorum of epoch 0\); 0 so far/);
    expect(out).toMatch(/tongban governance approve [0-9a-f]{64} --home <their home> --actor <their admin key>/);
    expect(out).toMatch(/1 so far \(bj-haidian\)[^\n]*\n\s+next: an admin of any 1 of ha-zhengzhou, sh-pudong runs/);
    expect(out).toMatch(/quorum reached: epoch 1 is in force \(members: bj-haidian, gd-guangzhou, ha-zhengzhou, sh-pudong\)/);

    // keys show gives the same address from the config, without the node running.
    const bjPeer = /^bootstrap (\/ip4\/127\.0\.0\.1\/tcp\/4201\/p2p\/12D3KooW\w+)$/m.exec(out)![1];
    expect(tongban(['keys', 'show', '--home', 'bj'], work).stdout).toContain(`bootstrap ${bjPeer}\n`);
    expect(readFileSync(join(work, 'gd', 'node.yaml'), 'utf8')).toContain(bjPeer);

    // The newcomer is admitted and holds every log, final.
    await until(
      () => {
        const r = tongban(['status', '--home', 'gd', '--json'], work);
        if (r.code !== 0) return false;
        const st = JSON.parse(r.stdout) as { epoch: number; admitted: boolean; logs: { author: string; size: number; finalSize: number }[] };
        return st.epoch === 1 && st.admitted && st.logs.length === 4 && st.logs.every((l) => l.size > 0 && l.finalSize === l.size);
      },
      60_000,
      'gd admitted, replicated and final',
    );
  }, 180_000);
});

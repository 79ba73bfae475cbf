import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vector } from '../unit/protocol/fixtures.js';
import { tempDir } from '../helpers/consortium.js';
import { BIN, tongban } from '../helpers/cli.js';

// The bin as `npm run build:cli` makes it (scripts/bundle-cli.mjs): dist/cli/main.js and its chunks in dist/cli/bundle/.
const dir = tempDir('tongban-bundle-');
const cwd = dir.path;
const SPY = fileURLToPath(new URL('../helpers/load-spy.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
let doc = '';

beforeAll(() => {
  if (!existsSync(join(DIST, 'cli', 'bundle', 'meta.json')) || !readFileSync(BIN, 'utf8').includes('./bundle/')) {
    throw new Error('dist/cli/main.js is not the bundled CLI: run npm run build:cli (npm run test:e2e does)');
  }
  const cv = vector('consortium.json');
  writeFileSync(join(cwd, 'vector.bundle'), Buffer.from(cv.bundleHex, 'hex'));
  writeFileSync(join(cwd, 'genesis.cbor'), Buffer.from(cv.configs[0].hex, 'hex'));
  doc = cv.document.sha256;
});
afterAll(() => dir.cleanup());

/** Each tongban/package module a run loads, with a cache folder of its own (fresh: nothing cached yet). */
function loaded(args: string[], env: NodeJS.ProcessEnv): { code: number; stdout: string; files: string[]; builtins: string[] } {
  const file = join(cwd, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', SPY, BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env, TONGBAN_LOAD_SPY: file } });
  const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { code: r.status ?? -1, stdout: r.stdout, files: urls.filter((u) => u.startsWith('file:')), builtins: urls.filter((u) => u.startsWith('node:')) };
}

const verifyArgs = () => ['verify', doc, '--bundle', 'vector.bundle', '--genesis', 'genesis.cbor', '--json'];

describe('the bundled tongban bin', () => {
  it('verifies offline from a few chunks: no module of dist/ besides them (and cli/io.js), no package file', () => {
    const r = loaded(verifyArgs(), { XDG_CACHE_HOME: join(cwd, 'cache-a') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ proofs: 'sound', outcome: 'approved', stands: true });
    const own = (u: string) => u === `file://${BIN}` || u === `file://${DIST}cli/io.js` || u.startsWith(`file://${DIST}cli/bundle/`);
    expect(r.files.filter((u) => !own(u))).toEqual([]);
    // commander's child_process (executable subcommands, which tongban has none of) and cbor-x's streams stay unloaded
    expect(r.builtins.filter((b) => ['node:child_process', 'node:net', 'node:stream'].includes(b))).toEqual([]);
  });

  it('caches compiled code under XDG_CACHE_HOME/tongban/compile-cache, and NODE_DISABLE_COMPILE_CACHE turns that off', () => {
    const cache = join(cwd, 'cache-b');
    expect(loaded(verifyArgs(), { XDG_CACHE_HOME: cache }).code).toBe(0);
    const folder = join(cache, 'tongban', 'compile-cache');
    expect(readdirSync(folder).length).toBeGreaterThan(0); // one folder per Node version, a file per module in it
    // a second run reads it and answers the same
    expect(loaded(verifyArgs(), { XDG_CACHE_HOME: cache }).code).toBe(0);
    const off = join(cwd, 'cache-c');
    expect(loaded(verifyArgs(), { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' }).code).toBe(0);
    expect(existsSync(off)).toBe(false);
  });

  it('runs when the cache folder cannot be made (XDG_CACHE_HOME is a file)', () => {
    const blocked = join(cwd, 'not-a-folder');
    writeFileSync(blocked, 'x');
    const r = tongban(verifyArgs(), cwd, { XDG_CACHE_HOME: blocked });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).proofs).toBe('sound');
  });

  it('ends quietly with its own status when the reader closes the pipe early (`tongban … | head`), not with an unhandled EPIPE', async () => {
    const child = spawn(process.execPath, [BIN, ...verifyArgs()], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect([code, stderr]).toEqual([0, '']);
  });

  it('prints its report to a pipe without building process.stdout (no node:net, no stdout stream)', () => {
    // Node's own list of the built-ins it loaded, written at exit by a preload
    const list = join(cwd, 'module-load-list.txt');
    const preload = join(cwd, 'module-load-list.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
    const r = spawnSync(process.execPath, ['--require', preload, BIN, 'verify', doc, '--bundle', 'vector.bundle', '--genesis', 'genesis.cbor'], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^document [0-9a-f]{64}\n[\s\S]*\ndecision: APPROVED[^\n]*\n$/);
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule crypto'); // the list is Node's, as read at exit
    expect(loaded.filter((m) => ['NativeModule net', 'NativeModule tty', 'NativeModule internal/fs/sync_write_stream'].includes(m))).toEqual([]);
  });

  it('a server command (outside the bundle) fails with its own message and exit code, not as an internal error', () => {
    const r = tongban(['token', 'list', '--home', join(cwd, 'no-home')], cwd);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^tongban: .*no-home is not a tongban home/)]);
  });
});

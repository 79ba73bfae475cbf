import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `tongban` binary to completion; `env` adds to (or, undefined, removes from) the test's environment. */
export function tongban(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, ...(env ? { env: { ...process.env, ...env } } : {}) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Start `tongban start` as a real process. */
export function startNode(home: string, cwd: string, genesis?: string): ChildProcess {
  const args = [BIN, 'start', '--home', home, ...(genesis ? ['--genesis', genesis] : [])];
  return spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The API URL a node started with `--api 127.0.0.1:0` wrote to HOME/run/api.url (it binds first, so no port is
 * chosen before binding); fails at once, with the node's stderr, when the process exits before that.
 */
export async function apiUrlOf(p: ChildProcess, home: string, cwd: string, timeoutMs = 60_000): Promise<string> {
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += d));
  const file = join(cwd, home, 'run', 'api.url');
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.exitCode !== null) throw new Error(`node of ${home} exited with ${p.exitCode} before it listened:\n${stderr}`);
    if (existsSync(file)) {
      const url = readFileSync(file, 'utf8').trim();
      if (url) return url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node of ${home} wrote no ${file} in ${timeoutMs} ms:\n${stderr}`);
}

export async function waitHealthy(url: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node at ${url} did not come up`);
}

/** Until the node takes appends: its own log recovered from peers (node/recovery.ts), nothing refused. */
export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const st = (await fetch(`${url}/v1/status`).then(
      (r) => r.json(),
      () => undefined,
    )) as { appendRefused?: unknown } | undefined;
    if (st && !st.appendRefused) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node at ${url} did not become ready to append`);
}

export function stopProcess(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve(p.exitCode);
    p.once('exit', (code) => resolve(code));
    p.kill('SIGTERM');
  });
}

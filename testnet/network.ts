import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { MemberSpec } from './members.js';
import { LinkProxy } from './proxy.js';

/** Extra Node.js flags for node processes (e.g. `--cpu-prof`), from TONGBAN_TESTNET_NODE_ARGS. */
const nodeArgs = (): string[] => (process.env.TONGBAN_TESTNET_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** The built CLI (also when this module runs from source under the test runner). */
export const BIN = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../cli/main.js' : '../dist/cli/main.js', import.meta.url));

export interface TestnetMember extends MemberSpec {
  home: string;
  p2pPort: number;
  apiPort: number;
  url: string;
  peerId: string;
}

export interface TestnetOptions {
  dir: string;
  members: MemberSpec[];
  /** Route every link through a proxy the testnet controls (for partitions). */
  proxies?: boolean;
  consortium?: string;
}

interface Saved {
  consortium: string;
  members: TestnetMember[];
  proxies: boolean;
  proxyPorts: Record<string, number>;
}

const handedOut = new Set<number>();

/** A free loopback port, never the same one twice in this process (ports are released before use). */
export async function freePort(): Promise<number> {
  for (;;) {
    const p = await probePort();
    if (!handedOut.has(p)) {
      handedOut.add(p);
      return p;
    }
  }
}

/**
 * Ports below Linux's ephemeral range (32768+), so that outgoing connections
 * of other processes cannot take a port between its choice and its use.
 */
function probePort(): Promise<number> {
  const port = 20_000 + Math.floor(Math.random() * 12_000);
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(probePort()));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(port)));
  });
}

/** Run the real `tongban` binary; throws with its stderr when it fails. */
export function tongban(args: string[], cwd: string): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`tongban ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A local consortium of real `tongban` node processes on loopback, made with
 * the same `init` / `consortium create` path as a real deployment.
 */
export class Testnet {
  readonly procs = new Map<number, ChildProcess>();
  readonly links = new Map<string, LinkProxy>();

  private constructor(
    readonly dir: string,
    readonly saved: Saved,
  ) {}

  get members(): TestnetMember[] {
    return this.saved.members;
  }

  get genesis(): string {
    return join(this.dir, 'genesis.cbor');
  }

  /** Create the consortium in `dir`, or reuse the one there. */
  static async create(opts: TestnetOptions): Promise<{ net: Testnet; reused: boolean }> {
    const dir = resolve(opts.dir);
    const state = join(dir, 'testnet.json');
    const wanted = opts.members.map((m) => m.id).join(',');
    if (existsSync(state)) {
      const saved = JSON.parse(readFileSync(state, 'utf8')) as Saved;
      if (saved.members.map((m) => m.id).join(',') === wanted && saved.proxies === !!opts.proxies) return { net: new Testnet(dir, saved), reused: true };
      throw new Error(`${dir} holds another testnet (${saved.members.length} members); remove it or choose another --dir`);
    }
    mkdirSync(dir, { recursive: true });
    const consortium = opts.consortium ?? 'local.tongban.test';
    const members: TestnetMember[] = [];
    for (const m of opts.members) {
      const [p2pPort, apiPort] = [await freePort(), await freePort()];
      const home = join(dir, m.id);
      const out = JSON.parse(
        tongban(
          [
            'init',
            '--home',
            home,
            '--consortium',
            consortium,
            '--id',
            m.id,
            '--name',
            m.name,
            '--region',
            m.region,
            '--listen',
            `/ip4/127.0.0.1/tcp/${p2pPort}`,
            '--api',
            `127.0.0.1:${apiPort}`,
            '--json',
          ],
          dir,
        ),
      );
      members.push({ ...m, home, p2pPort, apiPort, url: `http://127.0.0.1:${apiPort}`, peerId: out.peerId });
    }
    tongban(['consortium', 'create', '--out', 'genesis.cbor', ...members.map((m) => join(m.home, 'join-request.json'))], dir);
    for (const m of members) copyFileSync(join(dir, 'genesis.cbor'), join(m.home, 'genesis.cbor'));
    const proxyPorts: Record<string, number> = {};
    if (opts.proxies) {
      // Each node dials each other node through its own proxy, and announces nothing else.
      for (const a of members) {
        const peers: Record<string, string[]> = {};
        for (const b of members) {
          if (a === b) continue;
          const port = await freePort();
          proxyPorts[`${a.id}>${b.id}`] = port;
          peers[b.id] = [`/ip4/127.0.0.1/tcp/${port}`];
        }
        const yamlPath = join(a.home, 'node.yaml');
        const cfg = parse(readFileSync(yamlPath, 'utf8')) as Record<string, unknown>;
        writeFileSync(yamlPath, stringify({ ...cfg, announce: [], peers }));
      }
    }
    const saved: Saved = { consortium, members, proxies: !!opts.proxies, proxyPorts };
    writeFileSync(state, JSON.stringify(saved, null, 2));
    return { net: new Testnet(dir, saved), reused: false };
  }

  private proxiesUp?: Promise<void>;

  private startProxies(): Promise<void> {
    this.proxiesUp ??= this.bindProxies();
    return this.proxiesUp;
  }

  private async bindProxies(): Promise<void> {
    if (!this.saved.proxies) return;
    for (const [link, port] of Object.entries(this.saved.proxyPorts)) {
      const target = this.members.find((m) => m.id === link.split('>')[1])!;
      const p = new LinkProxy(port, target.p2pPort);
      await p.start();
      this.links.set(link, p);
    }
  }

  /** Start node i; with `ready` (default) also wait until it may append (own log recovered from its peers, first admin in). */
  async start(i: number, ready = true): Promise<void> {
    await this.startProxies();
    const m = this.members[i]!;
    const log = openSync(join(m.home, 'node.log'), 'a');
    const p = spawn(process.execPath, [...nodeArgs(), BIN, 'start', '--home', m.home], { stdio: ['ignore', log, log] });
    this.procs.set(i, p);
    p.once('exit', () => this.procs.get(i) === p && this.procs.delete(i));
    await this.waitHealthy(i);
    if (ready) await this.waitReady(i);
  }

  /** Start every node, a few at a time so that large networks do not starve a small machine. */
  async startAll(concurrency = 5): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, this.members.length) }, async () => {
        while (next < this.members.length) await this.start(next++, false);
      }),
    );
    // A node appends only once enough peers have answered (own-log recovery): wait when all are up.
    for (let i = 0; i < this.members.length; i++) await this.waitReady(i);
  }

  /** Until node i takes appends: nothing refused (RECOVERING, CLOCK_SKEW) and, once admitted, its first admin in. */
  async waitReady(i: number, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    const id = this.members[i]!.id;
    while (Date.now() < end) {
      if (!this.procs.has(i)) throw new Error(`${id} exited; see ${join(this.members[i]!.home, 'node.log')}`);
      const st = (await fetch(`${this.members[i]!.url}/v1/status`).then(
        (r) => r.json(),
        () => undefined,
      )) as { appendRefused?: unknown; admitted?: boolean; logs?: { author: string; size: number }[] } | undefined;
      if (st && !st.appendRefused && (!st.admitted || (st.logs?.find((l) => l.author === id)?.size ?? 0) > 0)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${id} did not become ready to append`);
  }

  async waitHealthy(i: number, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.procs.has(i)) throw new Error(`${this.members[i]!.id} exited; see ${join(this.members[i]!.home, 'node.log')}`);
      try {
        if ((await fetch(`${this.members[i]!.url}/healthz`)).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.members[i]!.id} did not come up`);
  }

  /** SIGTERM and wait (a clean stop). */
  async stop(i: number): Promise<void> {
    const p = this.procs.get(i);
    if (!p) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  /** kill -9. */
  async kill(i: number): Promise<void> {
    const p = this.procs.get(i);
    if (!p) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  /** Cut every link between the two groups (both directions). */
  partition(a: number[], b: number[]): void {
    for (const [x, y] of a.flatMap((i) =>
      b.flatMap(
        (j) =>
          [
            [i, j],
            [j, i],
          ] as const,
      ),
    ))
      this.link(x, y)?.cut();
  }

  heal(): void {
    for (const l of this.links.values()) l.heal();
  }

  private link(i: number, j: number): LinkProxy | undefined {
    return this.links.get(`${this.members[i]!.id}>${this.members[j]!.id}`);
  }

  async api<T = any>(i: number, path: string, init?: RequestInit): Promise<T> {
    // A read is retried: a keep-alive socket the node closes (idle timeout) just as it is reused fails the request
    // ("other side closed"), which with dozens of nodes polled twice a second happens within minutes.
    const reads = !init?.method || init.method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${this.members[i]!.url}${path}`, init);
        return (await res.json()) as T;
      } catch (e) {
        if (!reads || attempt >= 3) throw e;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((i) => this.stop(i)));
    await Promise.all([...this.links.values()].map((l) => l.stop()));
    this.links.clear();
    this.proxiesUp = undefined;
  }
}

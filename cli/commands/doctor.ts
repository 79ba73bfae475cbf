import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configId, decodeConfig, type Config } from '../../protocol/config/config.js';
import { equalBytes, readU64be } from '../../protocol/bytes.js';
import { configPath, type NodeConfig } from '../config.js';
import { certificateFinding, clockFinding, diskFinding, type Finding, genesisFinding, keyFindings, membershipFindings, portFree, tcpOf, tcpReachable, tlsCertOf } from '../doctor.js';
import { loadHome } from '../home.js';
import { CliError, EXIT, printJson } from '../io.js';
import { authHeaders, runningNodeUrl } from '../running.js';

/** What the store says, read from a snapshot copy (the store itself is never opened, so never changed). */
async function storeFindings(cfg: NodeConfig, genesis: Uint8Array | undefined): Promise<{ findings: Finding[]; latest?: Config }> {
  const dir = configPath(cfg, cfg.dataDir);
  if (!existsSync(join(dir, 'CURRENT'))) return { findings: [{ check: 'store', status: 'skip', message: `no store at ${dir} yet: the node creates it at its first start` }] };
  const { snapshotStore } = await import('../../ledger/snapshot.js');
  const { Store } = await import('../../ledger/store.js');
  const { schemaVersion, SCHEMA_VERSION } = await import('../../ledger/schema.js');
  const { utf8, toHex } = await import('../../protocol/bytes.js');
  const fix = `run tongban audit --home ${cfg.home}; to start over, move ${dir} aside and start the node: it fetches every log from its peers`;
  let snap;
  try {
    snap = snapshotStore(dir);
  } catch (e) {
    return { findings: [{ check: 'store', status: 'fail', message: (e as Error).message, fix }] };
  }
  try {
    const store = await Store.open(snap.path, { readOnly: true });
    try {
      const net = await store.get('meta', utf8('net'));
      if (!net) return { findings: [{ check: 'store', status: 'fail', message: `${dir} has no network id: not a Tongban store, or damaged`, fix }] };
      if (genesis && !equalBytes(net, configId(genesis))) {
        return {
          findings: [
            {
              check: 'store',
              status: 'fail',
              message: `the store ${dir} belongs to network ${toHex(net)}, not to this genesis's ${toHex(configId(genesis))}`,
              fix: `move ${dir} aside (it is another consortium's) or install that consortium's genesis`,
            },
          ],
        };
      }
      const version = await schemaVersion(store);
      let latest: Config | undefined;
      const { decodeValue } = await import('../../ledger/codec.js');
      for await (const [k, v] of store.entries('cfg', { reverse: true, limit: 1 })) {
        latest = decodeConfig(decodeValue(v, `config of epoch ${readU64be(k)}`).config as Uint8Array);
      }
      if (version > SCHEMA_VERSION) {
        return {
          findings: [
            {
              check: 'store',
              status: 'fail',
              message: `the store ${dir} has schema version ${version}; this tongban knows up to ${SCHEMA_VERSION}`,
              fix: 'run the newer tongban release that wrote it (or restore a backup taken before the upgrade)',
            },
          ],
          latest,
        };
      }
      const migrate = version < SCHEMA_VERSION ? `; schema ${version}, migrated to ${SCHEMA_VERSION} at the next start` : `; schema ${version}`;
      return { findings: [{ check: 'store', status: 'ok', message: `store ${dir}: network matches the genesis, epoch ${latest?.epoch ?? 0}${migrate}` }], latest };
    } finally {
      await store.close();
    }
  } catch (e) {
    return { findings: [{ check: 'store', status: 'fail', message: `the store ${dir} cannot be read: ${(e as Error).message}`, fix }] };
  } finally {
    snap.remove();
  }
}

interface Status {
  peers: string[];
  clockSkew?: { maxSeconds: number | null };
}

/** Peers and ports, from the running node when it answers, else by dialling members and binding the ports. */
async function networkFindings(cfg: NodeConfig, config: Config | undefined): Promise<Finding[]> {
  const out: Finding[] = [];
  const url = await runningNodeUrl(cfg);
  const others = (config?.members ?? []).filter((m) => m.id !== cfg.member);
  if (url) {
    let st: Status;
    try {
      const res = await fetch(`${url}/v1/status`, { headers: authHeaders(cfg), signal: AbortSignal.timeout(10_000) });
      if (res.status === 401 || res.status === 403)
        return [
          {
            check: 'peers',
            status: 'fail',
            message: `the node refused /v1/status (${res.status}): its API needs a read token`,
            fix: 'set TONGBAN_TOKEN, or save one in the home: tongban token create --name doctor --scope read --save',
          },
        ];
      st = (await res.json()) as Status;
    } catch (e) {
      return [{ check: 'ports', status: 'fail', message: `the node answers /healthz at ${url} but not /v1/status: ${(e as Error).message}`, fix: 'look at the node log (journalctl -u tongban)' }];
    }
    out.push(clockFinding(st.clockSkew?.maxSeconds));
    const missing = others.filter((m) => !st.peers.includes(m.id)).map((m) => m.id);
    if (others.length === 0) out.push({ check: 'peers', status: 'ok', message: 'the only member' });
    else if (missing.length === others.length)
      out.push({
        check: 'peers',
        status: 'fail',
        message: `connected to none of the ${others.length} other members`,
        fix: "check the network and firewall, the members' addresses (status prints this node's), and field peers in node.yaml",
      });
    else if (missing.length)
      out.push({
        check: 'peers',
        status: 'warn',
        message: `not connected to ${missing.join(', ')} (${others.length - missing.length} of ${others.length} connected)`,
        fix: `ask ${missing.join(', ')} whether their nodes run; check the firewall between you`,
      });
    else out.push({ check: 'peers', status: 'ok', message: `connected to all ${others.length} other members` });
    out.push({ check: 'ports', status: 'ok', message: `the node runs: its HTTP API answers at ${url}, its listen ports are held by it` });
    return out;
  }
  out.push({ check: 'clock', status: 'skip', message: 'the node is not running: start it and run doctor again to check clock skew against members' });
  const dials = await Promise.all(
    others.map(async (m) => {
      const addrs = (cfg.peers?.[m.id] ?? m.addrs).map(tcpOf).filter((x): x is { host: string; port: number } => !!x && x.port !== 0);
      for (const a of addrs) if (await tcpReachable(a.host, a.port)) return { id: m.id, ok: true, addrs: addrs.length };
      return { id: m.id, ok: false, addrs: addrs.length };
    }),
  );
  const dialable = dials.filter((d) => d.addrs > 0);
  const down = dialable.filter((d) => !d.ok).map((d) => d.id);
  if (dialable.length === 0) out.push({ check: 'peers', status: 'skip', message: 'no member has a TCP address in the config or field peers: members dial this node' });
  else if (down.length === dialable.length)
    out.push({
      check: 'peers',
      status: 'fail',
      message: `none of ${dialable.map((d) => d.id).join(', ')} accepts a TCP connection`,
      fix: 'check the network and firewall, and the addresses in field peers of node.yaml',
    });
  else if (down.length)
    out.push({
      check: 'peers',
      status: 'warn',
      message: `${down.join(', ')} do not accept a TCP connection (${dialable.length - down.length} of ${dialable.length} do)`,
      fix: `ask ${down.join(', ')} whether their nodes run; check the firewall`,
    });
  else out.push({ check: 'peers', status: 'ok', message: `${dialable.length} members accept a TCP connection` });
  const ports = [...cfg.listen.map(tcpOf).filter((x): x is { host: string; port: number } => !!x), { host: cfg.http.host, port: cfg.http.port }];
  for (const p of ports) {
    if (p.port === 0) continue;
    const r = await portFree(p.host, p.port);
    if (r.free) out.push({ check: 'ports', status: 'ok', message: `${p.host}:${p.port} is free to listen on` });
    else
      out.push({
        check: 'ports',
        status: 'fail',
        message: `${p.host}:${p.port} cannot be bound (${r.error}): another process holds it`,
        fix: `find it with: ss -ltnp 'sport = :${p.port}' (stop it, or change the port in node.yaml)`,
      });
  }
  return out;
}

/** `tongban doctor`: check a home and its node; every finding with its fix; exit 2 on any problem. */
export async function doctorCommand(opts: { home: string; json?: boolean }): Promise<number> {
  const findings: Finding[] = [];
  let cfg: NodeConfig | undefined;
  try {
    cfg = loadHome(opts.home);
    findings.push({ check: 'config', status: 'ok', message: `node.yaml parses: member ${cfg.member} of ${cfg.consortium}` });
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    findings.push({ check: 'config', status: 'fail', message: e.message, fix: 'correct node.yaml: the message names the field (README "The node config file")' });
  }
  if (cfg) {
    const keys = keyFindings(cfg);
    findings.push(...keys.findings);
    const g = genesisFinding(cfg);
    findings.push(g.finding);
    const store = await storeFindings(cfg, g.bytes);
    findings.push(...store.findings);
    const config = store.latest ?? g.config;
    if (config) findings.push(...membershipFindings(cfg, config, store.latest ? `the store's config` : 'the genesis', keys.ledger, keys.peer));
    findings.push(...(await networkFindings(cfg, config)));
    findings.push(diskFinding(configPath(cfg, cfg.dataDir)));
    const cert = tlsCertOf(cfg);
    findings.push(cert ? certificateFinding(cert) : { check: 'tls', status: 'skip', message: 'no TLS certificate configured for the HTTP API' });
  }
  const problems = findings.filter((f) => f.status === 'fail').length;
  const warnings = findings.filter((f) => f.status === 'warn').length;
  if (opts.json) printJson({ ok: problems === 0, problems, warnings, findings });
  else {
    const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;
    for (const f of findings) {
      process.stdout.write(`${mark[f.status]}  ${f.check.padEnd(10)} ${f.message}\n`);
      if (f.fix) process.stdout.write(`      ${''.padEnd(10)} fix: ${f.fix}\n`);
    }
    process.stdout.write(problems ? `${problems} problem(s), ${warnings} warning(s)\n` : `no problems${warnings ? `, ${warnings} warning(s)` : ''}\n`);
  }
  return problems ? EXIT.USAGE : EXIT.OK;
}

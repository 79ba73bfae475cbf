import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import { decodeConfig, type Config } from '../protocol/config/config.js';
import { peerIdOf } from '../protocol/keys.js';
import { configPath, type NodeConfig } from './config.js';
import { readKeyFile, type LoadedKey } from './keyfile.js';

/** One finding of `tongban doctor`: what was checked, what was found, and how to fix it. */
export interface Finding {
  check: 'config' | 'keys' | 'genesis' | 'membership' | 'store' | 'clock' | 'peers' | 'disk' | 'tls' | 'ports';
  status: 'ok' | 'warn' | 'fail' | 'skip';
  message: string;
  fix?: string;
}

/** Thresholds of the checks (the alert rules in deploy/prometheus use the same). */
export const doctorLimits = {
  /** Clock skew warned at (the node warns from 60 s) and failed at (peers reject records 300 s ahead). */
  skewWarnSeconds: 60,
  skewFailSeconds: 300,
  /** Disk: fail below this many bytes free, warn below this fraction free. */
  diskFailBytes: 1024 ** 3,
  diskWarnFraction: 0.1,
  /** TLS certificate: warn this many days before it expires. */
  certWarnDays: 30,
  /** A member's address must accept a TCP connection within this long. */
  dialTimeoutMs: 3000,
};

const ok = (check: Finding['check'], message: string): Finding => ({ check, status: 'ok', message });

/** Key files exist, parse, and are readable by their owner only. */
export function keyFindings(cfg: NodeConfig): { findings: Finding[]; ledger?: LoadedKey; peer?: LoadedKey } {
  const findings: Finding[] = [];
  const out: { ledger?: LoadedKey; peer?: LoadedKey } = {};
  const files: [string, 'ledger' | 'peer' | 'actor', string][] = [
    ['ledgerKey', 'ledger', cfg.ledgerKey],
    ['peerKey', 'peer', cfg.peerKey],
    ...(cfg.adminKey ? ([['adminKey', 'actor', cfg.adminKey]] as [string, 'actor', string][]) : []),
  ];
  for (const [field, kind, rel] of files) {
    const path = configPath(cfg, rel);
    if (!existsSync(path)) {
      findings.push({ check: 'keys', status: 'fail', message: `${field}: ${path} does not exist`, fix: `restore the key file from its backup, or correct field ${field} in node.yaml` });
      continue;
    }
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) findings.push({ check: 'keys', status: 'fail', message: `${field}: ${path} has mode ${mode.toString(8).padStart(4, '0')}: others can read the key`, fix: `chmod 600 ${path}` });
    try {
      const k = readKeyFile(path, kind, false);
      if (kind === 'ledger') out.ledger = k;
      if (kind === 'peer') out.peer = k;
      if (!(mode & 0o077)) findings.push(ok('keys', `${field}: ${path} is ${kind === 'actor' ? 'an' : 'a'} ${kind} key, mode 0600`));
    } catch (e) {
      findings.push({ check: 'keys', status: 'fail', message: `${field}: ${(e as Error).message}`, fix: `restore the key file ${path} from its backup` });
    }
  }
  if (cfg.pskFile) {
    const path = configPath(cfg, cfg.pskFile);
    if (!existsSync(path)) findings.push({ check: 'keys', status: 'fail', message: `pskFile: ${path} does not exist`, fix: "copy the consortium's pre-shared key there, or remove field pskFile" });
    else if (statSync(path).mode & 0o077) findings.push({ check: 'keys', status: 'fail', message: `pskFile: ${path} is readable by others`, fix: `chmod 600 ${path}` });
    else findings.push(ok('keys', `pskFile: ${path}, mode 0600`));
  }
  return { findings, ...out };
}

/** This member is in the config, with the ledger key and peer id of the key files. */
export function membershipFindings(cfg: NodeConfig, config: Config, where: string, ledger?: LoadedKey, peer?: LoadedKey): Finding[] {
  const m = config.members.find((x) => x.id === cfg.member);
  if (!m) {
    return [
      {
        check: 'membership',
        status: 'fail',
        message: `member ${cfg.member} is not in ${where} (epoch ${config.epoch}; members: ${config.members.map((x) => x.id).join(', ')})`,
        fix: 'check field member in node.yaml; a new member joins through governance (README "A member joins")',
      },
    ];
  }
  const out: Finding[] = [];
  const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (ledger) {
    if (eq(ledger.pub, m.key)) out.push(ok('membership', `ledger key is ${cfg.member}'s member key in ${where} (epoch ${config.epoch})`));
    else
      out.push({
        check: 'membership',
        status: 'fail',
        message: `the ledger key file's public key is not ${cfg.member}'s key in ${where} (epoch ${config.epoch})`,
        fix: `use this member's own ledger key file (field ledgerKey); a new key needs a key rotation through governance`,
      });
  }
  if (peer) {
    const id = peerIdOf(peer.pub);
    if (id === m.peer) out.push(ok('membership', `peer key is ${cfg.member}'s peer id ${id}`));
    else
      out.push({
        check: 'membership',
        status: 'fail',
        message: `the peer key file gives peer id ${id}, but ${where} names ${m.peer} for ${cfg.member}`,
        fix: "use this member's own peer key file (field peerKey); peers refuse any other peer id",
      });
  }
  return out;
}

/** The genesis file: present, an epoch-0 config of this consortium. */
export function genesisFinding(cfg: NodeConfig): { finding: Finding; config?: Config; bytes?: Uint8Array } {
  const path = configPath(cfg, cfg.genesis);
  if (!existsSync(path))
    return { finding: { check: 'genesis', status: 'fail', message: `${path} does not exist`, fix: `copy the consortium's genesis.cbor to ${path} (or start once with --genesis FILE)` } };
  const bytes = new Uint8Array(readFileSync(path));
  let g: Config;
  try {
    g = decodeConfig(bytes);
  } catch (e) {
    return {
      finding: {
        check: 'genesis',
        status: 'fail',
        message: `${path} is not a consortium config: ${(e as Error).message}`,
        fix: "copy the consortium's genesis.cbor again; its sha256sum is the network id",
      },
    };
  }
  if (g.epoch !== 0)
    return { finding: { check: 'genesis', status: 'fail', message: `${path} is the config of epoch ${g.epoch}, not the genesis`, fix: "copy the consortium's genesis.cbor (epoch 0)" } };
  if (g.consortium !== cfg.consortium) {
    return {
      finding: {
        check: 'genesis',
        status: 'fail',
        message: `${path} is the genesis of ${g.consortium}, but node.yaml says consortium ${cfg.consortium}`,
        fix: 'copy the right genesis.cbor, or correct field consortium',
      },
    };
  }
  return { finding: ok('genesis', `${path}: genesis of ${g.consortium}, ${g.members.length} founders`), config: g, bytes };
}

/** Clock skew as the running node measured it against members. */
export function clockFinding(maxSeconds: number | null | undefined): Finding {
  if (maxSeconds === null || maxSeconds === undefined) return { check: 'clock', status: 'skip', message: 'no clock measured yet (no member peer answered the time exchange)' };
  const abs = Math.abs(maxSeconds);
  const fix = 'check NTP on this machine and the peers (timedatectl; chronyc tracking)';
  if (abs > doctorLimits.skewFailSeconds)
    return { check: 'clock', status: 'fail', message: `clock differs from a member's by ${maxSeconds} s: peers reject records more than ${doctorLimits.skewFailSeconds} s ahead`, fix };
  if (abs > doctorLimits.skewWarnSeconds) return { check: 'clock', status: 'warn', message: `clock differs from a member's by ${maxSeconds} s`, fix };
  return ok('clock', `largest clock skew against members: ${maxSeconds} s`);
}

/** Free space of the file system that holds (or will hold) the store. */
export function diskFinding(dir: string): Finding {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const s = statfsSync(at);
  const free = s.bavail * s.bsize;
  const size = s.blocks * s.bsize;
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  const fix = `free space on the file system of ${dir}, or move the store (field dataDir) to a larger one`;
  if (free < doctorLimits.diskFailBytes) return { check: 'disk', status: 'fail', message: `${gib(free)} free for the store at ${dir}`, fix };
  if (free < size * doctorLimits.diskWarnFraction)
    return { check: 'disk', status: 'warn', message: `${gib(free)} free of ${gib(size)} (${((100 * free) / size).toFixed(0)}%) for the store at ${dir}`, fix };
  return ok('disk', `${gib(free)} free of ${gib(size)} for the store at ${dir}`);
}

/** A PEM certificate's expiry against `now`. */
export function certificateFinding(path: string, now: number = Date.now()): Finding {
  if (!existsSync(path)) return { check: 'tls', status: 'fail', message: `certificate ${path} does not exist`, fix: 'install the certificate file named in node.yaml' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(path));
  } catch (e) {
    return { check: 'tls', status: 'fail', message: `${path} is not a PEM certificate: ${(e as Error).message}`, fix: 'install a PEM certificate' };
  }
  const end = Date.parse(cert.validTo);
  const days = Math.floor((end - now) / 86_400_000);
  const fix = `renew the certificate, replace ${path} and its key, then reload the node (systemctl reload tongban: SIGHUP)`;
  if (end <= now) return { check: 'tls', status: 'fail', message: `certificate ${path} expired on ${new Date(end).toISOString()}`, fix };
  if (days < doctorLimits.certWarnDays) return { check: 'tls', status: 'warn', message: `certificate ${path} expires in ${days} days (${new Date(end).toISOString()})`, fix };
  return ok('tls', `certificate ${path} valid until ${new Date(end).toISOString()} (${days} days)`);
}

/** The TLS certificate file of node.yaml (field http.tls.cert), when the API has TLS. */
export function tlsCertOf(cfg: NodeConfig): string | undefined {
  const cert = cfg.http.tls?.cert;
  return cert === undefined ? undefined : configPath(cfg, cert);
}

/** host and TCP port of a multiaddr (/ip4|ip6|dns…/HOST/tcp/PORT/…), or undefined. */
export function tcpOf(addr: string): { host: string; port: number } | undefined {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)/.exec(addr);
  return m ? { host: m[2]!, port: Number(m[3]) } : undefined;
}

/** Can something listen on host:port now? (false: another process holds it). Port 0 is always free. */
export function portFree(host: string, port: number): Promise<{ free: boolean; error?: string }> {
  if (port === 0) return Promise.resolve({ free: true });
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve({ free: false, error: e.code ?? e.message }));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve({ free: true })));
  });
}

/** Does host:port accept a TCP connection within the dial timeout? */
export function tcpReachable(host: string, port: number, timeoutMs = doctorLimits.dialTimeoutMs): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host, () => done(true));
  });
}

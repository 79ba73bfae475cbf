import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { equalBytes, toHex } from '../../protocol/bytes.js';
import { buildConfig, configId, createJoinRequest, decodeConfig, encodeConfig, formatJoinRequest, parseJoinRequest } from '../../protocol/config/index.js';
import type { ProtocolError } from '../../protocol/errors.js';
import { formatVkey, peerIdOf } from '../../protocol/keys.js';
import { checkConsortiumName, checkMemberId, checkRegionCode, originOf } from '../../protocol/names.js';
import { randomBytes, sha256 } from '../../protocol/crypto.js';
import { writeKeyFile } from '../keyfile.js';
import { loadHome, nodeYaml, readKey } from '../home.js';
import { configPath } from '../config.js';
import { printJson, usage } from '../io.js';

function parseApi(api: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(api);
  if (!m || Number(m[2]) > 65535) throw usage(`--api must be HOST:PORT, got ${api}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** `tongban init`: a new home with keys (0600), node.yaml and the join request. */
export function init(opts: { home: string; consortium: string; id: string; name: string; region: string; listen?: string[]; api?: string; bootstrap?: string[]; json?: boolean }): void {
  try {
    checkConsortiumName(opts.consortium, '--consortium');
    checkMemberId(opts.id, '--id');
    checkRegionCode(opts.region, '--region');
  } catch (e) {
    throw usage((e as ProtocolError).message);
  }
  const home = resolve(opts.home);
  if (existsSync(nodeYaml(home))) throw usage(`${home} is already a tongban home; refusing to overwrite it`);
  const listen = opts.listen?.length ? opts.listen : ['/ip4/127.0.0.1/tcp/4101'];
  for (const l of listen) if (!/^\/ip[46]\/[^/]+\/tcp\/\d+$/.test(l)) throw usage(`--listen must be a TCP multiaddr like /ip4/127.0.0.1/tcp/4101, got ${l}`);
  const bootstrap = opts.bootstrap ?? [];
  for (const b of bootstrap)
    if (!/^\/ip[46]\/[^/]+\/tcp\/\d+\/p2p\/\w+$/.test(b))
      throw usage(`--bootstrap must be a dialable multiaddr with the peer id, like /ip4/127.0.0.1/tcp/4201/p2p/12D3KooW… (tongban status prints it), got ${b}`);
  const http = opts.api ? parseApi(opts.api) : { host: '127.0.0.1', port: 8101 };
  // Everything is checked before anything is written, so a failed init leaves no half-made home.
  const [ledgerSeed, peerSeed, adminSeed] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const advertised = listen.filter((l) => !/\/ip4\/0\.0\.0\.0\/|\/ip6\/::\//.test(l));
  let req;
  try {
    req = createJoinRequest({ consortium: opts.consortium, id: opts.id, name: opts.name, region: opts.region, addrs: advertised, roles: ['author', 'witness'] }, ledgerSeed, peerSeed);
  } catch (e) {
    throw usage((e as Error).message);
  }
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
  writeKeyFile(join(home, 'keys', 'ledger.key'), 'ledger', undefined, ledgerSeed);
  writeKeyFile(join(home, 'keys', 'peer.key'), 'peer', undefined, peerSeed);
  writeKeyFile(join(home, 'keys', 'admin.key'), 'actor', 'admin', adminSeed);
  writeFileSync(join(home, 'join-request.json'), formatJoinRequest(req));
  const config = {
    member: opts.id,
    consortium: opts.consortium,
    dataDir: 'data',
    ledgerKey: 'keys/ledger.key',
    peerKey: 'keys/peer.key',
    adminKey: 'keys/admin.key',
    genesis: 'genesis.cbor',
    listen,
    bootstrap,
    http,
    checkpointIntervalMs: 100,
    witness: true,
    logLevel: 'info',
  };
  writeFileSync(nodeYaml(home), `# Tongban node config (see README: "The node config file")\n${stringify(config)}`);
  const out = { home, vkey: req.vkey, peerId: req.peer, joinRequest: join(home, 'join-request.json') };
  if (opts.json) printJson(out);
  else process.stdout.write(`created ${home}\n  vkey     ${out.vkey}\n  peer id  ${out.peerId}\n  join request: ${out.joinRequest}\n`);
}

/** `tongban consortium create`: the epoch-0 config of the founders' join requests. */
export function consortiumCreate(files: string[], opts: { out: string; witnessQuorum?: string; governanceQuorum?: string; json?: boolean }): void {
  if (files.length === 0) throw usage("give the founders' join request files");
  const parsed = files.map((f) => {
    if (!existsSync(f)) throw usage(`join request ${f} does not exist`);
    try {
      return parseJoinRequest(readFileSync(f, 'utf8'));
    } catch (e) {
      throw usage(`${f}: ${(e as Error).message}`);
    }
  });
  const consortium = parsed[0]!.consortium;
  if (parsed.some((p) => p.consortium !== consortium)) throw usage('join requests name different consortiums');
  const num = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw usage(`${flag} must be a positive integer`);
    return Number(v);
  };
  if (existsSync(opts.out)) throw usage(`${opts.out} exists already; refusing to overwrite a genesis`);
  let bytes: Uint8Array;
  try {
    bytes = encodeConfig(
      buildConfig({
        consortium,
        epoch: 0,
        members: parsed.map((p) => p.member),
        quorum: { witness: num(opts.witnessQuorum, '--witness-quorum'), governance: num(opts.governanceQuorum, '--governance-quorum') },
      }),
    );
  } catch (e) {
    throw usage((e as Error).message);
  }
  writeFileSync(opts.out, bytes);
  const net = toHex(configId(bytes));
  if (opts.json) printJson({ network: net, out: opts.out, members: parsed.map((p) => p.member.id) });
  else process.stdout.write(`wrote ${opts.out}\nnetwork id ${net}\n`);
}

/** `tongban keys show`: public parts only. */
export function keysShow(opts: { home: string; json?: boolean }): void {
  const cfg = loadHome(opts.home);
  const ledger = readKey(configPath(cfg, cfg.ledgerKey), 'ledger');
  const peer = readKey(configPath(cfg, cfg.peerKey), 'peer');
  const admin = cfg.adminKey ? readKey(configPath(cfg, cfg.adminKey), 'actor') : undefined;
  const out = {
    member: cfg.member,
    vkey: formatVkey(originOf(cfg.consortium, cfg.member), ledger.pub),
    witnessVkey: formatVkey(originOf(cfg.consortium, cfg.member), ledger.pub, 0x04),
    peerId: peerIdOf(peer.pub),
    admin: admin ? { id: admin.id, key: toHex(admin.pub) } : null,
    // What a joiner puts in its bootstrap: the configured addresses others can dial (no wildcard, no port 0).
    bootstrap: (cfg.announce ?? cfg.listen).filter((a) => !/^\/ip4\/0\.0\.0\.0\/|^\/ip6\/::\/|\/tcp\/0(\/|$)/.test(a)).map((a) => `${a}/p2p/${peerIdOf(peer.pub)}`),
  };
  if (opts.json) printJson(out);
  else
    process.stdout.write(
      `member   ${out.member}\nvkey     ${out.vkey}\ncosigner ${out.witnessVkey}\npeer id  ${out.peerId}\n${out.admin ? `admin    ${out.admin.id} ${out.admin.key}\n` : ''}${out.bootstrap.map((b) => `bootstrap ${b}\n`).join('')}`,
    );
}

/** Copy a genesis into a home (refusing a different one). */
export function installGenesis(home: string, file: string): void {
  const cfg = loadHome(home);
  const dest = join(cfg.home, cfg.genesis);
  if (!existsSync(file)) throw usage(`genesis ${file} does not exist`);
  try {
    if (decodeConfig(new Uint8Array(readFileSync(file))).epoch !== 0) throw new Error('it is not the config of epoch 0');
  } catch (e) {
    throw usage(`--genesis ${file} is not a consortium genesis: ${(e as Error).message}`);
  }
  if (existsSync(dest)) {
    const a = sha256(new Uint8Array(readFileSync(dest)));
    const b = sha256(new Uint8Array(readFileSync(file)));
    if (!equalBytes(a, b)) throw usage(`${dest} holds another genesis (network ${toHex(a)}); refusing to replace it`);
    return;
  }
  copyFileSync(file, dest);
}

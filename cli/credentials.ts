import { existsSync, readFileSync } from 'node:fs';
import { usage } from './io.js';
import { clientTokenFile } from './node-url.js';

// Light on purpose: client commands load this for every call; node.yaml's reader and node:tls only when a CA is needed.

/** How a client command reaches a secured node (README "Securing the API"). */
export interface Credentials {
  home?: string;
  /** --token */
  token?: string;
  /** --ca */
  ca?: string;
}

/** The API token to send: --token, else TONGBAN_TOKEN, else the home's client.token (`token create --save`); none is fine for an open node. */
export function clientToken(o: Credentials, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (o.token) return o.token.trim();
  if (env.TONGBAN_TOKEN) return env.TONGBAN_TOKEN.trim();
  if (!o.home) return undefined;
  const file = clientTokenFile(o.home);
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (e) {
    throw usage(`cannot read the API token file ${file}: ${(e as Error).message}`);
  }
}

/** The CA file to trust besides the system's: --ca, else TONGBAN_CA, else (with --home) node.yaml http.tls.ca, else its http.tls.cert. */
export async function caFile(o: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (o.ca) return o.ca;
  if (env.TONGBAN_CA) return env.TONGBAN_CA;
  if (!o.home) return undefined;
  const [{ loadHome }, { configPath }] = await Promise.all([import('./home.js'), import('./config.js')]);
  const cfg = loadHome(o.home);
  const tls = cfg.http.tls;
  return tls ? configPath(cfg, tls.ca ?? tls.cert) : undefined;
}

let trusted: string | undefined;

/** Trust `caFile(o)` for this process's HTTPS requests (fetch included), besides the system's CAs. */
export async function trustCa(o: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = await caFile(o, env);
  if (!file || file === trusted) return;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw usage(`--ca: cannot read CA file ${file}: ${(e as Error).message}`);
  }
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!certs) throw usage(`--ca: ${file} holds no PEM certificate`);
  const { getCACertificates, setDefaultCACertificates } = await import('node:tls');
  try {
    setDefaultCACertificates([...getCACertificates('default'), ...certs]);
  } catch (e) {
    throw usage(`--ca: ${file}: ${(e as Error).message}`);
  }
  trusted = file;
}

/** Node's TLS errors for a certificate this process does not trust or that names another address: waiting does not help. */
const CERT_ERRORS = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
]);

/**
 * When `e` (or an error it was caused by) is a certificate problem: its message with where the CLI takes its CA
 * from, in place of Node's own hint (--use-system-ca), which is not the fix here.
 */
export function certTrouble(e: unknown): string | undefined {
  for (let x = e as (Error & { code?: string }) | undefined, i = 0; x instanceof Error && i < 4; x = x.cause as typeof x, i++) {
    if (x.code !== undefined && CERT_ERRORS.has(x.code))
      return `${x.message.split('; if the root CA')[0]} (the CLI trusts --ca FILE, else env TONGBAN_CA, else with --home the home's http.tls.ca or http.tls.cert)`;
  }
  return undefined;
}

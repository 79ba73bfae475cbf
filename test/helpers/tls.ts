import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A self-signed P-256 certificate for 127.0.0.1, valid `days` days, made with openssl in `dir`: [cert file, key file]. */
export function selfSigned(dir: string, name: string, days: number): [string, string] {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert];
  execFileSync('openssl', [...args, '-days', String(days), '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return [cert, key];
}

/** An HTTPS server on `host`, port 0, answering `{"ok":true}` to everything, with the given certificate: [server, port]. */
export async function okHttpsServer(cert: string, key: string, host: string): Promise<[Server, number]> {
  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (_req, res) => res.end('{"ok":true}'));
  await new Promise<void>((done) => server.listen(0, host, () => done()));
  return [server, (server.address() as AddressInfo).port];
}

import { chmodSync, writeFileSync } from 'node:fs';
import { createToken, parseScopes, readTokens, revokeToken, TokenError } from '../../node/api/tokens.js';
import { clientTokenFile, loadHome, tokensFile } from '../home.js';
import { printJson, usage } from '../io.js';

// API tokens of a node (README "Securing the API"): the node stores only their SHA-256 and re-reads the file on change.

const tokenErrors = <T>(f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (e instanceof TokenError) throw usage(e.message);
    throw e;
  }
};

/** `tongban token create`: prints the token once; --save also writes it to HOME/client.token for this home's CLI. */
export function tokenCreate(o: { home: string; name: string; scope: string; save?: boolean; json?: boolean }): void {
  const cfg = loadHome(o.home);
  const { token, entry } = tokenErrors(() => createToken(tokensFile(cfg.home), o.name, parseScopes(o.scope)));
  if (o.save) {
    const file = clientTokenFile(cfg.home);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  if (o.json) return printJson({ name: entry.name, scopes: entry.scopes, created: entry.created, token, ...(o.save ? { saved: clientTokenFile(cfg.home) } : {}) });
  process.stdout.write(`${token}\n`);
  process.stderr.write(`token ${entry.name} (${entry.scopes.join(',')}) created: it is shown only this once${o.save ? `; saved to ${clientTokenFile(cfg.home)} for this home's CLI` : ''}\n`);
}

export function tokenList(o: { home: string; json?: boolean }): void {
  const cfg = loadHome(o.home);
  const tokens = tokenErrors(() => readTokens(tokensFile(cfg.home)));
  const rows = (tokens ?? []).map((t) => ({ name: t.name, scopes: t.scopes, created: t.created }));
  if (o.json) return printJson({ enforced: tokens !== undefined || cfg.http.auth === 'tokens', tokens: rows });
  if (rows.length === 0) process.stdout.write(tokens === undefined ? 'no API tokens (none created yet)\n' : 'no API tokens (all revoked: every request but /healthz is refused)\n');
  for (const r of rows) process.stdout.write(`${r.name}\t${r.scopes.join(',')}\t${r.created}\n`);
}

export function tokenRevoke(name: string, o: { home: string }): void {
  const cfg = loadHome(o.home);
  tokenErrors(() => revokeToken(tokensFile(cfg.home), name));
  process.stderr.write(`token ${name} revoked: the node refuses it from its next request\n`);
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeConfig } from '../../../cli/config.js';
import { caFile, clientToken } from '../../../cli/credentials.js';
import { tempDir } from '../../helpers/consortium.js';

const base = 'member: bj-haidian\nconsortium: test.gov.example\n';
const dir = tempDir('tongban-cred-');
afterAll(() => dir.cleanup());

describe('node.yaml http security fields', () => {
  it('reads tls, auth, allowOpen and corsOrigins; defaults: auth auto, not open, no TLS, no origins', () => {
    const d = parseNodeConfig(base, '/h', {}).http;
    expect(d).toMatchObject({ auth: 'auto', allowOpen: false });
    expect(d.tls).toBeUndefined();
    expect(d.corsOrigins).toBeUndefined();
    const c = parseNodeConfig(`${base}http:\n  tls: {cert: tls/api.crt, key: tls/api.key, ca: tls/ca.crt}\n  auth: tokens\n  corsOrigins: [https://console.example.gov.cn]\n`, '/h', {}).http;
    expect(c).toMatchObject({ tls: { cert: 'tls/api.crt', key: 'tls/api.key', ca: 'tls/ca.crt' }, auth: 'tokens', corsOrigins: ['https://console.example.gov.cn'] });
  });

  it('names the field of a bad value', () => {
    expect(() => parseNodeConfig(`${base}http:\n  auth: none\n`, '/h', {})).toThrow(/node config field http\.auth/);
    expect(() => parseNodeConfig(`${base}http:\n  tls: {cert: a.crt}\n`, '/h', {})).toThrow(/node config field http\.tls\.key/);
    expect(() => parseNodeConfig(`${base}http:\n  corsOrigins: ['*']\n`, '/h', {})).toThrow(/node config field http\.corsOrigins\.0/);
    expect(() => parseNodeConfig(`${base}http:\n  corsOrigins: [https://a.example/path]\n`, '/h', {})).toThrow(/node config field http\.corsOrigins\.0/);
  });
});

describe('client credentials', () => {
  const home = dir.path;
  writeFileSync(join(home, 'node.yaml'), `${base}http:\n  tls: {cert: api.crt, key: api.key}\n`);

  it('token: --token, else TONGBAN_TOKEN, else HOME/client.token, else none', () => {
    expect(clientToken({ home }, {})).toBeUndefined();
    writeFileSync(join(home, 'client.token'), 'tbt_file\n');
    expect(clientToken({ home }, {})).toBe('tbt_file');
    expect(clientToken({ home }, { TONGBAN_TOKEN: 'tbt_env' })).toBe('tbt_env');
    expect(clientToken({ home, token: 'tbt_flag' }, { TONGBAN_TOKEN: 'tbt_env' })).toBe('tbt_flag');
  });

  it('CA: --ca, else TONGBAN_CA, else node.yaml http.tls.ca, else its http.tls.cert', async () => {
    expect(await caFile({ home }, {})).toBe(join(home, 'api.crt'));
    expect(await caFile({ home }, { TONGBAN_CA: '/env/ca.pem' })).toBe('/env/ca.pem');
    expect(await caFile({ home, ca: '/flag/ca.pem' }, { TONGBAN_CA: '/env/ca.pem' })).toBe('/flag/ca.pem');
    expect(await caFile({}, {})).toBeUndefined();
    writeFileSync(join(home, 'node.yaml'), `${base}http:\n  tls: {cert: api.crt, key: api.key, ca: private-ca.crt}\n`);
    expect(await caFile({ home }, {})).toBe(join(home, 'private-ca.crt'));
  });
});

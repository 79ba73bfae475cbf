import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, NodeConfigSchema, parseNodeConfig } from '../../../cli/config.js';
import { cborMap, cborValue, mutateText, mutation, onlyTyped } from '../../helpers/arbitraries.js';

/**
 * node.yaml is written by an operator, often by hand, and read at start: random, mutated and near-valid files and
 * environment overrides either give a config that satisfies the schema or fail with a ConfigError naming the problem
 * (never a TypeError from deep inside the YAML or schema library, never a hang on aliases).
 */
const typed = (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_INVALID' && e.message.length > 0;

const VALID = `member: bj-haidian
consortium: test.gov.example
dataDir: data
ledgerKey: keys/ledger.key
peerKey: keys/peer.key
genesis: genesis.cbor
listen: [/ip4/127.0.0.1/tcp/4101]
bootstrap: []
peers:
  sh-pudong: [/ip4/127.0.0.1/tcp/4102]
http:
  host: 127.0.0.1
  port: 8080
checkpointIntervalMs: 100
witness: true
logLevel: info
`;

function check(text: string, env: Record<string, string> = {}): void {
  const r = onlyTyped(() => parseNodeConfig(text, '/home/x', env), typed);
  if (r.ok) {
    const { home, ...rest } = r.value;
    expect(home).toBe('/home/x');
    expect(Value.Check(NodeConfigSchema, rest)).toBe(true);
  }
}

/** Pieces of YAML that stress a parser: tags, anchors, flow collections, multi-documents, odd scalars. */
const yamlToken = fc.constantFrom(
  'member: ',
  'http:\n  port: ',
  'listen: ',
  '- ',
  '  ',
  '\n',
  ': ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!!timestamp ',
  '!!float ',
  '!!int ',
  '!!map ',
  '!!seq ',
  '!custom ',
  '---\n',
  '...\n',
  '? ',
  '|\n  ',
  '>-\n  ',
  '"\\u0000"',
  "'",
  '"',
  '#',
  '%YAML 1.2\n',
  '0x1F',
  '1e400',
  '.nan',
  '-.inf',
  '~',
  'null',
  'true',
  '2026-11-29',
  '__proto__: ',
  'constructor: ',
  'bj-haidian',
  '/ip4/0.0.0.0/tcp/1',
  '99999999999999999999',
);

describe('node.yaml: random and mutated configs fail only with ConfigError', () => {
  // The YAML library reports unknown tags through process.emitWarning; thousands of them would flood the test output.
  beforeAll(() => void vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined));
  afterAll(() => vi.restoreAllMocks());

  it('random text (2,000)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (t) => check(t)),
      { numRuns: 2000 },
    );
  });

  it('random YAML made of awkward tokens (3,000)', () => {
    fc.assert(
      fc.property(fc.array(yamlToken, { maxLength: 30 }), (tokens) => check(tokens.join(''))),
      { numRuns: 3000 },
    );
  });

  it('mutations of a valid file (3,000), which parses as it is', () => {
    check(VALID);
    expect(parseNodeConfig(VALID, '/h', {}).http.port).toBe(8080);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => check(ms.reduce((t, m) => mutateText(t, m), VALID))),
      { numRuns: 3000 },
    );
  });

  it('near-valid structures written as YAML, with random environment overrides (2,000)', () => {
    const multiaddrs = fc.array(fc.oneof(fc.constant('/ip4/127.0.0.1/tcp/0'), fc.string({ maxLength: 12 })), { maxLength: 3 });
    const cfg = cborMap({
      member: fc.oneof(fc.constant('bj-haidian'), fc.string({ maxLength: 10 })),
      consortium: fc.oneof(fc.constant('test.gov.example'), fc.string({ maxLength: 10 })),
      dataDir: fc.string({ maxLength: 10 }),
      listen: multiaddrs,
      bootstrap: multiaddrs,
      announce: multiaddrs,
      peers: fc.dictionary(fc.string({ maxLength: 8 }), multiaddrs, { maxKeys: 2 }),
      http: cborMap({ host: fc.string({ maxLength: 10 }), port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.double()) }),
      checkpointIntervalMs: fc.oneof(fc.integer(), fc.double()),
      witness: fc.oneof(fc.boolean(), cborValue()),
      logLevel: fc.constantFrom('info', 'debug', 'silent', 'loud', ''),
    });
    const env = fc.dictionary(
      fc.constantFrom('TONGBAN_HTTP_HOST', 'TONGBAN_HTTP_PORT', 'TONGBAN_LISTEN', 'TONGBAN_BOOTSTRAP', 'TONGBAN_DATA_DIR', 'TONGBAN_LOG_LEVEL'),
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('0', '65536', '-1', '1.5', 'NaN', '/ip4/1.2.3.4/tcp/1,,/x', 'debug')),
      { maxKeys: 3 },
    );
    fc.assert(
      fc.property(cfg, env, (c, e) => {
        const text = onlyTyped(
          () => stringify(c),
          () => true,
        );
        if (text.ok) check(text.value, e);
      }),
      { numRuns: 2000 },
    );
  });

  it('an environment override of http does not crash on a file whose http is not a mapping (found by the property above)', () => {
    for (const http of ['0', 'text', '[1]', 'true']) {
      for (const env of [{ TONGBAN_HTTP_HOST: 'x' }, { TONGBAN_HTTP_PORT: '1' }]) {
        expect(() => parseNodeConfig(`member: bj-haidian\nconsortium: test.gov.example\nhttp: ${http}\n`, '/h', env)).toThrow(/node config field http/);
      }
    }
    expect(parseNodeConfig('member: bj-haidian\nconsortium: test.gov.example\n', '/h', { TONGBAN_HTTP_PORT: '9' }).http).toEqual({ host: '127.0.0.1', port: 9, auth: 'auto', allowOpen: false });
  });

  it('a list field given as a mapping with a length is refused, not allocated (found by the property above)', () => {
    for (const field of ['listen', 'bootstrap']) {
      for (const v of ['{length: -1}', '{length: 1000000000}', '{a: 1}', '5', 'text']) {
        expect(() => parseNodeConfig(`member: bj-haidian\nconsortium: test.gov.example\n${field}: ${v}\n`, '/h', {})).toThrow(new RegExp(`node config field ${field}`));
      }
    }
  });

  it('an alias bomb is refused, not expanded', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'member: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    expect(() => parseNodeConfig(bomb, '/h', {})).toThrow(ConfigError);
  });
});

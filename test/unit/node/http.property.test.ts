import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../protocol/bytes.js';
import { encodeCanonical } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { signRequest } from '../../../protocol/records/request.js';
import { cborMap, cborValue, mutate, mutateText, mutation } from '../../helpers/arbitraries.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, type TestNet } from '../../helpers/network.js';

/**
 * Request bodies are the node's public input. For random, mutated and near-valid bodies (JSON, CBOR, other media
 * types) on every route that takes one, the node answers a typed 4xx {code, message}, never a 5xx, and appends nothing.
 */
let t: TestNet;
let url: string;
let size: () => number;

beforeAll(async () => {
  t = await testNet(1);
  const node = await t.start(0);
  url = await node.startApi('127.0.0.1', 0);
  const A = t.members[0]!;
  size = () => t.nodes[0]!.ledger.size(A.id);
}, 60_000);
afterAll(async () => t?.close());

const ROUTES = ['/v1/records', '/v1/governance/approvals'];

async function post(route: string, body: Uint8Array | string, type: string | undefined): Promise<void> {
  const res = await fetch(`${url}${route}`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body });
  const text = await res.text();
  expect(res.status, `${route} ${type} -> ${res.status} ${text}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${route} ${type} -> ${res.status} ${text}`).toBeLessThan(500);
  const json = JSON.parse(text) as { code?: unknown; message?: unknown };
  expect(typeof json.code).toBe('string');
  expect(typeof json.message).toBe('string');
}

/** Well-formed signed submissions by the first administrator, to mutate: a record request and a governance signing request. */
function valid() {
  const A = t.members[0]!;
  const record = submission(t.net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(new Uint8Array(32).fill(9)), roles: ['registrar'], active: true });
  const gov = signRequest({ net: t.net, author: A.id, kind: 'gov.sign', body: { config: new Uint8Array(32).fill(3) } }, 'admin', A.adminSeed);
  return [
    { request: record.request, actor: record.actor, sig: record.sig },
    { request: gov.bytes, actor: 'admin', sig: gov.actor.sig },
  ];
}

describe('HTTP request bodies: random and mutated input gets a typed 4xx and appends nothing', () => {
  it('random bodies of any media type (300)', async () => {
    const before = size();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom('application/json', 'application/cbor', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', undefined),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.string({ maxLength: 100 })),
        async (route, type, body) => post(route, body, type),
      ),
      { numRuns: 300 },
    );
    expect(size()).toBe(before);
  }, 120_000);

  it('near-valid JSON and CBOR submissions (400)', async () => {
    const before = size();
    const b64 = fc.oneof(fc.uint8Array({ maxLength: 100 }).map(toBase64), fc.constantFrom('', '!!', '====', 'AA', 'A'.repeat(87)), fc.string({ maxLength: 20 }));
    const json = cborMap({ request: b64, actor: fc.constantFrom('admin', 'li.na', '', '__proto__'), sig: b64 });
    const cbor = cborMap({ request: fc.oneof(fc.uint8Array({ maxLength: 100 }), cborValue()), actor: fc.constantFrom('admin', ''), sig: fc.uint8Array({ minLength: 63, maxLength: 65 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(
          json.map((j) => ['json', j] as const),
          cbor.map((c) => ['cbor', c] as const),
        ),
        async (route, [kind, body]) => {
          if (kind === 'json')
            await post(
              route,
              JSON.stringify(body, (_k, v) => (v instanceof Uint8Array ? toBase64(v) : v)),
              'application/json',
            );
          else await post(route, encodeCanonical(body), 'application/cbor');
        },
      ),
      { numRuns: 400 },
    );
    expect(size()).toBe(before);
  }, 120_000);

  it('mutations of well-formed signed submissions, as JSON text, CBOR bytes or inner request bytes (400)', async () => {
    const before = size();
    const subs = valid();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.constantFrom(...subs), fc.constantFrom('json-text', 'cbor-bytes', 'request', 'sig'), mutation, async (route, s, where, m) => {
        const asJson = (x: { request: Uint8Array; actor: string; sig: Uint8Array }) => JSON.stringify({ request: toBase64(x.request), actor: x.actor, sig: toBase64(x.sig) });
        if (where === 'json-text') return post(route, mutateText(asJson(s), m), 'application/json');
        if (where === 'cbor-bytes') return post(route, mutate(encodeCanonical({ request: s.request, actor: s.actor, sig: s.sig }), m), 'application/cbor');
        if (where === 'request') return post(route, asJson({ ...s, request: mutate(s.request, m) }), 'application/json');
        return post(route, asJson({ ...s, sig: mutate(s.sig, m) }), 'application/json');
      }),
      { numRuns: 400 },
    );
    expect(size()).toBe(before);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testNet, type TestNet } from '../../helpers/network.js';

type Schema = Record<string, any>;
interface Operation {
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema: Schema }> }>;
  parameters?: { schema: Schema; name: string }[];
}

let t: TestNet;
let spec: { paths: Record<string, Record<string, Operation>> };
/** What the schema compiler (Ajv, strict mode) warned while the routes were registered and compiled. */
const warned: string[] = [];

beforeAll(async () => {
  t = await testNet(1);
  await t.start(0);
  const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warned.push(args.join(' ')));
  try {
    const url = await t.nodes[0]!.startApi('127.0.0.1', 0);
    spec = (await (await fetch(`${url}/docs/json`)).json()) as typeof spec;
  } finally {
    warn.mockRestore();
  }
}, 60_000);
afterAll(async () => t?.close());

const TYPED = ['type', 'anyOf', 'oneOf', 'allOf', '$ref', 'const', 'enum'];

/**
 * Where a schema leaves structured data untyped: a value with no type at all, or an object with neither
 * properties nor a documented free-form shape. A free-form map (a record body, whose fields depend on its
 * kind) is allowed only as a described object.
 */
function untyped(s: Schema, at: string, freeFormOk = false): string[] {
  if (!s || typeof s !== 'object') return [`${at}: no schema`];
  const out: string[] = [];
  if (!TYPED.some((k) => k in s) && !freeFormOk) out.push(`${at}: untyped value`);
  const describedMap = s.type === 'object' && typeof s.description === 'string' && s.description.length > 0;
  if (s.type === 'object' && !s.enum && !s.properties && !s.patternProperties && !(typeof s.additionalProperties === 'object') && !describedMap) out.push(`${at}: object without properties`);
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...untyped(v as Schema, `${at}.${k}`));
  for (const [k, v] of Object.entries(s.patternProperties ?? {})) out.push(...untyped(v as Schema, `${at}[${k}]`, describedMap));
  if (typeof s.additionalProperties === 'object') out.push(...untyped(s.additionalProperties, `${at}[*]`, describedMap));
  if (s.items) out.push(...untyped(s.items, `${at}[]`));
  for (const k of ['anyOf', 'oneOf', 'allOf']) for (const [i, v] of (s[k] ?? []).entries()) out.push(...untyped(v, `${at}|${i}`));
  return out;
}

/** Everything wrong with one operation's schemas. */
function problems(path: string, method: string, op: Operation): string[] {
  const at = `${method.toUpperCase()} ${path}`;
  const out: string[] = [];
  const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code));
  if (ok.length === 0) out.push(`${at}: no 2xx response schema`);
  for (const [code, r] of Object.entries(op.responses ?? {})) {
    if (!r.content || Object.keys(r.content).length === 0) {
      out.push(`${at} ${code}: no content schema`);
      continue;
    }
    for (const [type, c] of Object.entries(r.content)) {
      if (type === 'application/json' && c.schema?.type === 'string') out.push(`${at} ${code}: a bare string as JSON`);
      if (type === 'application/json') out.push(...untyped(c.schema, `${at} ${code}`));
      else if (c.schema?.type !== 'string') out.push(`${at} ${code} ${type}: not described as a string or binary`);
    }
  }
  for (const [type, c] of Object.entries(op.requestBody?.content ?? {})) {
    if (type === 'application/json') {
      out.push(...untyped(c.schema, `${at} body`));
      if (c.schema?.type === 'string') out.push(`${at} body: a bare string as JSON`);
    }
  }
  return out;
}

describe('OpenAPI at /docs/json', () => {
  it('serves a spec with every route of the API', () => {
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/records', '/v1/requests/prepare', '/v1/records/{id}', '/v1/cases/{id}', '/v1/docs/{sha256}', '/v1/status', '/healthz']));
  });

  it('gives every route a response schema and types every body (no untyped object or bare string for structured data)', () => {
    const all: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) all.push(...problems(path, method, op));
    expect(all).toEqual([]);
  });

  it('documents a raw CBOR body as binary, and the schemas compile without a strict-mode warning', () => {
    expect(spec.paths['/v1/records']!.post!.requestBody!.content['application/cbor']!.schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(warned).toEqual([]);
  });

  it('the checker finds what it must', () => {
    expect(problems('/x', 'get', {})).toEqual(['GET /x: no 2xx response schema']);
    expect(problems('/x', 'get', { responses: { 200: { content: { 'application/json': { schema: {} } } } } })).toEqual(['GET /x 200: untyped value']);
    expect(problems('/x', 'get', { responses: { 200: { content: { 'application/json': { schema: { type: 'string' } } } } } })).toEqual(['GET /x 200: a bare string as JSON']);
    expect(problems('/x', 'get', { responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { r: {} } } } } } } })).toEqual(['GET /x 200.r: untyped value']);
    expect(
      problems('/x', 'post', { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } } } }),
    ).toEqual(['POST /x body: object without properties']);
  });
});

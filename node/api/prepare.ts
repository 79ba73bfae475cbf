import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { fromHex32, toBase64, toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto.js';
import { bodyFromJson } from '../../protocol/records/json.js';
import { checkBody } from '../../protocol/records/kinds.js';
import { MAX_REFS } from '../../protocol/records/record.js';
import { encodeRequest, requestDigest, requestSigMessage, type Request } from '../../protocol/records/request.js';
import { ACTOR_ID_PATTERN } from '../../protocol/names.js';
import { apiError, ErrorBody } from './errors.js';
import type { NodeApi } from './ports.js';
import { precheck } from './rules.js';

const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'a record id, lowercase hex' });

export const PrepareBody = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 64, description: 'record kind, e.g. "doc.register" or "case.open" (PROTOCOL.md §5.2, CASES.md §C.3)' }),
    body: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'the record body as JSON, fields as in PROTOCOL.md §5.2 / CASES.md §C.3; byte fields (document hashes, keys, the applicant commitment) as lowercase hex (protocol/records/json.ts BYTE_FIELDS)',
    }),
    refs: Type.Optional(Type.Array(Hex32, { minItems: 1, maxItems: MAX_REFS, description: 'ids of the records this one refers to (a case, a doc.register)' })),
    actor: Type.String({ pattern: ACTOR_ID_PATTERN, description: 'the id of the official who will sign' }),
  },
  { additionalProperties: false },
);

export const PreparedBody = Type.Object({
  request: Type.String({ description: 'canonical CBOR of the request (PROTOCOL.md §5.3), base64: decode and check it before signing' }),
  digest: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the request bytes, hex' }),
  signMessage: Type.String({ description: 'the exact bytes the actor key signs (Ed25519): "tongban/v1/request\\0" followed by the 32-byte digest, base64' }),
  nonce: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'the 16-byte nonce the node chose, hex' }),
  at: Type.Integer({ description: 'the request time the node chose, ms since the epoch' }),
  net: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the network id, hex' }),
  author: Type.String({ description: 'this node (the log the record goes to)' }),
});

/**
 * POST /v1/requests/prepare: build the canonical request bytes for a caller
 * that signs elsewhere (an HSM, a Java keystore) and cannot encode CBOR. The
 * node checks what it can without the signature (body schema, actor in force
 * with the role, domain rules) so a doomed request fails before signing; the
 * caller checks the bytes it got (README "Integrating from Java or Python"),
 * signs `signMessage` and submits {request, actor, sig} to POST /v1/records.
 */
export async function prepareRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  const { ledger } = node;
  app.post(
    '/v1/requests/prepare',
    {
      schema: {
        summary: 'Canonical request bytes to sign elsewhere (prepare → check → sign → POST /v1/records)',
        description:
          'Nothing is stored. The answer names the bytes to sign; check them before signing (decode `request`: kind, body, refs, author, net, `at` near now). 400 names the bad field; 401/403/409/422 as POST /v1/records would answer the same request now.',
        body: PrepareBody,
        response: { 200: PreparedBody, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (req) => {
      const b = req.body as { kind: string; body: unknown; refs?: string[]; actor: string };
      const refs = b.refs?.map((r, i) => fromHex32(r, `refs[${i}]`));
      const body = bodyFromJson(b.kind, b.body);
      // Here rather than in precheck: a ProtocolError names the field (`field` in the 400), the caller fixes its JSON.
      checkBody(b.kind, body, refs);
      const request: Request = { v: 1, net: ledger.net, author: ledger.self!.id, kind: b.kind, body, nonce: randomBytes(16), at: ledger.now() };
      if (refs) request.refs = refs;
      let bytes: Uint8Array;
      try {
        bytes = encodeRequest(request);
      } catch (e) {
        throw apiError(400, 'BODY_INVALID', `body: ${(e as Error).message}`);
      }
      // The same rules POST /v1/records applies before it appends (a record's signature is the append's to check).
      await precheck(ledger, { request: bytes, actor: b.actor }, undefined, request);
      const digest = requestDigest(bytes);
      return {
        request: toBase64(bytes),
        digest: toHex(digest),
        signMessage: toBase64(requestSigMessage(digest)),
        nonce: toHex(request.nonce),
        at: request.at,
        net: toHex(ledger.net),
        author: request.author,
      };
    },
  );
}

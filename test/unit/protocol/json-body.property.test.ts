import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCanonical, type CborMap } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { ProtocolError } from '../../../protocol/errors.js';
import { BYTE_FIELDS, bodyFromJson, cborToJson } from '../../../protocol/records/json.js';
import { checkBody, KINDS } from '../../../protocol/records/kinds.js';

const H = (n: number) => new Uint8Array(32).fill(n);

/** One valid body of each kind with byte fields, as the CLI would build it. */
const BODIES: [string, CborMap, Uint8Array[]?][] = [
  ['org.actor', { id: 'li.na', key: publicKeyOf(H(0x41)), roles: ['registrar'], active: true }],
  ['doc.register', { doc: H(1), type: 'permit', class: 'public', meta: { n: 1, tags: ['a'] } }],
  ['doc.approve', { doc: H(1), decision: 'approve', role: 'review' }, [H(9)]],
  ['gov.approve', { config: H(2), sig: new Uint8Array(64).fill(3) }],
  [
    'case.open',
    {
      item: 'X1',
      name: '许可',
      mode: 'online',
      serial: 'S-1',
      applicant: H(4),
      handlers: ['bj-haidian'],
      limit: { days: 5, calendar: 'working' },
      materials: [
        { name: '申请表', doc: H(5), form: 'paper', original: true },
        { name: '身份证', doc: H(6), form: 'electronic', original: false, level: 'A' },
      ],
    },
  ],
  ['case.handoff', { to: 'bj-haidian', purpose: 'handle', via: 'network', materials: [H(5), H(6)] }, [H(9)]],
  ['case.receipt', { complete: false, missing: [H(6)] }, [H(9), H(8)]],
  ['case.close', { result: 'issued', doc: H(7) }, [H(9)]],
];

describe('record bodies as JSON (byte fields as hex)', () => {
  it('every kind names its byte fields', () => {
    expect(Object.keys(BYTE_FIELDS).sort()).toEqual([...KINDS].sort());
  });

  it('JSON and back gives the same canonical body, for each kind with byte fields', () => {
    for (const [kind, body] of BODIES) {
      const json = JSON.parse(JSON.stringify(cborToJson(body)));
      expect(encodeCanonical(bodyFromJson(kind, json)), kind).toEqual(encodeCanonical(body));
    }
    // the bodies are valid as built
    for (const [kind, body, refs] of BODIES) expect(() => checkBody(kind, body, refs), kind).not.toThrow();
  });

  it('names the field that is wrong', () => {
    const bad: [string, unknown, string][] = [
      ['doc.register', { doc: 'AB', type: 't', class: 'public' }, 'body.doc'],
      ['doc.register', { doc: 7, type: 't', class: 'public' }, 'body.doc'],
      ['doc.register', { doc: 'ab', type: 1.5, class: 'public' }, 'body.type'],
      ['case.open', { materials: [{ doc: 'zz' }] }, 'body.materials[0].doc'],
      ['case.open', { materials: 'none' }, 'body.materials'],
      ['case.handoff', { materials: ['ab', 5] }, 'body.materials[1]'],
      ['case.receipt', { missing: [{}] }, 'body.missing[0]'],
      ['doc.register', [], 'body'],
    ];
    for (const [kind, json, field] of bad) {
      let err: ProtocolError | undefined;
      try {
        bodyFromJson(kind, json);
      } catch (e) {
        err = e as ProtocolError;
      }
      expect([err?.code, err?.detail], `${kind} ${JSON.stringify(json)}`).toEqual(['BODY_INVALID', field]);
    }
  });

  it('any JSON input either converts or fails with BODY_INVALID (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS, 'x.unknown'), fc.jsonValue(), (kind, json) => {
        try {
          bodyFromJson(kind, json);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
          expect((e as ProtocolError).code).toBe('BODY_INVALID');
        }
      }),
      { numRuns: 500 },
    );
  });
});

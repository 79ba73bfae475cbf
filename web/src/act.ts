import { fromHex, toBase64, toHex } from '../../protocol/bytes.js';
import type { CborMap } from '../../protocol/cbor.js';
import { randomBytes, sha256 } from '../../protocol/crypto.js';
import { newApplicantCommitment } from '../../protocol/cases/applicant.js';
import type { CaseReport } from '../../protocol/cases/report.js';
import { encodeRequest, requestDigest, requestSigMessage, type Request } from '../../protocol/records/request.js';
import { getJson, postJson } from './api.js';
import { signWith, type StoredKey } from './keystore.js';

// The official's writes, built and signed in the browser (as cli/commands/case-write.ts and doc.ts build them); the
// node only receives the signed request.

export type Action = 'open' | 'handoff' | 'receive' | 'accept' | 'pause' | 'resume' | 'step' | 'close' | 'register' | 'approve';
export const ACTIONS: Action[] = ['open', 'handoff', 'receive', 'accept', 'pause', 'resume', 'step', 'close', 'register', 'approve'];

export interface Fields {
  caseId: string;
  item: string;
  name: string;
  serial: string;
  handler: string;
  days: string;
  idType: string;
  idNumber: string;
  materials: { name: string; doc: Uint8Array }[];
  to: string;
  reason: string;
  step: string;
  opinion: string;
  result: string;
  doc: string;
  docType: string;
  role: string;
  decision: string;
}

export interface Submitted {
  id: string;
  author: string;
  seq: number;
  kind: string;
  /** For an open: the salt printed on the receipt slip. */
  salt?: string;
}

export class ActError extends Error {
  constructor(
    readonly code: 'FIELD_MISSING' | 'NO_HANDOFF' | 'NOT_REGISTERED',
    message: string,
  ) {
    super(message);
    this.name = 'ActError';
  }
}

const need = (v: string, what: string): string => {
  if (v.trim() === '') throw new ActError('FIELD_MISSING', `${what} is required`);
  return v.trim();
};

const caseRef = (f: Fields) => [fromHex(need(f.caseId, 'case id').toLowerCase())];

/** The kind, body and refs of one action (the same bodies as the CLI's). */
async function build(a: Action, f: Fields, me: string): Promise<{ kind: string; body: CborMap; refs?: Uint8Array[]; salt?: Uint8Array }> {
  switch (a) {
    case 'open': {
      const { salt, applicant } = newApplicantCommitment(need(f.idType, 'ID type'), need(f.idNumber, 'ID number').toUpperCase());
      const body: CborMap = {
        item: need(f.item, 'item'),
        name: need(f.name, 'name'),
        mode: 'proxy',
        serial: need(f.serial, 'serial'),
        applicant,
        handlers: [need(f.handler, 'handler')],
        limit: { days: Number(need(f.days, 'days')), calendar: 'working' },
        materials: f.materials.map((m) => ({ name: m.name, doc: m.doc, form: 'electronic', original: true })),
      };
      return { kind: 'case.open', body, salt };
    }
    case 'handoff': {
      const refs = caseRef(f);
      const r = await getJson<CaseReport>(`/v1/cases/${toHex(refs[0]!)}`);
      const open = r.timeline.find((e) => e.kind === 'case.open');
      const materials = ((open?.materials as { doc: string }[] | undefined) ?? []).map((m) => fromHex(m.doc));
      return { kind: 'case.handoff', body: { to: need(f.to, 'to'), purpose: 'handle', via: 'network', materials }, refs };
    }
    case 'receive': {
      const refs = caseRef(f);
      const r = await getJson<CaseReport>(`/v1/cases/${toHex(refs[0]!)}`);
      const mine = r.timeline.filter((e) => e.kind === 'case.handoff' && e.to === me && !e.ignored);
      if (!mine.length) throw new ActError('NO_HANDOFF', `the case has no handoff to ${me} on this node yet`);
      return { kind: 'case.receipt', body: { complete: true }, refs: [...refs, fromHex(mine.at(-1)!.id)] };
    }
    case 'accept':
      return { kind: 'case.accept', body: { decision: 'accept' }, refs: caseRef(f) };
    case 'pause':
      return { kind: 'case.clock', body: { action: 'pause', reason: need(f.reason, 'reason') }, refs: caseRef(f) };
    case 'resume':
      return { kind: 'case.clock', body: { action: 'resume' }, refs: caseRef(f) };
    case 'step':
      return { kind: 'case.step', body: { step: need(f.step, 'step'), opinion: need(f.opinion, 'opinion') }, refs: caseRef(f) };
    case 'close':
      return { kind: 'case.close', body: { result: need(f.result, 'result') }, refs: caseRef(f) };
    case 'register':
      return { kind: 'doc.register', body: { doc: fromHex(need(f.doc, 'document')), type: need(f.docType, 'type'), class: 'internal' } };
    case 'approve': {
      const doc = need(f.doc, 'document').toLowerCase();
      const p = await getJson<{ events: { kind: string; id: string; counts?: boolean }[] }>(`/v1/docs/${doc}`);
      const reg = p.events.filter((e) => e.kind === 'doc.register' && e.counts !== false).at(-1);
      if (!reg) throw new ActError('NOT_REGISTERED', `no registration of ${doc} is known to the node`);
      const body: CborMap = { doc: fromHex(doc), decision: f.decision === 'reject' ? 'reject' : 'approve', role: need(f.role, 'role') };
      if (body.decision === 'reject' && f.reason.trim()) body.reason = f.reason.trim();
      return { kind: 'doc.approve', body, refs: [fromHex(reg.id)] };
    }
  }
}

/** Build, sign with the stored key, and POST /v1/records. */
export async function act(a: Action, f: Fields, key: StoredKey): Promise<Submitted> {
  const st = await getJson<{ member: string; network: string }>('/v1/status');
  const { kind, body, refs, salt } = await build(a, f, st.member);
  const request: Request = { v: 1, net: fromHex(st.network), author: st.member, kind, body, nonce: randomBytes(16), at: Date.now() };
  if (refs?.length) request.refs = refs;
  const bytes = encodeRequest(request);
  const sig = await signWith(key, requestSigMessage(requestDigest(bytes)));
  const r = await postJson<{ id: string; author: string; seq: number }>('/v1/records', { request: toBase64(bytes), actor: key.id, sig: toBase64(sig) });
  return { ...r, kind, ...(salt ? { salt: toHex(salt) } : {}) };
}

export const hashFile = async (f: File): Promise<Uint8Array> => sha256(new Uint8Array(await f.arrayBuffer()));

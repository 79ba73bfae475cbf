import { utf8 } from '../bytes.js';
import { isMap, type CborMap } from '../cbor.js';
import { ProtocolError } from '../errors.js';
import { isMemberId } from '../names.js';

/** The case kinds of CASES.md §C.3, in the order of its table. */
export const CASE_KINDS = ['case.open', 'case.handoff', 'case.receipt', 'case.accept', 'case.clock', 'case.step', 'case.close', 'case.deliver', 'case.evaluate', 'case.supervise'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export const isCaseKind = (k: string): k is CaseKind => (CASE_KINDS as readonly string[]).includes(k);

export const CASE_MODES = ['online', 'proxy', 'joint'] as const;
export const LIMIT_CALENDARS = ['working', 'natural'] as const;
export const MATERIAL_FORMS = ['paper', 'electronic'] as const;
export const MATERIAL_LEVELS = ['A', 'B', 'C', 'D'] as const;
export const HANDOFF_PURPOSES = ['handle', 'return'] as const;
export const HANDOFF_VIAS = ['network', 'post', 'courier'] as const;
export const ACCEPT_DECISIONS = ['accept', 'refuse', 'correct'] as const;
export const CLOCK_ACTIONS = ['pause', 'resume', 'extend'] as const;
/** Reasons a pause may give; an extension's reason is always "extension". */
export const PAUSE_REASONS = ['hearing', 'inspection', 'appraisal', 'expert', 'correction', 'other'] as const;
export const STEPS = ['undertake', 'review', 'approve'] as const;
export const OPINIONS = ['agree', 'disagree', 'return'] as const;
/** Close results with the codes used by provincial exchange systems (exchange only; the ledger writes the text). */
export const CLOSE_RESULTS = { issued: 0, returned: 1, void: 2, deleted: 3, forwarded: 4, 'correction-timeout': 5, done: 6 } as const;
export type CloseResult = keyof typeof CLOSE_RESULTS;
export const DELIVER_VIAS = ['pickup', 'post', 'electronic'] as const;
export const EVALUATE_CHANNELS = ['window', 'web', 'app', 'sms', 'hotline'] as const;
export const SUPERVISE_ACTIONS = ['claim', 'feedback', 'flag', 'clear'] as const;
/** The codes of §C.5 a supervision may name: the lights and the alerts. */
export const ALERT_CODES = ['handoff-stalled', 'materials-incomplete', 'late-entry'] as const;
export const LIGHTS = ['green', 'yellow', 'red'] as const;
export type Light = (typeof LIGHTS)[number];
export type AlertCode = (typeof ALERT_CODES)[number];

/** §C.3 limits. */
export const MAX_CASE_TEXT_CHARS = 256;
export const MAX_CASE_TEXT_BYTES = 1024;
export const MAX_ITEM_CHARS = 64;
export const MAX_MATERIALS = 64;
export const MAX_HASH_LIST = 64;
export const MAX_LIMIT_DAYS = 3650;
export const MIN_JOINT_HANDLERS = 2;
export const MAX_JOINT_HANDLERS = 16;

export interface Material {
  name: string;
  doc: Uint8Array;
  form: (typeof MATERIAL_FORMS)[number];
  original: boolean;
  level?: (typeof MATERIAL_LEVELS)[number];
  license?: string;
}
export interface CaseOpenBody {
  item: string;
  name: string;
  mode: (typeof CASE_MODES)[number];
  serial: string;
  applicant: Uint8Array;
  handlers: string[];
  limit: { days: number; calendar: (typeof LIMIT_CALENDARS)[number] };
  materials: Material[];
}
export interface CaseHandoffBody {
  to: string;
  purpose: (typeof HANDOFF_PURPOSES)[number];
  via: (typeof HANDOFF_VIAS)[number];
  materials: Uint8Array[];
  tracking?: string;
  note?: string;
}
export interface CaseReceiptBody {
  complete: boolean;
  missing?: Uint8Array[];
  note?: string;
}
export interface CaseAcceptBody {
  decision: (typeof ACCEPT_DECISIONS)[number];
  reason?: string;
  needed?: string[];
}
export interface CaseClockBody {
  action: (typeof CLOCK_ACTIONS)[number];
  reason?: string;
  days?: number;
  note?: string;
}
export interface CaseStepBody {
  step: (typeof STEPS)[number];
  opinion: (typeof OPINIONS)[number];
  note?: string;
}
export interface CaseCloseBody {
  result: CloseResult;
  license?: string;
  doc?: Uint8Array;
  note?: string;
}
export interface CaseDeliverBody {
  via: (typeof DELIVER_VIAS)[number];
  tracking?: string;
}
export interface CaseEvaluateBody {
  score: number;
  channel: (typeof EVALUATE_CHANNELS)[number];
  note?: string;
}
export interface CaseSuperviseBody {
  action: (typeof SUPERVISE_ACTIONS)[number];
  alert?: string;
  note?: string;
}

function bad(kind: string, field: string, expected: string): never {
  throw new ProtocolError('BODY_INVALID', `${kind} body.${field}: expected ${expected}`, `body.${field}`);
}

/** A case text field: non-empty, at most `chars` code points and 1,024 UTF-8 bytes (§C.3). */
export const isCaseText = (v: unknown, chars = MAX_CASE_TEXT_CHARS): v is string => typeof v === 'string' && v.length > 0 && [...v].length <= chars && utf8(v).length <= MAX_CASE_TEXT_BYTES;
const isHash = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === 32;
const isUintIn = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const oneOf = (list: readonly string[]) => (v: unknown) => typeof v === 'string' && list.includes(v);
const quote = (list: readonly string[]) => list.map((x) => `"${x}"`).join(', ');
const hashList = (v: unknown, lo: number): v is Uint8Array[] => Array.isArray(v) && v.length >= lo && v.length <= MAX_HASH_LIST && v.every(isHash);

type Check = (v: unknown) => boolean;
interface Field {
  name: string;
  required: boolean;
  check: Check;
  expected: string;
}
const f = (name: string, required: boolean, check: Check, expected: string): Field => ({ name, required, check, expected });
const TEXT = 'a non-empty text of at most 256 characters and 1024 UTF-8 bytes';
const NOTE = f('note', false, isCaseText, TEXT);
const TRACKING = f('tracking', false, isCaseText, TEXT);

function checkMaterial(kind: string, v: unknown, i: number): void {
  const at = `materials[${i}]`;
  if (!isMap(v)) bad(kind, at, 'a map {name, doc, form, original, ? level, ? license}');
  checkFields(
    kind,
    v,
    [
      f('name', true, isCaseText, TEXT),
      f('doc', true, isHash, 'the 32-byte SHA-256 of the file or scan'),
      f('form', true, oneOf(MATERIAL_FORMS), quote(MATERIAL_FORMS)),
      f('original', true, (x) => typeof x === 'boolean', 'true or false'),
      f('level', false, oneOf(MATERIAL_LEVELS), quote(MATERIAL_LEVELS)),
      f('license', false, isCaseText, 'an e-licence identifier (text)'),
    ],
    `${at}.`,
  );
}

const SCHEMAS: Record<CaseKind, Field[]> = {
  'case.open': [
    f('item', true, (v) => isCaseText(v, MAX_ITEM_CHARS), 'a service item code of at most 64 characters'),
    f('name', true, isCaseText, TEXT),
    f('mode', true, oneOf(CASE_MODES), quote(CASE_MODES)),
    f('serial', true, isCaseText, TEXT),
    f('applicant', true, isHash, 'the 32-byte applicant commitment'),
    f(
      'handlers',
      true,
      (v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_JOINT_HANDLERS && v.every((h, i) => isMemberId(h) && (i === 0 || (v[i - 1] as string) < (h as string))),
      'sorted unique member ids',
    ),
    f(
      'limit',
      true,
      (v) => isMap(v) && Object.keys(v).every((k) => k === 'days' || k === 'calendar') && isUintIn(v.days, 1, MAX_LIMIT_DAYS) && oneOf(LIMIT_CALENDARS)(v.calendar),
      '{days: 1..3650, calendar: "working" or "natural"}',
    ),
    f('materials', true, (v) => Array.isArray(v) && v.length <= MAX_MATERIALS, `0..${MAX_MATERIALS} materials`),
  ],
  'case.handoff': [
    f('to', true, isMemberId, 'a member id'),
    f('purpose', true, oneOf(HANDOFF_PURPOSES), quote(HANDOFF_PURPOSES)),
    f('via', true, oneOf(HANDOFF_VIAS), quote(HANDOFF_VIAS)),
    f('materials', true, (v) => hashList(v, 1), `1..${MAX_HASH_LIST} 32-byte document hashes`),
    TRACKING,
    NOTE,
  ],
  'case.receipt': [f('complete', true, (v) => typeof v === 'boolean', 'true or false'), f('missing', false, (v) => hashList(v, 1), `1..${MAX_HASH_LIST} 32-byte document hashes`), NOTE],
  'case.accept': [
    f('decision', true, oneOf(ACCEPT_DECISIONS), quote(ACCEPT_DECISIONS)),
    f('reason', false, isCaseText, TEXT),
    f('needed', false, (v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_HASH_LIST && v.every((x) => isCaseText(x)), `1..${MAX_HASH_LIST} texts`),
  ],
  'case.clock': [
    f('action', true, oneOf(CLOCK_ACTIONS), quote(CLOCK_ACTIONS)),
    f('reason', false, oneOf([...PAUSE_REASONS, 'extension']), `${quote(PAUSE_REASONS)} or "extension"`),
    f('days', false, (v) => isUintIn(v, 1, MAX_LIMIT_DAYS), '1..3650 days'),
    NOTE,
  ],
  'case.step': [f('step', true, oneOf(STEPS), quote(STEPS)), f('opinion', true, oneOf(OPINIONS), quote(OPINIONS)), NOTE],
  'case.close': [
    f('result', true, oneOf(Object.keys(CLOSE_RESULTS)), quote(Object.keys(CLOSE_RESULTS))),
    f('license', false, isCaseText, 'an e-licence identifier (text)'),
    f('doc', false, isHash, 'the 32-byte SHA-256 of the result document'),
    NOTE,
  ],
  'case.deliver': [f('via', true, oneOf(DELIVER_VIAS), quote(DELIVER_VIAS)), TRACKING],
  'case.evaluate': [f('score', true, (v) => isUintIn(v, 1, 5), 'a score 1..5'), f('channel', true, oneOf(EVALUATE_CHANNELS), quote(EVALUATE_CHANNELS)), NOTE],
  'case.supervise': [
    f('action', true, oneOf(SUPERVISE_ACTIONS), quote(SUPERVISE_ACTIONS)),
    f('alert', false, oneOf([...LIGHTS, ...ALERT_CODES]), `a light or alert code (${quote([...LIGHTS, ...ALERT_CODES])})`),
    NOTE,
  ],
};

function checkFields(kind: string, body: CborMap, schema: Field[], prefix = ''): void {
  for (const k of Object.keys(body)) if (!schema.some((x) => x.name === k)) bad(kind, `${prefix}${k}`, 'no such field');
  for (const field of schema) {
    const v = body[field.name];
    if (v === undefined) {
      if (field.required) bad(kind, `${prefix}${field.name}`, field.expected);
      continue;
    }
    if (!field.check(v)) bad(kind, `${prefix}${field.name}`, field.expected);
  }
}

/** refs of each kind, exactly (§C.3): `case.open` has none; `case.receipt` has [case, handoff]; the others [case]. */
export const CASE_REFS: Record<CaseKind, number> = {
  'case.open': 0,
  'case.handoff': 1,
  'case.receipt': 2,
  'case.accept': 1,
  'case.clock': 1,
  'case.step': 1,
  'case.close': 1,
  'case.deliver': 1,
  'case.evaluate': 1,
  'case.supervise': 1,
};

/**
 * Check a case body and its refs against §C.3: fields, limits, and the
 * conditional fields (tracking exactly for post/courier, missing exactly when
 * incomplete, reason/needed by decision, pause/extend/resume shapes).
 * Throws ProtocolError BODY_INVALID naming the field.
 */
export function checkCaseBody(kind: CaseKind, body: CborMap, refs: Uint8Array[] | undefined): void {
  checkFields(kind, body, SCHEMAS[kind]);
  const n = CASE_REFS[kind];
  if ((refs?.length ?? 0) !== n) {
    throw new ProtocolError('BODY_INVALID', `${kind}: refs must be ${n === 0 ? 'absent' : n === 1 ? '[case]' : '[case, handoff]'}`, 'refs');
  }
  switch (kind) {
    case 'case.open': {
      const b = body as unknown as CaseOpenBody;
      const joint = b.mode === 'joint';
      if (!joint && b.handlers.length !== 1) bad(kind, 'handlers', `exactly one handler unless mode is "joint"`);
      if (joint && b.handlers.length < MIN_JOINT_HANDLERS) bad(kind, 'handlers', `${MIN_JOINT_HANDLERS}..${MAX_JOINT_HANDLERS} handlers in mode "joint"`);
      b.materials.forEach((m, i) => checkMaterial(kind, m, i));
      return;
    }
    case 'case.handoff': {
      const paper = body.via === 'post' || body.via === 'courier';
      if (paper !== (body.tracking !== undefined)) bad(kind, 'tracking', 'present exactly when via is "post" or "courier"');
      return;
    }
    case 'case.deliver':
      if ((body.via === 'post') !== (body.tracking !== undefined)) bad(kind, 'tracking', 'present exactly when via is "post"');
      return;
    case 'case.receipt':
      if ((body.complete === false) !== (body.missing !== undefined)) bad(kind, 'missing', 'present exactly when complete is false');
      return;
    case 'case.accept':
      if (body.decision !== 'accept' && body.reason === undefined) bad(kind, 'reason', `a reason with decision "${String(body.decision)}"`);
      if (body.needed !== undefined && body.decision !== 'correct') bad(kind, 'needed', 'absent unless decision is "correct"');
      return;
    case 'case.clock':
      if (body.action === 'pause') {
        if (body.reason === undefined || body.reason === 'extension') bad(kind, 'reason', `a pause reason (${quote(PAUSE_REASONS)})`);
        if (body.days !== undefined) bad(kind, 'days', 'absent on a pause');
      } else if (body.action === 'extend') {
        if (body.days === undefined) bad(kind, 'days', '1..3650 days on an extension');
        if (body.reason !== 'extension') bad(kind, 'reason', '"extension" on an extension');
      } else {
        if (body.reason !== undefined) bad(kind, 'reason', 'absent on a resume');
        if (body.days !== undefined) bad(kind, 'days', 'absent on a resume');
      }
      return;
    default:
      return;
  }
}

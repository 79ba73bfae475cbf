import { writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../protocol/bytes.js';
import type { CborMap } from '../../protocol/cbor.js';
import { ProtocolError } from '../../protocol/errors.js';
import { applicantCommitment, newApplicantCommitment } from '../../protocol/cases/applicant.js';
import {
  type ACCEPT_DECISIONS,
  CASE_MODES,
  CLOSE_RESULTS,
  DELIVER_VIAS,
  EVALUATE_CHANNELS,
  HANDOFF_PURPOSES,
  HANDOFF_VIAS,
  LIMIT_CALENDARS,
  MATERIAL_FORMS,
  MATERIAL_LEVELS,
  OPINIONS,
  PAUSE_REASONS,
  STEPS,
  SUPERVISE_ACTIONS,
  checkCaseBody,
  type CaseKind,
} from '../../protocol/cases/schema.js';
import type { CaseReport, TimelineEntry } from '../../protocol/cases/report.js';
import type { NodeClient } from '../client.js';
import { actorKey } from '../home.js';
import { CliError, EXIT, printJson, usage } from '../io.js';
import { client, type Target } from './target.js';
import { docHash } from './verify.js';

/** The caseworker's write commands (CASES.md §C.3), each one record kind; `refuse` and `correct` are `case.accept` decisions, `pause|resume|extend` are `case.clock` actions. */
export const CASE_WRITES = {
  open: 'case.open',
  handoff: 'case.handoff',
  receive: 'case.receipt',
  accept: 'case.accept',
  refuse: 'case.accept',
  correct: 'case.accept',
  pause: 'case.clock',
  resume: 'case.clock',
  extend: 'case.clock',
  step: 'case.step',
  close: 'case.close',
  deliver: 'case.deliver',
  evaluate: 'case.evaluate',
  supervise: 'case.supervise',
} as const satisfies Record<string, CaseKind>;
export type CaseWrite = keyof typeof CASE_WRITES;

/** What each command did, in its own words. */
const DONE: Record<CaseWrite, string> = {
  open: 'opened',
  handoff: 'handed off',
  receive: 'received',
  accept: 'accepted',
  refuse: 'refused',
  correct: 'asked for correction of',
  pause: 'paused',
  resume: 'resumed',
  extend: 'extended',
  step: 'recorded a step on',
  close: 'closed',
  deliver: 'delivered',
  evaluate: 'recorded the evaluation of',
  supervise: 'recorded supervision of',
};

/**
 * The text the applicant's receipt slip (受理回执) carries as QR code: `tongban-case:<case id>?salt=<salt hex>`
 * (64 + 32 lowercase hex digits). With their certificate type and number the applicant recomputes the
 * applicant commitment of the case.open and so proves the case is theirs; the slip holds no personal data.
 */
export const receiptText = (caseId: string, salt: Uint8Array, consoleUrl?: string): string =>
  consoleUrl ? `${consoleUrl}/c/${caseId}#salt=${toHex(salt)}` : `tongban-case:${caseId}?salt=${toHex(salt)}`;

/**
 * `--console-url URL`: the web console's address (http or https, no query or fragment); the receipt then carries
 * URL/c/<case id>#salt=<hex>, which opens the applicant's page. The salt stays in the fragment, which browsers never send.
 */
export function consoleUrlOption(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw usage(`--console-url: an http(s) URL, e.g. https://tongban.example.gov.cn, not ${v}`);
  }
  if (!['http:', 'https:'].includes(u.protocol) || u.search || u.hash || u.username || u.password) throw usage(`--console-url: an http(s) URL with no query, fragment or credentials, not ${v}`);
  return u.href.replace(/\/+$/, '');
}

export interface CaseWriteOptions extends Target {
  actor: string;
  json?: boolean;
  wait?: string;
  waitTimeout?: string;
  // open
  item?: string;
  name?: string;
  mode?: string;
  serial?: string;
  handler?: string[];
  days?: string;
  calendar?: string;
  idType?: string;
  idNumber?: string;
  material?: string[];
  qr?: string;
  consoleUrl?: string;
  // others
  to?: string;
  purpose?: string;
  via?: string;
  tracking?: string;
  note?: string;
  handoff?: string;
  missing?: string[];
  reason?: string;
  needed?: string[];
  step?: string;
  opinion?: string;
  result?: string;
  license?: string;
  doc?: string;
  score?: string;
  channel?: string;
  action?: string;
  alert?: string;
}

const caseIdOf = (arg: string | undefined): string => {
  if (arg === undefined) throw usage('name the case: CASE_ID (64 hex digits, the record id of its case.open)');
  if (!/^[0-9a-fA-F]{64}$/.test(arg)) throw usage(`${arg} is not a case id (64 hex digits: the record id of its case.open)`);
  return arg.toLowerCase();
};

const need = (v: string | undefined, option: string, what: string): string => {
  if (v === undefined || v === '') throw usage(`${what} needs ${option}`);
  return v;
};

const choice = <T extends string>(v: string | undefined, option: string, list: readonly T[], what: string, dflt?: T): T => {
  const x = v ?? dflt;
  if (x === undefined) throw usage(`${what} needs ${option} (${list.join(', ')})`);
  if (!list.includes(x as T)) throw usage(`${option}: one of ${list.join(', ')}, not ${x}`);
  return x as T;
};

const intOption = (v: string, option: string, lo: number, hi: number): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < lo || n > hi) throw usage(`${option}: a whole number ${lo}..${hi}, not ${v}`);
  return n;
};

/** `--material NAME=FILE|SHA256[,paper|electronic][,original|copy][,level=A..D][,license=ID]`: the file is hashed locally. */
export function parseMaterial(spec: string): CborMap {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw usage(`--material ${spec}: expected NAME=FILE|SHA256[,paper|electronic][,original|copy][,level=A..D][,license=ID]`);
  const name = spec.slice(0, eq);
  const [what, ...flags] = spec.slice(eq + 1).split(',');
  const m: CborMap = { name, doc: docHash(what!), form: 'electronic', original: true };
  for (const fl of flags) {
    if ((MATERIAL_FORMS as readonly string[]).includes(fl)) m.form = fl;
    else if (fl === 'original' || fl === 'copy') m.original = fl === 'original';
    else if (fl.startsWith('level=') && (MATERIAL_LEVELS as readonly string[]).includes(fl.slice(6))) m.level = fl.slice(6);
    else if (fl.startsWith('license=') && fl.length > 8) m.license = fl.slice(8);
    else throw usage(`--material ${spec}: unknown flag ${fl} (paper, electronic, original, copy, level=A..D, license=ID)`);
  }
  return m;
}

const report = (c: NodeClient, id: string) => c.json<CaseReport>(`/v1/cases/${id}`);

/** The handoff a `case receive` acknowledges: the newest one addressed to this member that has no receipt yet (else the newest addressed to it). */
function handoffFor(r: CaseReport, me: string): string {
  const mine = r.timeline.filter((e: TimelineEntry) => e.kind === 'case.handoff' && e.to === me && !e.ignored);
  if (!mine.length) throw new CliError(`case ${r.case} has no handoff to ${me} on this node (not yet replicated? try again, or name it with --handoff ID)`, EXIT.USAGE);
  const open = mine.filter((e) => r.hops.some((h) => h.to === me && h.sent === e.ts && h.received === null));
  return (open.at(-1) ?? mine.at(-1)!).id;
}

/** Build the kind, body and refs of one write command from its options (usage errors name the option). */
async function build(cmd: CaseWrite, id: string | undefined, o: CaseWriteOptions, c: NodeClient): Promise<{ body: CborMap; refs?: Uint8Array[]; extra?: Record<string, unknown> }> {
  const what = `case ${cmd}`;
  const note = o.note !== undefined ? { note: o.note } : {};
  if (cmd === 'open') {
    const mode = choice(o.mode, '--mode', CASE_MODES, what, 'proxy');
    const handlers = [...new Set(o.handler ?? [])].sort();
    if (!handlers.length) throw usage(`${what} needs --handler MEMBER (the handling office; several with --mode joint)`);
    const idNumber = need(o.idNumber, '--id-number NUMBER', what);
    if (/\s/.test(idNumber) || idNumber !== idNumber.toUpperCase() || !/^[\x21-\x7e]+$/.test(idNumber)) throw usage('--id-number: upper-case ASCII without spaces, e.g. 41010219900101123X');
    const idType = need(o.idType, '--id-type CODE', what);
    if (!/^[0-9A-Za-z]{1,16}$/.test(idType)) throw usage(`--id-type: a certificate-type code (1..16 ASCII letters or digits), not ${idType}`);
    const { salt, applicant } = newApplicantCommitment(idType, idNumber);
    const body: CborMap = {
      item: need(o.item, '--item CODE', what),
      name: need(o.name, '--name NAME', what),
      mode,
      serial: need(o.serial, '--serial SERIAL', what),
      applicant,
      handlers,
      limit: { days: intOption(need(o.days, '--days N', what), '--days', 1, 3650), calendar: choice(o.calendar, '--calendar', LIMIT_CALENDARS, what, 'working') },
      materials: (o.material ?? []).map(parseMaterial),
    };
    return { body, extra: { salt } };
  }
  const cid = caseIdOf(id);
  const refs = [fromHex(cid)];
  switch (cmd) {
    case 'handoff': {
      const via = choice(o.via, '--via', HANDOFF_VIAS, what, 'network');
      let materials = (o.material ?? []).map((m) => docHash(m));
      if (!materials.length) {
        // by default the materials of the case.open (the node's report lists them as hex)
        const open = (await report(c, cid)).timeline.find((e) => e.kind === 'case.open');
        materials = ((open?.materials as { doc: string }[] | undefined) ?? []).map((m) => fromHex(m.doc));
        if (!materials.length) throw usage(`${what}: the case lists no materials: name what is sent with --material FILE|SHA256`);
      }
      if ((via === 'post' || via === 'courier') && o.tracking === undefined) throw usage(`${what} --via ${via} needs --tracking NUMBER`);
      if (via === 'network' && o.tracking !== undefined) throw usage(`${what}: --tracking only with --via post or courier`);
      const body: CborMap = { to: need(o.to, '--to MEMBER', what), purpose: choice(o.purpose, '--purpose', HANDOFF_PURPOSES, what, 'handle'), via, materials, ...note };
      if (o.tracking !== undefined) body.tracking = o.tracking;
      return { body, refs };
    }
    case 'receive': {
      const handoff = o.handoff !== undefined ? caseIdOf(o.handoff) : handoffFor(await report(c, cid), (await c.status()).member);
      const missing = (o.missing ?? []).map((m) => docHash(m));
      const body: CborMap = missing.length ? { complete: false, missing, ...note } : { complete: true, ...note };
      return { body, refs: [...refs, fromHex(handoff)], extra: { handoff } };
    }
    case 'accept':
      return { body: { decision: 'accept' satisfies (typeof ACCEPT_DECISIONS)[number] }, refs };
    case 'refuse':
      return { body: { decision: 'refuse', reason: need(o.reason, '--reason TEXT', what) }, refs };
    case 'correct': {
      const body: CborMap = { decision: 'correct', reason: need(o.reason, '--reason TEXT', what) };
      if (o.needed?.length) body.needed = o.needed;
      return { body, refs };
    }
    case 'pause':
      return { body: { action: 'pause', reason: choice(o.reason, '--reason', PAUSE_REASONS, what), ...note }, refs };
    case 'resume':
      return { body: { action: 'resume', ...note }, refs };
    case 'extend':
      return { body: { action: 'extend', reason: 'extension', days: intOption(need(o.days, '--days N', what), '--days', 1, 3650), ...note }, refs };
    case 'step':
      return { body: { step: choice(o.step, '--step', STEPS, what), opinion: choice(o.opinion, '--opinion', OPINIONS, what, 'agree'), ...note }, refs };
    case 'close': {
      const body: CborMap = { result: choice(o.result, '--result', Object.keys(CLOSE_RESULTS), what), ...note };
      if (o.license !== undefined) body.license = o.license;
      if (o.doc !== undefined) body.doc = docHash(o.doc);
      return { body, refs };
    }
    case 'deliver': {
      const via = choice(o.via, '--via', DELIVER_VIAS, what);
      if (via === 'post' && o.tracking === undefined) throw usage(`${what} --via post needs --tracking NUMBER`);
      if (via !== 'post' && o.tracking !== undefined) throw usage(`${what}: --tracking only with --via post`);
      return { body: o.tracking !== undefined ? { via, tracking: o.tracking } : { via }, refs };
    }
    case 'evaluate':
      return { body: { score: intOption(need(o.score, '--score 1..5', what), '--score', 1, 5), channel: choice(o.channel, '--channel', EVALUATE_CHANNELS, what), ...note }, refs };
    case 'supervise': {
      const body: CborMap = { action: choice(o.action, '--action', SUPERVISE_ACTIONS, what), ...note };
      if (o.alert !== undefined) body.alert = o.alert;
      return { body, refs };
    }
  }
}

/** The option a schema field is given by, so a body the schema refuses is reported as the option to fix. */
const OPTION_OF: Record<string, string> = {
  item: '--item',
  handlers: '--handler',
  limit: '--days',
  name: '--name',
  serial: '--serial',
  materials: '--material',
  note: '--note',
  tracking: '--tracking',
  reason: '--reason',
  needed: '--needed',
  license: '--license',
  alert: '--alert',
  to: '--to',
  missing: '--missing',
};

/** `tongban case open|handoff|receive|…`: build the record locally, check it against the schema, sign it with the official's key, submit it. */
export async function caseWrite(cmd: CaseWrite, id: string | undefined, o: CaseWriteOptions): Promise<void> {
  const consoleUrl = o.consoleUrl !== undefined ? consoleUrlOption(o.consoleUrl) : undefined;
  const actor = actorKey(o.actor);
  const c = await client(o);
  const kind = CASE_WRITES[cmd];
  const { body, refs, extra } = await build(cmd, id, o, c);
  try {
    checkCaseBody(kind, body, refs);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const field = /body\.([a-z]+)/.exec(e.message)?.[1];
    throw usage(`${field && OPTION_OF[field] ? `${OPTION_OF[field]}: ` : ''}${e.message}`);
  }
  const r = await c.submit(actor, kind, body, refs);
  const caseId = cmd === 'open' ? r.id : caseIdOf(id);
  const out: Record<string, unknown> = { action: cmd, kind, case: caseId, ...r };
  if (cmd === 'open') {
    const salt = extra!.salt as Uint8Array;
    const text = receiptText(caseId, salt, consoleUrl);
    Object.assign(out, { item: body.item, name: body.name, serial: body.serial, salt: toHex(salt), receipt: text });
    if (o.qr) {
      const QR = (await import('qrcode')).default;
      try {
        await QR.toFile(o.qr, text, { type: 'png', errorCorrectionLevel: 'M' });
      } catch (e) {
        throw new CliError(`cannot write --qr ${o.qr}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (the case is opened: ${caseId})`, EXIT.IO);
      }
      out.qr = o.qr;
    }
    if (o.json) return printJson(out);
    const QR = (await import('qrcode')).default;
    // On a TTY the terminal renderer (its own black-on-white colours, readable on a dark screen); piped or printed,
    // plain block characters with no escape codes.
    const code = process.stdout.isTTY ? await QR.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }) : await QR.toString(text, { type: 'utf8', errorCorrectionLevel: 'M' });
    process.stdout.write(
      [
        `opened case ${caseId} as ${r.author}/${r.seq} (case.open)`,
        '',
        '受理回执 / applicant receipt slip',
        `  case id  ${caseId}`,
        `  serial   ${String(body.serial)}`,
        `  item     ${String(body.item)} ${String(body.name)}`,
        `  salt     ${toHex(salt)}`,
        `  QR text  ${text}`,
        code.trimEnd(),
        ...(o.qr ? [`wrote ${o.qr}`] : []),
        '',
      ].join('\n'),
    );
    return;
  }
  if (extra?.handoff) out.handoff = extra.handoff;
  if (o.json) return printJson(out);
  const detail =
    kind === 'case.accept'
      ? `decision ${String(body.decision)}`
      : kind === 'case.clock'
        ? `action ${String(body.action)}`
        : kind === 'case.step'
          ? `${String(body.step)}, ${String(body.opinion)}`
          : '';
  process.stdout.write(`${DONE[cmd]} case ${caseId} as ${r.author}/${r.seq} (${kind}${detail ? `, ${detail}` : ''})\nrecord ${r.id}\n`);
}

/** `tongban case bundle ID --out F`: the case bundle from the node (404 until its case.open is covered by a checkpoint). */
export async function caseBundle(id: string, o: Target & { out: string; json?: boolean }): Promise<void> {
  const cid = caseIdOf(id);
  const bytes = await (await client(o)).bytes(`/v1/cases/${cid}/bundle`);
  if (!bytes) throw new CliError(`no bundle of case ${cid} yet: the node does not hold it, or its case.open is not yet covered by a checkpoint`, EXIT.NOT_STANDING);
  try {
    writeFileSync(o.out, bytes);
  } catch (e) {
    throw new CliError(`cannot write --out ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.IO);
  }
  if (o.json) printJson({ case: cid, out: o.out, bytes: bytes.length });
  else process.stdout.write(`wrote ${o.out} (case ${cid}, ${bytes.length} bytes)\n`);
}

/** `tongban case verify --bundle F --genesis G`: the offline case verification, with the exit codes of `verify` (0 sound and on time, 1 sound but red or closed late, 5 unsound). */
export interface CaseVerifyOptions {
  bundle?: string;
  genesis?: string;
  net?: string;
  json?: boolean;
  asOf?: string;
  /** The applicant's check: the slip's QR text (or --salt) and their certificate. */
  receipt?: string;
  salt?: string;
  idType?: string;
  idNumber?: string;
}

/** The slip's QR text (README "The applicant's receipt slip"). */
const RECEIPT = /^tongban-case:([0-9a-f]{64})\?salt=([0-9a-f]{32})$/;

/**
 * The applicant commitment to check (§C.3) and the case the slip names, from --receipt (or --salt) with
 * --id-type and --id-number; undefined when none of them is given.
 */
export function applicantCheck(id: string | undefined, o: CaseVerifyOptions): { applicant: Uint8Array; caseId?: string } | undefined {
  if ([o.receipt, o.salt, o.idType, o.idNumber].every((x) => x === undefined)) return undefined;
  const what = 'case verify (the applicant check)';
  if ((o.receipt === undefined) === (o.salt === undefined)) throw usage(`${what} needs exactly one of --receipt TEXT (the slip's QR text) or --salt HEX`);
  let salt = o.salt;
  let slipCase: string | undefined;
  if (o.receipt !== undefined) {
    const m = RECEIPT.exec(o.receipt.trim().toLowerCase());
    if (!m) throw usage('--receipt: the QR text of the receipt slip, tongban-case:<case id, 64 hex>?salt=<32 hex>');
    [, slipCase, salt] = m;
    if (id !== undefined && caseIdOf(id) !== slipCase) throw usage(`--receipt names case ${slipCase}, not ${id.toLowerCase()}`);
  }
  if (!/^[0-9a-fA-F]{32}$/.test(salt!)) throw usage('--salt: the 32 hex digits printed on the receipt slip');
  const idType = need(o.idType, '--id-type CODE', what);
  const idNumber = need(o.idNumber, '--id-number NUMBER', what);
  try {
    return { applicant: applicantCommitment(fromHex(salt!), idType, idNumber), ...(slipCase ? { caseId: slipCase } : {}) };
  } catch (e) {
    if (e instanceof ProtocolError) throw usage(`--${e.detail === 'idType' ? 'id-type' : 'id-number'}: ${e.message}`);
    throw e;
  }
}

export async function caseVerify(id: string | undefined, o: CaseVerifyOptions): Promise<number> {
  const { readFileBytes, trustAnchor } = await import('./verify.js');
  const { isCaseBundle, verifyCaseOffline } = await import('./case-report.js');
  const bytes = readFileBytes(need(o.bundle, '--bundle FILE', 'case verify'), 'bundle');
  const net = trustAnchor(o);
  const check = applicantCheck(id, o);
  if (isCaseBundle(bytes) === false) throw usage(`${o.bundle} is a document bundle, not a case bundle: verify it with tongban verify --bundle`);
  const subject = id === undefined ? check?.caseId : caseIdOf(id);
  return verifyCaseOffline(bytes, net, subject, { ...o, ...(check ? { applicant: check.applicant } : {}) });
}

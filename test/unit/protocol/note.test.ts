import { describe, expect, it } from 'vitest';
import { concat, fromBase64, fromHex, toBase64, toHex, utf8 } from '../../../protocol/bytes.js';
import { publicKeyOf, sha256 } from '../../../protocol/crypto.js';
import { ProtocolError, type ProtocolErrorCode } from '../../../protocol/errors.js';
import { formatVkey, KEY_TYPE_COSIGNATURE, parseVkey } from '../../../protocol/keys.js';
import {
  cosign,
  cosignatureTime,
  formatCheckpoint,
  formatNote,
  formatTlogProof,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  parseTlogProof,
  quorumSatisfied,
  renderPolicy,
  signNote,
  verifyCosignature,
  verifyNoteSignature,
  type PolicyInput,
} from '../../../protocol/note/index.js';
import { vector } from './fixtures.js';

const nv = vector('note.json');
const cv = vector('consortium.json');
const cp = nv.checkpoint;

function rejects(code: ProtocolErrorCode, f: () => unknown): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  expect((err as ProtocolError).code).toBe(code);
}

/** RFC 6962 inclusion check, written out here so the vector's path order is tested independently. */
function includes(leaf: Uint8Array, index: number, size: number, path: Uint8Array[], root: Uint8Array): boolean {
  const node = (l: Uint8Array, r: Uint8Array) => sha256(concat(Uint8Array.of(1), l, r));
  let fn = index;
  let sn = size - 1;
  let h = sha256(concat(Uint8Array.of(0), leaf));
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      h = node(p, h);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else h = node(h, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && toHex(h) === toHex(root);
}

describe('note.json', () => {
  it('parses and verifies the Go sumdb/note doc example', () => {
    const n = parseNote(nv.goDocNote.note);
    const vk = parseVkey(nv.goDocNote.vkey);
    expect(n.text).toBe("If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n");
    expect(n.sigs).toHaveLength(1);
    expect(n.sigs[0]!.name).toBe('PeterNeumann');
    expect(toHex(n.sigs[0]!.keyId)).toBe('c74f20a3');
    expect(verifyNoteSignature(n.text, n.sigs[0]!, vk)).toBe(true);
    expect(formatNote(n)).toBe(nv.goDocNote.note);
  });

  it('parses and formats the checkpoint body', () => {
    const c = parseCheckpoint(cp.body);
    expect(c.origin).toBe(cp.origin);
    expect(c.size).toBe(8);
    expect(toBase64(c.root)).toBe('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
    expect(c.extensions).toEqual([]);
    expect(formatCheckpoint(c)).toBe(cp.body);
  });

  it('signs the checkpoint and reproduces signedNote byte for byte', () => {
    const seed = fromHex(cp.authorSeedHex);
    expect(formatVkey(cp.origin, publicKeyOf(seed))).toBe(cp.vkey);
    const sig = signNote(cp.body, cp.origin, seed);
    expect(formatNote({ text: cp.body, sigs: [sig] })).toBe(cp.signedNote);
    expect(verifyNoteSignature(cp.body, sig, parseVkey(cp.vkey))).toBe(true);
  });

  it('cosigns the checkpoint and reproduces cosignedNote byte for byte', () => {
    const w = cp.witness;
    const seed = fromHex(w.seedHex);
    expect(formatVkey(w.name, publicKeyOf(seed), KEY_TYPE_COSIGNATURE)).toBe(w.vkey);
    const author = signNote(cp.body, cp.origin, fromHex(cp.authorSeedHex));
    const co = cosign(cp.body, w.name, seed, Number(w.time));
    expect(formatNote({ text: cp.body, sigs: [author, co] })).toBe(cp.cosignedNote);
    expect(cosignatureTime(co)).toBe(Number(w.time));
    expect(verifyCosignature(cp.body, co, parseVkey(w.vkey))).toEqual({ ok: true, time: Number(w.time) });
  });

  it('verifies the parsed cosigned note', () => {
    const n = parseNote(cp.cosignedNote);
    expect(n.text).toBe(cp.body);
    expect(verifyNoteSignature(n.text, n.sigs[0]!, parseVkey(cp.vkey))).toBe(true);
    expect(verifyCosignature(n.text, n.sigs[1]!, parseVkey(cp.witness.vkey))).toEqual({ ok: true, time: 1763769600 });
    // A cosignature is not a note signature and vice versa.
    expect(verifyNoteSignature(n.text, n.sigs[1]!, parseVkey(cp.witness.vkey))).toBe(false);
    expect(verifyCosignature(n.text, n.sigs[0]!, parseVkey(cp.vkey)).ok).toBe(false);
    expect(formatNote(n)).toBe(cp.cosignedNote);
  });

  it('parses and formats the tlog-proof exactly', () => {
    const p = parseTlogProof(nv.tlogProof.proof);
    expect(toHex(p.extra!)).toBe(nv.tlogProof.leafHex);
    expect(p.index).toBe(5);
    expect(p.path.map(toBase64)).toEqual(['vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=', 'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=']);
    expect(formatNote(p.checkpoint)).toBe(cp.cosignedNote);
    expect(formatTlogProof(p)).toBe(nv.tlogProof.proof);
    const c = parseCheckpoint(p.checkpoint.text);
    expect(includes(p.extra!, p.index, c.size, p.path, c.root)).toBe(true);
    const { extra: _e, ...bare } = p;
    const text = formatTlogProof(bare);
    expect(text).toBe(nv.tlogProof.proof.replace('extra QEFCQw==\n', ''));
    expect(parseTlogProof(text).extra).toBeUndefined();
  });
});

describe('consortium.json checkpoints', () => {
  const member = (id: string) => cv.members.find((m: { id: string }) => m.id === id);
  for (const [author, entry] of Object.entries<{ cosignedNote: string; cosigners: string[] }>(cv.checkpoints)) {
    it(`verifies every signature on ${author}'s cosigned checkpoint`, () => {
      const n = parseNote(entry.cosignedNote);
      const c = parseCheckpoint(n.text);
      expect(c.origin).toBe(`${cv.consortium}/${author}`);
      expect(verifyNoteSignature(n.text, n.sigs[0]!, parseVkey(member(author).vkey))).toBe(true);
      const cosigs = n.sigs.slice(1);
      expect(cosigs.map((s) => s.name)).toEqual(entry.cosigners.map((id) => `${cv.consortium}/${id}`));
      const times = cosigs.map((s, i) => {
        const res = verifyCosignature(n.text, s, parseVkey(member(entry.cosigners[i]!).witnessVkey));
        expect(res.ok).toBe(true);
        expect(res.ok && res.time).toBe(cosignatureTime(s));
        return cosignatureTime(s);
      });
      // The vector's records are stamped 1795305600000 ms; witnesses cosigned within minutes of that.
      for (const t of times) expect(Math.abs(t - 1795305600)).toBeLessThan(3600);
      // Another member's key does not verify the author's signature.
      const other = cv.members.find((m: { id: string }) => m.id !== author);
      expect(verifyNoteSignature(n.text, n.sigs[0]!, { name: c.origin, pub: parseVkey(other.vkey).pub })).toBe(false);
      expect(formatNote(n)).toBe(entry.cosignedNote);
    });
  }
});

describe('policy', () => {
  const ids = ['gd-guangzhou', 'bj-haidian', 'ha-zhengzhou', 'sh-pudong'];
  const input = (order: string[]): PolicyInput => {
    const ms = order.map((id) => cv.members.find((m: { id: string }) => m.id === id));
    return {
      logs: ms.map((m) => ({ name: `${cv.consortium}/${m.id}`, pub: publicKeyOf(fromHex(m.ledgerSeedHex)) })),
      witnesses: ms.map((m) => ({ id: m.id, name: `${cv.consortium}/${m.id}`, pub: publicKeyOf(fromHex(m.ledgerSeedHex)) })),
      threshold: 3,
    };
  };

  it('renders policyEpoch1 exactly, whatever the input order', () => {
    expect(renderPolicy(input(ids))).toBe(cv.policyEpoch1);
    expect(renderPolicy(input([...ids].reverse()))).toBe(cv.policyEpoch1);
  });

  it('parses policyEpoch1 back', () => {
    const p = parsePolicy(cv.policyEpoch1);
    expect(p.logs.map((l) => l.vkey.name)).toEqual(['bj-haidian', 'gd-guangzhou', 'ha-zhengzhou', 'sh-pudong'].map((id) => `${cv.consortium}/${id}`));
    expect(p.witnesses.map((w) => [w.name, w.vkey.type])).toEqual(['bj-haidian', 'gd-guangzhou', 'ha-zhengzhou', 'sh-pudong'].map((id) => [id, KEY_TYPE_COSIGNATURE]));
    expect(p.groups).toEqual([{ name: 'witnesses', threshold: 3, members: ['bj-haidian', 'gd-guangzhou', 'ha-zhengzhou', 'sh-pudong'] }]);
    expect(p.quorum).toBe('witnesses');
    expect(quorumSatisfied(p, new Set(['bj-haidian', 'sh-pudong']))).toBe(false);
    expect(quorumSatisfied(p, new Set(['bj-haidian', 'sh-pudong', 'gd-guangzhou']))).toBe(true);
    expect(quorumSatisfied(p, new Set(['bj-haidian', 'sh-pudong', 'nobody']))).toBe(false);
  });

  it('reads comments, blank lines, tabs, URLs, any/all and nested groups', () => {
    const [a, b, c] = cv.policyEpoch1
      .split('\n')
      .filter((l: string) => l.startsWith('witness '))
      .map((l: string) => l.split(' ')[2]);
    const text = `# test\n\n  witness A ${a} https://a.example/\nwitness\tB ${b}\nwitness C ${c}\ngroup AB any A B\ngroup top all AB C \nquorum top\n`;
    const p = parsePolicy(text);
    expect(p.witnesses[0]!.url).toBe('https://a.example/');
    expect(p.groups.map((g) => g.threshold)).toEqual([1, 2]);
    expect(quorumSatisfied(p, new Set(['A', 'C']))).toBe(true);
    expect(quorumSatisfied(p, new Set(['A', 'B']))).toBe(false);
    expect(quorumSatisfied(parsePolicy('quorum none\n'), new Set())).toBe(true);
  });

  it('rejects malformed policies', () => {
    const good: string = cv.policyEpoch1;
    const lines = good.split('\n');
    const logLine = lines[0]!;
    const wLine = lines[4]!;
    const cases: string[] = [
      good.slice(0, -1), // no final newline
      good.replace('quorum witnesses\n', ''), // no quorum
      good + 'quorum witnesses\n', // two quorums
      good.replace('group witnesses 3', 'group witnesses 0'),
      good.replace('group witnesses 3', 'group witnesses 5'),
      good.replace('group witnesses 3', 'group witnesses 03'),
      good.replace('sh-pudong\nquorum', 'sh-pudong xx-nowhere\nquorum'), // undefined member
      good.replace('quorum witnesses', 'quorum nobody'),
      good + wLine + '\n', // duplicate witness name and key
      logLine + '\n' + good, // duplicate log key
      good.replace(logLine, logLine.replace('log ', 'witness L ')), // witness with a type-0x01 key
      good.replace(wLine, 'log ' + wLine.split(' ')[2]), // log with a type-0x04 key
      good.replace('bj-haidian+9150825a', 'bj-haidian+9150825b'), // wrong key id
      'frobnicate x\n' + good,
      good.replace('quorum', 'quorum\r'),
      'witness none ' + wLine.split(' ')[2] + '\nquorum none\n',
      good.replace('quorum witnesses\n', 'group second any bj-haidian\nquorum witnesses\n'), // member used twice
    ];
    for (const t of cases) rejects('POLICY_INVALID', () => parsePolicy(t));
    rejects('POLICY_INVALID', () => renderPolicy({ ...input(ids), threshold: 5 }));
    rejects('POLICY_INVALID', () => renderPolicy({ ...input(ids), threshold: 0 }));
    rejects('POLICY_INVALID', () => renderPolicy({ ...input(ids), groupName: 'bj-haidian' }));
    const i = input(ids);
    rejects('POLICY_INVALID', () => renderPolicy({ ...i, witnesses: [...i.witnesses, { ...i.witnesses[0]!, id: 'other' }] }));
    rejects('POLICY_INVALID', () => renderPolicy({ ...i, witnesses: [{ ...i.witnesses[0]!, id: 'none' }], threshold: 1 }));
  });
});

describe('rejections', () => {
  const signed: string = cp.signedNote;
  const sigLine = signed.slice(signed.lastIndexOf('\n\n') + 2);

  it('rejects malformed notes with NOTE_INVALID', () => {
    const cases: [string, string][] = [
      ['missing blank line', signed.replace('\n\n', '\n')],
      ['no trailing newline', signed.slice(0, -1)],
      ['carriage return', signed.replace('\n8\n', '\r\n8\n')],
      ['tab', signed.replace('bj-haidian\n', 'bj-haidian\t\n')],
      ['NUL', signed.replace('8', '8\0')],
      ['lone surrogate', signed.replace('8', '8\ud800')],
      ['hyphen instead of em dash', signed.replace('\u2014', '-')],
      ['en dash instead of em dash', signed.replace('\u2014', '\u2013')],
      ['no space after dash', signed.replace('\u2014 ', '\u2014')],
      ['bad base64', signed.replace('kVCCWum3', 'kVCC*um3')],
      ['unpadded base64', signed.replace('oQc=\n', 'oQc\n')],
      ['non-canonical base64 bits', signed.replace('oQc=\n', 'oQd=\n')],
      ['signature of 4 bytes', signed.replace(/ [A-Za-z0-9+/=]+\n$/, ' AAAAAA==\n')],
      ['no signature', signed.replace(/ [A-Za-z0-9+/=]+\n$/, '\n')],
      ['name with plus', signed.replace('\u2014 crossprov', '\u2014 cross+prov')],
      ['empty name', signed.replace('\u2014 crossprov.gov.example/bj-haidian ', '\u2014  ')],
      ['empty text', '\n' + sigLine],
      ['blank line after signatures', signed + '\n'],
      ['no signatures', cp.body + '\n'],
      ['101 signatures', cp.body + '\n' + sigLine.repeat(101)],
      ['too large', 'x'.repeat(70_000) + '\n\n' + sigLine],
    ];
    for (const [what, s] of cases) {
      expect(() => parseNote(s), what).toThrow(ProtocolError);
      rejects('NOTE_INVALID', () => parseNote(s));
    }
    expect(parseNote(cp.body + '\n' + sigLine.repeat(100)).sigs).toHaveLength(100);
  });

  it('splits at the last blank line, so the text may hold blank lines', () => {
    const text = 'a\n\n\u2014 not a signature\n\nb\n\n';
    const sig = signNote(text, cp.origin, fromHex(cp.authorSeedHex));
    const n = parseNote(formatNote({ text, sigs: [sig] }));
    expect(n.text).toBe(text);
    expect(verifyNoteSignature(n.text, n.sigs[0]!, parseVkey(cp.vkey))).toBe(true);
  });

  it('refuses to sign or format what it would not parse', () => {
    const seed = fromHex(cp.authorSeedHex);
    rejects('NOTE_INVALID', () => signNote('', cp.origin, seed));
    rejects('NOTE_INVALID', () => signNote('no newline', cp.origin, seed));
    rejects('NOTE_INVALID', () => signNote('tab\there\n', cp.origin, seed));
    rejects('NOTE_INVALID', () => signNote(cp.body, 'two words', seed));
    const sig = signNote(cp.body, cp.origin, seed);
    rejects('NOTE_INVALID', () => formatNote({ text: cp.body, sigs: [] }));
    rejects('NOTE_INVALID', () => formatNote({ text: cp.body, sigs: [{ ...sig, name: 'a b' }] }));
    rejects('NOTE_INVALID', () => formatNote({ text: cp.body, sigs: [{ ...sig, keyId: new Uint8Array(3) }] }));
  });

  it('does not verify with a wrong key or name, or over tampered text', () => {
    const n = parseNote(signed);
    const vk = parseVkey(cp.vkey);
    const other = publicKeyOf(fromHex(cp.witness.seedHex));
    expect(verifyNoteSignature(n.text, n.sigs[0]!, vk)).toBe(true);
    expect(verifyNoteSignature(n.text, n.sigs[0]!, { name: vk.name, pub: other })).toBe(false);
    expect(verifyNoteSignature(n.text, n.sigs[0]!, { name: 'crossprov.gov.example/sh-pudong', pub: vk.pub })).toBe(false);
    expect(verifyNoteSignature(n.text, { ...n.sigs[0]!, name: 'x' }, { name: 'x', pub: vk.pub })).toBe(false);
    expect(verifyNoteSignature(n.text.replace('\n8\n', '\n9\n'), n.sigs[0]!, vk)).toBe(false);
    const flipped = new Uint8Array(n.sigs[0]!.sig);
    flipped[10]! ^= 1;
    expect(verifyNoteSignature(n.text, { ...n.sigs[0]!, sig: flipped }, vk)).toBe(false);
  });

  it('does not verify a tampered cosignature', () => {
    const n = parseNote(cp.cosignedNote);
    const co = n.sigs[1]!;
    const wk = parseVkey(cp.witness.vkey);
    const later = new Uint8Array(co.sig);
    later[7]! += 1; // time + 1 s
    expect(verifyCosignature(n.text, { ...co, sig: later }, wk).ok).toBe(false);
    expect(verifyCosignature(n.text.replace('\n8\n', '\n9\n'), co, wk).ok).toBe(false);
    expect(verifyCosignature(n.text, co, { name: wk.name, pub: parseVkey(cp.vkey).pub }).ok).toBe(false);
    expect(verifyCosignature(n.text, { ...co, sig: co.sig.subarray(0, 71) }, wk).ok).toBe(false);
    const huge = new Uint8Array(co.sig);
    huge[0] = 0xff;
    expect(verifyCosignature(n.text, { ...co, sig: huge }, wk).ok).toBe(false);
    rejects('COSIGNATURE_INVALID', () => cosignatureTime({ ...co, sig: huge }));
    rejects('COSIGNATURE_INVALID', () => cosignatureTime({ ...co, sig: co.sig.subarray(0, 64) }));
    rejects('COSIGNATURE_INVALID', () => cosign(cp.body, cp.witness.name, fromHex(cp.witness.seedHex), -1));
    rejects('COSIGNATURE_INVALID', () => cosign(cp.body, cp.witness.name, fromHex(cp.witness.seedHex), 1.5));
    rejects('CHECKPOINT_INVALID', () => cosign('not a checkpoint\n', cp.witness.name, fromHex(cp.witness.seedHex), 1));
  });

  it('rejects malformed checkpoints with CHECKPOINT_INVALID', () => {
    const body: string = cp.body;
    const root = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
    const cases = [
      body.replace('\n8\n', '\n08\n'),
      body.replace('\n8\n', '\n+8\n'),
      body.replace('\n8\n', '\n8.0\n'),
      body.replace('\n8\n', '\n9007199254740992\n'),
      body.replace('\n8\n', '\n\n'),
      body.replace(root, toBase64(new Uint8Array(31))),
      body.replace(root, toBase64(new Uint8Array(33))),
      body.replace(root, root.slice(0, -1)),
      body.slice(0, -1),
      body.replace(cp.origin, ''),
      body.replace(cp.origin, 'cosignature/v1'),
      `${cp.origin}\n8\n`,
      body + '\n', // empty extension line
      body.replace('\n8\n', '\n8\r\n'),
    ];
    for (const t of cases) rejects('CHECKPOINT_INVALID', () => parseCheckpoint(t));
    expect(parseCheckpoint(body.replace('\n8\n', '\n0\n')).size).toBe(0);
    expect(parseCheckpoint(body.replace('\n8\n', '\n9007199254740991\n')).size).toBe(2 ** 53 - 1);
    const ext = parseCheckpoint(body + 'ext one\n');
    expect(ext.extensions).toEqual(['ext one']);
    expect(formatCheckpoint(ext)).toBe(body + 'ext one\n');
    const good = parseCheckpoint(body);
    rejects('CHECKPOINT_INVALID', () => formatCheckpoint({ ...good, size: -1 }));
    rejects('CHECKPOINT_INVALID', () => formatCheckpoint({ ...good, root: new Uint8Array(31) }));
    rejects('CHECKPOINT_INVALID', () => formatCheckpoint({ ...good, origin: 'a\nb' }));
    rejects('CHECKPOINT_INVALID', () => formatCheckpoint({ ...good, extensions: [''] }));
  });

  it('rejects malformed tlog-proofs with TLOG_PROOF_INVALID', () => {
    const proof: string = nv.tlogProof.proof;
    const h0 = 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=';
    const cases = [
      proof.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'),
      proof.replace('c2sp.org/tlog-proof@v1\n', ''),
      proof.replace('index 5', 'index 05'),
      proof.replace('index 5', 'index -5'),
      proof.replace('index 5', 'index  5'),
      proof.replace('index 5', 'index 8'), // not below the checkpoint size
      proof.replace('index 5\n', ''),
      proof.replace('extra QEFCQw==', 'extra '),
      proof.replace('extra QEFCQw==', 'extra QEFCQw='),
      proof.replace(h0, h0.slice(0, -2) + '=='), // not 32 bytes
      proof.replace(h0, toBase64(new Uint8Array(33))),
      proof.replace(h0, h0.replace('v', '*')),
      proof.replace(`${h0}\n`, `${h0}\n\n`), // blank line inside the path
      proof.replace('\n\ncrossprov', '\ncrossprov'), // no blank line before the checkpoint
      proof.replace('\n8\n', '\n08\n'), // checkpoint body invalid
      proof.replace(/\n\n\u2014[\s\S]*$/, '\n'), // checkpoint without signatures
      proof.slice(0, -1),
      'c2sp.org/tlog-proof@v1\nindex 5',
    ];
    for (const t of cases) rejects('TLOG_PROOF_INVALID', () => parseTlogProof(t));
    const p = parseTlogProof(proof);
    rejects('TLOG_PROOF_INVALID', () => formatTlogProof({ ...p, extra: new Uint8Array(0) }));
    rejects('TLOG_PROOF_INVALID', () => formatTlogProof({ ...p, index: 8 }));
    rejects('TLOG_PROOF_INVALID', () => formatTlogProof({ ...p, path: [new Uint8Array(31)] }));
    rejects('TLOG_PROOF_INVALID', () => formatTlogProof({ ...p, checkpoint: { ...p.checkpoint, sigs: [] } }));
    // An empty path is valid (a one-leaf tree).
    const one = formatTlogProof({ index: 0, path: [], checkpoint: p.checkpoint });
    expect(one).toBe('c2sp.org/tlog-proof@v1\nindex 0\n\n' + cp.cosignedNote);
    expect(parseTlogProof(one).path).toEqual([]);
    expect(fromBase64(toBase64(utf8('x')))).toEqual(utf8('x'));
  });
});

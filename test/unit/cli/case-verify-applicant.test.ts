import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { applicantCommitment } from '../../../protocol/cases/applicant.js';
import type { CaseBundleReport } from '../../../protocol/bundle/case.js';
import { applicantCheck } from '../../../cli/commands/case-write.js';
import { applicantMatches } from '../../../cli/commands/case-report.js';
import { EXIT } from '../../../cli/io.js';

const CASE = 'ab'.repeat(32);
const SALT = '275175c42e63a7f041ffe661f1db8dc5';
const ID = { idType: '111', idNumber: '41010219900101123X' };
const usageError = (fn: () => unknown, message: RegExp) => expect(fn).toThrow(expect.objectContaining({ exitCode: EXIT.USAGE, message: expect.stringMatching(message) }));

describe('case verify: the applicant check (--receipt/--salt with --id-type and --id-number)', () => {
  it("computes the commitment from the slip's QR text or salt, and names the slip's case", () => {
    expect(applicantCheck(undefined, {})).toBeUndefined();
    const want = applicantCommitment(fromHex(SALT), ID.idType, ID.idNumber);
    expect(applicantCheck(undefined, { receipt: `tongban-case:${CASE}?salt=${SALT}`, ...ID })).toEqual({ applicant: want, caseId: CASE });
    expect(applicantCheck(CASE, { salt: SALT, ...ID })).toEqual({ applicant: want });
  });

  it('refuses what a new user could get wrong, naming the option', () => {
    usageError(() => applicantCheck(undefined, { ...ID }), /exactly one of --receipt TEXT .* or --salt HEX/);
    usageError(() => applicantCheck(undefined, { receipt: `tongban-case:${CASE}?salt=${SALT}`, salt: SALT, ...ID }), /exactly one of/);
    usageError(() => applicantCheck(undefined, { receipt: 'https://example.org/', ...ID }), /--receipt: the QR text/);
    usageError(() => applicantCheck('cd'.repeat(32), { receipt: `tongban-case:${CASE}?salt=${SALT}`, ...ID }), /--receipt names case ab/);
    usageError(() => applicantCheck(undefined, { salt: '2751', ...ID }), /--salt: the 32 hex digits/);
    usageError(() => applicantCheck(undefined, { salt: SALT, idType: '111' }), /needs --id-number NUMBER/);
    usageError(() => applicantCheck(undefined, { salt: SALT, idType: '111', idNumber: '41010219900101123x' }), /--id-number: .*upper-case/);
  });

  it('matches only the commitment of a soundly verified case.open', () => {
    const applicant = applicantCommitment(fromHex(SALT), ID.idType, ID.idNumber);
    const report = (proofs: 'sound' | 'unsound', committed: Uint8Array) => ({ proofs, report: { timeline: [{ kind: 'case.open', applicant: toHex(committed) }] } }) as unknown as CaseBundleReport;
    expect(applicantMatches(report('sound', applicant), applicant)).toBe(true);
    expect(applicantMatches(report('sound', applicantCommitment(fromHex(SALT), '111', '41010219900101123Y')), applicant)).toBe(false);
    expect(applicantMatches(report('unsound', applicant), applicant)).toBe(false);
  });
});

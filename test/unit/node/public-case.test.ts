import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { applicantCommitment } from '../../../protocol/cases/applicant.js';
import { Ledger } from '../../../ledger/index.js';
import { publicRoutes } from '../../../node/api/public.js';
import { toApiError } from '../../../node/api/errors.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

// GET /v1/public/cases/:id?applicant=: the applicant's page asks with the commitment it computed in the browser;
// only the matching commitment gets an answer, and only the public subset (no officials, no materials).
const { members, genesis, net } = testConsortium(3);
const [A, B] = members as [(typeof members)[0], (typeof members)[0]];
const cwSeed = new Uint8Array(32).fill(0x71);
const salt = new Uint8Array(16).fill(0x5a);
const applicant = applicantCommitment(salt, '111', '41010219900101123X');
const dir = tempDir();
const t = Date.parse('2026-11-25T09:00:00+08:00');
let ledger: Ledger;
let app: FastifyInstance;
let caseId = '';

beforeAll(async () => {
  ledger = await Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed }, now: () => t });
  await ledger.append(firstAdmin(A));
  await ledger.append(submission(net, A.id, 'admin', A.adminSeed, 'org.actor', { id: 'zz.cw', key: publicKeyOf(cwSeed), roles: ['caseworker'], active: true }, undefined, t));
  const open = await ledger.append(
    submission(
      net,
      A.id,
      'zz.cw',
      cwSeed,
      'case.open',
      {
        item: '11410100MB1234567X4000111001',
        name: '道路运输经营许可',
        mode: 'proxy',
        serial: 'ZZ-2026-0001',
        applicant,
        handlers: [B.id],
        limit: { days: 3, calendar: 'working' },
        materials: [{ name: '申请表', doc: new Uint8Array(32).fill(2), form: 'paper', original: true }],
      },
      undefined,
      t,
    ),
  );
  caseId = toHex(open.id);
  app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = toApiError(err);
    void reply.status(e.status).send({ code: e.code, message: e.message });
  });
  await publicRoutes(app, { ledger } as never);
});

afterAll(async () => {
  await app.close();
  await ledger.close();
  dir.cleanup();
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('GET /v1/public/cases/:id', () => {
  it('answers the matching applicant with state, dates and lights only', async () => {
    const res = await get(`/v1/public/cases/${caseId}?applicant=${toHex(applicant)}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['acceptedAt', 'asOf', 'case', 'closedAt', 'due', 'item', 'light', 'name', 'openedAt', 'overdue', 'result', 'state']);
    expect(body).toMatchObject({ case: caseId, name: '道路运输经营许可', state: 'received', acceptedAt: null, light: null });
    expect(res.body).not.toContain('zz.cw');
    expect(res.body).not.toContain('申请表');
    expect(res.body).not.toContain(A.id);
  });

  it('a wrong commitment and an unknown case answer the same 404', async () => {
    const wrong = applicantCommitment(salt, '111', '41010219900101124X');
    const a = await get(`/v1/public/cases/${caseId}?applicant=${toHex(wrong)}`);
    const b = await get(`/v1/public/cases/${'ab'.repeat(32)}?applicant=${toHex(applicant)}`);
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(a.json()).toEqual(b.json());
  });

  it('builds no report unless the applicant matches (the same work for a wrong applicant as for an unknown case); another record id is no case', async () => {
    const reports = vi.spyOn(ledger, 'caseReport');
    const wrong = applicantCommitment(salt, '111', '41010219900101124X');
    expect((await get(`/v1/public/cases/${caseId}?applicant=${toHex(wrong)}`)).statusCode).toBe(404);
    expect(reports).not.toHaveBeenCalled();
    const admin = (await ledger.envelope(A.id, 0))!;
    expect((await get(`/v1/public/cases/${toHex(admin.id)}?applicant=${toHex(applicant)}`)).statusCode).toBe(404);
    expect(reports).not.toHaveBeenCalled();
    expect((await get(`/v1/public/cases/${caseId}?applicant=${toHex(applicant)}`)).statusCode).toBe(200);
    expect(reports).toHaveBeenCalledTimes(1);
    reports.mockRestore();
  });

  it('refuses a malformed commitment or a missing one with 400', async () => {
    expect((await get(`/v1/public/cases/${caseId}?applicant=XYZ`)).statusCode).toBe(400);
    expect((await get(`/v1/public/cases/${caseId}`)).statusCode).toBe(400);
  });
});

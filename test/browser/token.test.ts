import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../node/api/console.js';
import { DESKTOP, launch } from './browser.js';

// A node that requires an API token (401 without it): the console asks for the token once, keeps it in the tab's
// sessionStorage and sends it as a bearer token. The console's files themselves need none.
const TOKEN = 'secret-token-for-this-office';
let app: FastifyInstance;
let browser: Browser;
let base = '';
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  app = Fastify();
  expect(await consoleRoutes(app)).toBe(true);
  app.get('/v1/cases', async (req, reply) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply.status(401).send({ code: 'UNAUTHORIZED', message: 'an API token is needed' });
    return { asOf: '2026-11-29T09:00:00.000+08:00', cases: [], next: null };
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('API tokens in the console', () => {
  it('on 401 the console asks for the token, then sends it as Authorization: Bearer, kept in sessionStorage', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${base}/cases`);
    await page.getByRole('dialog').waitFor();
    await page.getByLabel('令牌', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByText('没有办件。').waitFor();
    expect(seen[0]).toBeUndefined();
    expect(seen.at(-1)).toBe(`Bearer ${TOKEN}`);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('tongban.token'))).toBe(TOKEN);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.close();
  });
});

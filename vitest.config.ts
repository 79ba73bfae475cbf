import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (pure, in-process and in-memory; `npm test`) and `e2e` (real processes running the built dist/;
// `npm run test:e2e`). A test that spawns a process belongs in test/e2e/. `browser`: the web console in Debian's
// Chromium driven by playwright-core, against the built dist/ (`npm run test:browser`).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The CLI speaks the locale's language (cli/messages.ts): tests, and the CLI they spawn, run in English
    // unless a test asks for another locale.
    env: { LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 240_000, fileParallelism: false } },
    ],
  },
});

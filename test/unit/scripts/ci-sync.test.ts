import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('CI runs what the README says', () => {
  it('.ci/run runs exactly the commands of the README "Development" block, in order', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## Development\n'));
    const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
    const documented = block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    // Top-level commands only: the indented npm install under the Node check fetches Node itself. `sh scripts/…`
    // lines (the Debian packages) are commands of the block too.
    const run = read('.ci/run')
      .split('\n')
      .filter((l) => /^(npm|sh) /.test(l))
      .map((l) => l.trim());
    expect(documented.length).toBeGreaterThan(0);
    expect(run).toEqual(documented);
    expect(run).toEqual(expect.arrayContaining(['sh scripts/system-deps.sh', 'npm ci', 'npm run lint', 'npm run check:layers', 'npm run typecheck', 'npm test', 'npm run test:e2e']));
  });

  it('engines and the README agree on Node 22 or 24', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=22');
    expect(read('README.md')).toContain('Requirements: Node.js 22 or 24');
  });
});

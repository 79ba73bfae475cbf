import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGraph, graphOf, importsOf } from '../../../scripts/check-layers.mjs';

const graph = (files: Record<string, string[]>) => new Map(Object.entries(files));
const rules = (files: Record<string, string[]>) => checkGraph(graph(files)).map((v) => `${v.rule} ${v.file} ${v.target}`);

describe('import layering check', () => {
  it('accepts imports that flow cli -> node -> ledger -> protocol, and anything from testnet, bench and test', () => {
    expect(
      rules({
        'protocol/a.ts': ['./b.js', 'cbor-x', '@noble/hashes/sha2.js'],
        'protocol/b.ts': [],
        'ledger/l.ts': ['../protocol/a.js', 'node:fs', 'level'],
        'node/n.ts': ['../ledger/l.js', '../protocol/b.js', 'libp2p'],
        'cli/c.ts': ['../node/n.js', '../ledger/l.js'],
        'web/w.ts': ['../protocol/a.js', '../client/index.js'],
        'client/index.ts': ['../protocol/a.js'],
        'cli/client.ts': ['../protocol/a.js', '../client/index.js'],
        'testnet/t.ts': ['../cli/c.js', '../node/n.js'],
        'test/unit/x.test.ts': ['../../cli/c.js', '../../testnet/t.js'],
      }),
    ).toEqual([]);
  });

  it('fails on an import that runs back up, naming both files', () => {
    expect(rules({ 'ledger/l.ts': ['../node/n.js'], 'node/n.ts': [] })).toEqual(['upward ledger/l.ts node/n.ts']);
    expect(rules({ 'protocol/p.ts': ['../ledger/l.js'], 'ledger/l.ts': [] })).toEqual(['upward protocol/p.ts ledger/l.ts']);
    expect(rules({ 'node/n.ts': ['../cli/c.js'], 'cli/c.ts': [] })).toEqual(['upward node/n.ts cli/c.ts']);
    expect(rules({ 'node/n.ts': ['../testnet/t.js'], 'testnet/t.ts': [] })).toEqual(['upward node/n.ts testnet/t.ts']);
    expect(rules({ 'web/w.ts': ['../node/n.js'], 'node/n.ts': [] })).toEqual(['upward web/w.ts node/n.ts']);
    expect(rules({ 'web/w.ts': ['../cli/main.js'], 'cli/main.ts': [] })).toEqual(['upward web/w.ts cli/main.ts']);
    expect(rules({ 'client/c.ts': ['../node/n.js'], 'node/n.ts': [] })).toEqual(['upward client/c.ts node/n.ts']);
    expect(rules({ 'client/c.ts': ['node:fs'] })).toEqual(['node-builtin client/c.ts node:fs']);
  });

  it('keeps protocol/ runnable in a browser: no Node built-ins, only listed packages', () => {
    expect(rules({ 'protocol/p.ts': ['node:crypto', 'fs', 'libp2p', 'level'] })).toEqual([
      'node-builtin protocol/p.ts node:crypto',
      'node-builtin protocol/p.ts fs',
      'package protocol/p.ts libp2p',
      'package protocol/p.ts level',
    ]);
  });

  it('fails on a cycle, type-only or not, and on a file importing itself', () => {
    const v = checkGraph(graph({ 'node/node.ts': ['./api/server.js'], 'node/api/server.ts': ['./routes.js'], 'node/api/routes.ts': ['../node.js'], 'node/x.ts': ['./x.js'] }));
    expect(v.map((x) => x.rule)).toEqual(['cycle', 'cycle']);
    expect(v[0]!.message).toContain('node/api/routes.ts -> node/node.ts -> node/api/server.ts -> node/api/routes.ts');
    expect(v[1]!.message).toContain('node/x.ts -> node/x.ts');
  });

  it('fails on a folder with no place in the layering', () => {
    expect(rules({ 'domain/d.ts': ['../protocol/p.js'], 'protocol/p.ts': [] })).toEqual(['unknown-layer domain/d.ts domain']);
  });

  it('reads every kind of import and ignores comments and strings', () => {
    const text = [
      "import type { A } from './a.js';",
      "import { B } from '../b.js'; // import { N } from './no.js'",
      "export * from './c.js';",
      "import './d.js';",
      "const e = await import('./e.js');",
      'const s = "import x from \'./no2.js\'";',
      "/* import y from './no3.js' */",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js']);
  });

  it('walks a tree from disk and exits through checkGraph on a bad one', () => {
    const root = mkdtempSync(join(tmpdir(), 'tongban-layers-'));
    try {
      mkdirSync(join(root, 'protocol'));
      mkdirSync(join(root, 'ledger'));
      mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
      writeFileSync(join(root, 'protocol', 'p.ts'), "import { l } from '../ledger/l.js';\nexport const p = l;\n");
      writeFileSync(join(root, 'ledger', 'l.ts'), 'export const l = 1;\n');
      writeFileSync(join(root, 'node_modules', 'x', 'index.js'), "import '../../node/n.js';\n");
      const g = graphOf(root);
      expect([...g.keys()].sort()).toEqual(['ledger/l.ts', 'protocol/p.ts']);
      expect(checkGraph(g).map((v) => v.rule)).toEqual(['upward']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

#!/usr/bin/env node
// The import-layering check run in CI (`npm run check:layers`): imports flow cli -> node -> ledger -> protocol, never
// back up; protocol/ is pure (runs in a browser: no Node built-ins, only npm packages listed below); no import cycles.
// Type-only imports count too: a type that runs back up still ties the lower layer to the upper one.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** What each top-level folder may import; '*' means anything. A folder not listed here is an error, so a new one gets a place. */
export const LAYERS = {
  protocol: ['protocol'],
  ledger: ['ledger', 'protocol'],
  node: ['node', 'ledger', 'protocol'],
  cli: ['cli', 'client', 'node', 'ledger', 'protocol'],
  // The browser-safe client SDK (`tongban/client`): builders, signing, HTTP, offline verification. Pure protocol below it.
  client: ['client', 'protocol'],
  // The web console: the pure protocol layer and the client SDK only.
  web: ['web', 'client', 'protocol'],
  // Integration programs for users to copy; examples/js imports the package's public export, tongban/client.
  examples: '*',
  testnet: '*',
  bench: '*',
  test: '*',
  scripts: '*',
};

/** npm packages protocol/ may import: each checked to run in a browser (pure JS, no Node built-ins). Add one only after checking that. */
export const BROWSER_PACKAGES = ['cbor-x', '@noble/ed25519', '@noble/hashes', '@noble/curves', '@sinclair/typebox', 'yaml', 'multiformats', 'uint8arrays', 'preact', 'qrcode'];

/** Layers that must run in a browser: no Node built-ins, only BROWSER_PACKAGES. */
export const BROWSER_LAYERS = ['protocol', 'client', 'web'];

const SOURCE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', 'coverage', 'bench/peers']);
const builtins = new Set(builtinModules);

/** The top-level folder of a repo-relative path, or '' for a file at the root. */
function topOf(file) {
  const i = file.indexOf('/');
  return i < 0 ? '' : file.slice(0, i);
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(spec) {
  return spec.startsWith('node:') || builtins.has(packageOf(spec));
}

/** Resolve a relative specifier to a file of the graph (TypeScript's `.js` -> `.ts` mapping), else the plain joined path. */
function resolve(from, spec, files) {
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  const stem = base.replace(/\.(m|c)?js$/, '');
  const ext = base.match(/\.(m|c)?js$/)?.[1] ?? '';
  for (const c of [base, `${stem}.${ext}ts`, `${stem}.tsx`, `${base}.ts`, `${base}/index.ts`, `${base}/index.js`]) if (files.has(c)) return c;
  return base;
}

function allowed(fromFile, toFile) {
  const rule = LAYERS[topOf(fromFile)];
  if (rule === undefined || rule === '*') return true; // root files belong to no layer; unknown folders are reported once
  return rule.some((l) => (l.includes('.') ? toFile === l : topOf(toFile) === l));
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan, iterative). */
function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const on = new Set();
  const stack = [];
  const out = [];
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    on.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const succ = edges.get(v) ?? [];
      if (i < succ.length) {
        frame[1]++;
        const w = succ[i];
        if (!edges.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          on.add(w);
          work.push([w, 0]);
        } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          on.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || succ.includes(v)) out.push(scc.sort());
      }
    }
  }
  return out;
}

/** One path around a cycle inside a component, for a readable message: a -> b -> … -> a. */
function pathAround(scc, edges) {
  const inside = new Set(scc);
  const start = scc[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of edges.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== null && u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...scc, start];
}

/**
 * Check an import graph: a Map from repo-relative file path (posix) to the specifiers it imports.
 * Returns the violations, each `{ rule, file, target, message }`; empty means the layering holds.
 */
export function checkGraph(graph) {
  const files = new Set(graph.keys());
  const edges = new Map();
  const violations = [];
  for (const [file, specs] of graph) {
    const top = topOf(file);
    if (top !== '' && !(top in LAYERS))
      violations.push({ rule: 'unknown-layer', file, target: top, message: `${file}: folder ${top}/ has no place in the layering (add it to LAYERS in scripts/check-layers.mjs)` });
    const out = [];
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = resolve(file, spec, files);
        out.push(target);
        if (!allowed(file, target)) violations.push({ rule: 'upward', file, target, message: `${file} imports ${target}: ${top}/ may import only ${LAYERS[top].join(', ')}` });
      } else if (BROWSER_LAYERS.includes(top)) {
        if (isBuiltin(spec)) violations.push({ rule: 'node-builtin', file, target: spec, message: `${file} imports the Node built-in ${spec}: ${top}/ must run in a browser` });
        else if (!BROWSER_PACKAGES.includes(packageOf(spec)))
          violations.push({ rule: 'package', file, target: spec, message: `${file} imports ${spec}: ${top}/ may import only browser-safe packages (${BROWSER_PACKAGES.join(', ')})` });
      }
    }
    edges.set(file, [...new Set(out)]);
  }
  for (const scc of cycles(edges)) {
    const path = pathAround(scc, edges);
    violations.push({ rule: 'cycle', file: scc[0], target: scc.join(' '), message: `import cycle among ${scc.join(', ')}: ${path.join(' -> ')}` });
  }
  return violations;
}

/** The import specifiers of one source text (static, re-exports, side-effect, dynamic; comments and strings ignored). */
export function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The import graph of the source files under `root` (skipping node_modules, dist, bench/peers). */
export function graphOf(root) {
  const graph = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(root, p).split(sep).join('/');
      if (e.name.startsWith('.') || SKIP.has(e.name) || SKIP.has(rel)) continue;
      if (e.isDirectory()) walk(p);
      else if (SOURCE.test(e.name) && !/\.d\.[mc]?ts$/.test(e.name)) {
        if (!rel.includes('/')) continue; // root files (configs) belong to no layer
        graph.set(rel, importsOf(readFileSync(p, 'utf8')));
      }
    }
  };
  walk(root);
  return graph;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const graph = graphOf(root);
  const violations = checkGraph(graph);
  for (const v of violations) console.error(`layers: ${v.message}`);
  if (violations.length > 0) {
    console.error(`layers: ${violations.length} violation(s) in ${graph.size} files`);
    process.exit(1);
  }
  console.log(`layers: ${graph.size} files, imports flow cli -> node -> ledger -> protocol, no cycles`);
}

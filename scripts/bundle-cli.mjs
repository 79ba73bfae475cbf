#!/usr/bin/env node
// After `tsc`: the `tongban` bin as a bundle (README "Start-up time"). dist/cli/main.js becomes cli/entry.ts, which
// turns on the compile cache and loads the program; the program and each client command are chunks in
// dist/cli/bundle/ holding their own code and the packages they use, so `verify --bundle` reads about twenty files
// (`status` ten) instead of resolving, reading and compiling some seventy modules (thirty). Run alone, `tsc` writes the unbundled
// dist/cli/main.js back, so the bin never runs a bundle older than the rest of dist/.
//
// Kept out of the bundle, loaded from tsc's dist/ when used:
// - the server commands (they run node/ and ledger/ code, which finds files next to itself: the console, the
//   verify worker); a bundled module that reaches node/ or ledger/ fails this build;
// - cli/io.ts, so a CliError thrown by a server command is the class the program catches;
// - packages not listed in INLINE (native addons, files found at run time), imported as they are.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
const chunks = join(out, 'bundle');
/** Commands whose modules run node/ or ledger/ code: they stay tsc's modules. */
const SERVER_COMMANDS = ['start', 'audit', 'backup', 'doctor', 'token'];
/** Packages copied into the chunks: plain JavaScript that finds no files of its own at run time. */
const INLINE = ['commander', 'cbor-x', '@noble/hashes', '@noble/ed25519', '@sinclair/typebox', 'yaml'];
/** The one module of ledger/ a client command may use: Ed25519 through node:crypto, no storage. */
const LEDGER_ALLOWED = 'ledger/crypto-node.ts';

const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const posix = (p) => p.split(sep).join('/');
/** The tsc output of a source import, as the chunks (all in dist/cli/bundle/) import it. */
const fromDist = (resolveDir, spec) => posix(relative(chunks, join(root, 'dist', relative(root, join(resolveDir, spec)))));

/**
 * Built-ins are taken with require, not import: an ESM import of a built-in builds its module facade, which reads
 * every export, lazy ones included (node:fs then loads all of node:stream, node:crypto the Web Crypto API).
 */
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.join('|')})$`);
/**
 * Built-ins a bundled package requires as it loads but tongban never uses: loaded on first use. commander requires
 * node:child_process for executable subcommands (tongban has none), and child_process brings node:net with it.
 */
const UNUSED_BUILTINS = ['node:child_process'];
const builtins = {
  name: 'tongban-builtins',
  setup(build) {
    build.onResolve({ filter: BUILTIN }, (a) => {
      const path = a.path.replace(/^(node:)?/, 'node:');
      if (a.kind === 'import-statement') return { path, namespace: 'builtin' };
      if (a.kind === 'require-call' && UNUSED_BUILTINS.includes(path) && a.importer.includes('node_modules')) return { path, namespace: 'builtin-on-use' };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-use' }, (a) => ({
      contents: `let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require(${JSON.stringify(a.path)}))[k] });`,
      loader: 'js',
    }));
    // cbor-x's portable entry: its Node entry adds streams (node:stream) and the native decoder, which the few KB a
    // command decodes do not need (cli/js-cbor.ts); the encoder and decoder are the same code.
    build.onResolve({ filter: /^cbor-x$/ }, async (a) => {
      if (a.pluginData === 'node-entry') return undefined;
      const node = await build.resolve('cbor-x', { kind: a.kind, resolveDir: a.resolveDir, pluginData: 'node-entry' });
      return node.errors.length > 0 ? { errors: node.errors } : { path: join(dirname(node.path), 'index.js') };
    });
  },
};

const split = {
  name: 'tongban-split',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('node:') || INLINE.includes(packageOf(a.path)) ? undefined : { path: a.path, external: true }));
    build.onResolve({ filter: /^\.\.?\// }, (a) => {
      const source = posix(relative(root, join(a.resolveDir, a.path))).replace(/\.js$/, '.ts');
      const server = SERVER_COMMANDS.some((c) => source === `cli/commands/${c}.ts`);
      if (server || source === 'cli/io.ts') return { path: fromDist(a.resolveDir, a.path), external: true };
      if (/^(node|ledger)\//.test(source) && source !== LEDGER_ALLOWED) {
        return {
          errors: [{ text: `${posix(relative(root, a.importer))} imports ${source}: node/ and ledger/ stay out of the CLI bundle (add the command to SERVER_COMMANDS in scripts/bundle-cli.mjs)` }],
        };
      }
      return undefined;
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [{ in: 'cli/entry.ts', out: 'main' }],
  outdir: out,
  chunkNames: 'bundle/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // commander and other CommonJS inside ESM chunks call require (for node: built-ins and external packages)
  banner: { js: "import { createRequire as __tongbanRequire } from 'node:module'; const require = __tongbanRequire(import.meta.url);" },
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  write: false, // written below, once the build and its checks passed: a failed build leaves the last bin whole
  logLevel: 'warning',
  plugins: [builtins, split],
});

// The entry sits in dist/cli/, the chunks one level down: relative externals are written for the chunks only.
const entry = result.metafile.outputs['dist/cli/main.js'];
const stray = entry?.imports.filter((i) => i.external && i.path.startsWith('.')) ?? [{ path: 'dist/cli/main.js not written' }];
if (stray.length > 0) {
  console.error(`bundle-cli: the entry must import no relative external module: ${stray.map((i) => i.path).join(', ')}`);
  process.exit(1);
}
rmSync(chunks, { recursive: true, force: true });
for (const f of result.outputFiles) {
  mkdirSync(dirname(f.path), { recursive: true });
  writeFileSync(f.path, f.contents);
}
chmodSync(join(out, 'main.js'), 0o755);
// Which source modules each output holds: test/e2e/client-boundaries maps the chunks a command loads back to them.
writeFileSync(join(chunks, 'meta.json'), JSON.stringify(result.metafile));

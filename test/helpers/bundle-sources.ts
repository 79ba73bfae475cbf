import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const META = resolve(ROOT, 'dist/cli/bundle/meta.json');

type Meta = { outputs: Record<string, { inputs: Record<string, unknown> }> };

/** The source of a bundle input, named as the file a load would show: tsc's dist/ file, a node_modules file, a built-in. */
function asLoaded(input: string): string {
  if (input.startsWith('builtin:')) return input.slice('builtin:'.length);
  if (input.includes('node_modules/')) return pathToFileURL(resolve(ROOT, input)).href;
  return pathToFileURL(resolve(ROOT, 'dist', input.replace(/\.ts$/, '.js'))).href;
}

/**
 * The modules behind the URLs a process loaded (test/helpers/load-spy.mjs): a chunk of the bundled CLI
 * (dist/cli/bundle/, scripts/bundle-cli.mjs) stands for the source modules esbuild put in it, so the layering
 * checks read the same names with or without the bundle; any other URL stands for itself.
 */
export function sourcesOf(loaded: string[]): string[] {
  const chunks = loaded.filter((u) => u.includes('/dist/cli/bundle/'));
  if (chunks.length === 0) return loaded;
  if (!existsSync(META)) throw new Error(`${META} is missing: build the CLI bundle with npm run build:cli`);
  const meta = JSON.parse(readFileSync(META, 'utf8')) as Meta;
  return loaded.flatMap((u) => {
    if (!u.includes('/dist/cli/bundle/')) return [u];
    const out = meta.outputs[fileURLToPath(u).slice(ROOT.length)];
    if (!out) throw new Error(`${u} is not in ${META}: rebuild with npm run build:cli`);
    return [u, ...Object.keys(out.inputs).map(asLoaded)];
  });
}

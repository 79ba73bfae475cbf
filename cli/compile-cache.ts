import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where the CLI keeps V8's compile cache (README "Start-up time"): $XDG_CACHE_HOME/tongban/compile-cache, else
 * ~/.cache/tongban/compile-cache; none without a home. Never the shared temp folder: whoever can write the cache
 * decides what code the CLI runs. NODE_COMPILE_CACHE (Node then caches from its own start) and
 * NODE_DISABLE_COMPILE_CACHE win over this; an XDG_CACHE_HOME that is not absolute is ignored, as the XDG spec says.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homeOf()): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return undefined;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, '.cache') : undefined;
  return base === undefined ? undefined : join(base, 'tongban', 'compile-cache');
}

function homeOf(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/**
 * Turn on V8's compile cache for every module loaded from now on: a later run of the CLI skips parsing and
 * compiling them (README "Start-up time"). Best effort: a folder that cannot be written, or a Node without
 * module.enableCompileCache (before 22.1), leaves the CLI as it is.
 */
export function useCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const dir = compileCacheDir(env);
  if (dir === undefined) return;
  try {
    // not a named import: Node 22.0 has no enableCompileCache, and a missing named export fails the whole CLI
    nodeModule.enableCompileCache?.(dir);
  } catch {
    // the cache only saves time
  }
}

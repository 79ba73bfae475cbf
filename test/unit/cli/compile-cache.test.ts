import { describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../../cli/compile-cache.js';

describe('compile cache folder (cli/compile-cache.ts)', () => {
  it('is tongban/compile-cache under the XDG cache folder, else under ~/.cache', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/u' }, '/home/u')).toBe('/var/cache/u/tongban/compile-cache');
    expect(compileCacheDir({}, '/home/u')).toBe('/home/u/.cache/tongban/compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: '' }, '/home/u')).toBe('/home/u/.cache/tongban/compile-cache');
  });

  it('ignores a relative XDG_CACHE_HOME (the XDG spec) and has none without a home', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: 'cache' }, '/home/u')).toBe('/home/u/.cache/tongban/compile-cache');
    expect(compileCacheDir({}, '')).toBeUndefined();
    expect(compileCacheDir({ XDG_CACHE_HOME: 'cache' }, 'relative')).toBeUndefined();
  });

  it("leaves Node's own variables in charge: NODE_COMPILE_CACHE names the folder, NODE_DISABLE_COMPILE_CACHE turns it off", () => {
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '/tmp/c', XDG_CACHE_HOME: '/var/cache/u' }, '/home/u')).toBeUndefined();
    expect(compileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, '/home/u')).toBeUndefined();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';

// cli/io.ts out(): standard output by write(2) on fd 1, with process.stdout only as the fallback.
async function loadOut() {
  vi.resetModules(); // out() remembers a closed pipe: each test starts with a fresh module
  return (await import('../../../cli/io.js')).out;
}

/** An fs whose writeSync takes at most `chunk` bytes a call, and then fails with `code` (if given) after `failAfter` calls. */
function fakeFs(chunk: number, code?: string, failAfter = 0) {
  const written: Buffer[] = [];
  let calls = 0;
  const fs = {
    writeSync: (fd: number, b: Uint8Array, offset: number) => {
      expect(fd).toBe(1);
      if (code && calls++ >= failAfter) throw Object.assign(new Error(code), { code });
      const n = Math.min(chunk, b.length - offset);
      written.push(Buffer.from(b.subarray(offset, offset + n)));
      return n;
    },
  };
  vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => (id === 'node:fs' ? fs : undefined)) as typeof process.getBuiltinModule);
  return { text: () => Buffer.concat(written).toString() };
}

function streamSpy() {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    text += Buffer.from(t as Uint8Array).toString();
    return true;
  });
  return { text: () => text };
}
afterEach(() => vi.restoreAllMocks());

describe('out (standard output without building process.stdout)', () => {
  it('writes everything through fd 1, in as many writes as it takes, and not through process.stdout', async () => {
    const out = await loadOut();
    const fs = fakeFs(3);
    const stream = streamSpy();
    out('证明 sound\n');
    out('second\n');
    expect(fs.text()).toBe('证明 sound\nsecond\n');
    expect(stream.text()).toBe('');
  });

  it('a closed pipe (EPIPE) ends the output quietly: later writes are dropped, nothing is thrown', async () => {
    const out = await loadOut();
    const fs = fakeFs(4, 'EPIPE', 1);
    const stream = streamSpy();
    expect(() => out('abcdefgh')).not.toThrow();
    out('more');
    expect(fs.text()).toBe('abcd');
    expect(stream.text()).toBe('');
  });

  it('a full non-blocking stdout (EAGAIN) hands the rest, and all later output, to process.stdout in order', async () => {
    const out = await loadOut();
    const fs = fakeFs(2, 'EAGAIN', 1);
    const stream = streamSpy();
    out('abcdef');
    out('gh');
    expect(fs.text() + stream.text()).toBe('abcdefgh');
    expect(stream.text()).toBe('cdefgh');
  });

  it('other write errors are thrown', async () => {
    const out = await loadOut();
    fakeFs(1, 'EIO');
    expect(() => out('x')).toThrow('EIO');
  });
});

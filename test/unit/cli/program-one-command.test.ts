import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommanderError, type Command } from 'commander';
import { allCommands, commandPath } from '../../../cli/help.js';

// cli/main.ts builds only the command the arguments name (start-up time, README "Start-up time"); what a user sees
// of that command, and of everything else, must be what the whole program shows.
async function load(lang = 'C.UTF-8') {
  vi.resetModules();
  vi.stubEnv('LANG', lang);
  vi.stubEnv('LC_ALL', '');
  vi.stubEnv('LC_MESSAGES', '');
  return await import('../../../cli/main.js');
}
afterEach(() => vi.unstubAllEnvs());

/** What a command prints for --help (its text and the text added after it). */
function helpOf(c: Command): string {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    out += String(t);
    return true;
  });
  try {
    c.outputHelp();
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** Parse as the bin does; what it wrote to stderr and the commander error code. */
async function parse(program: Command, args: string[]): Promise<{ err: string; code: string }> {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
    err += String(t);
    return true;
  });
  try {
    await program.parseAsync(['node', 'tongban', ...args]);
    return { err, code: '' };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { err, code: e.code };
  } finally {
    spy.mockRestore();
  }
}

describe('the program built for one command', () => {
  for (const lang of ['C.UTF-8', 'zh_CN.UTF-8']) {
    it(`holds only that command, and its help and every subcommand's help are the whole program's (${lang})`, async () => {
      const { buildProgram } = await load(lang);
      const full = buildProgram();
      const names = full.commands.map((c) => c.name());
      expect(names.length).toBeGreaterThan(10);
      for (const name of names) {
        const one = buildProgram([name, '--help']);
        expect(one.commands.map((c) => c.name())).toEqual([name]);
        const want = allCommands(full.commands.find((c) => c.name() === name)!);
        const got = allCommands(one.commands[0]!);
        expect(got.map(commandPath)).toEqual(want.map(commandPath));
        for (let i = 0; i < want.length; i++) expect(helpOf(got[i]!), commandPath(want[i]!)).toBe(helpOf(want[i]!));
      }
    });
  }

  it('finds the command after --debug; any other option before it (help, version, --) means the whole program', async () => {
    const { commandOf } = await load();
    expect(commandOf(['--debug', 'verify', 'x', '--bundle', 'b'])).toBe('verify');
    expect(commandOf(['operator', 'add', '--help'])).toBe('operator');
    expect(commandOf([])).toBeUndefined();
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['help', 'verify'])).toBeUndefined();
    expect(commandOf(['veryfy'])).toBeUndefined();
    for (const before of ['--', '-h', '--help', '-V', '--version', '--bogus']) expect(commandOf([before, 'verify']), before).toBeUndefined();
    expect(commandOf(['--debug', '-h', 'status'])).toBeUndefined();
  });

  it('`tongban -h verify` still lists every command', async () => {
    const { buildProgram } = await load();
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
      out += String(t);
      return true;
    });
    try {
      await buildProgram(['-h', 'verify']).parseAsync(['node', 'tongban', '-h', 'verify']);
    } catch (e) {
      if (!(e instanceof CommanderError) || e.code !== 'commander.helpDisplayed') throw e;
    } finally {
      spy.mockRestore();
    }
    expect(out).toBe(helpOf(buildProgram()));
    expect(out).toMatch(/\n {2}init \[options\] /);
  });

  it('no command, help and unknown names build every command: the full list and the suggestions', async () => {
    const { buildProgram } = await load();
    const all = buildProgram().commands.map((c) => c.name());
    for (const args of [[], ['--help'], ['help', 'verify'], ['veryfy'], ['--debug', 'nosuch']]) {
      expect(buildProgram(args).commands.map((c) => c.name())).toEqual(all);
    }
    expect(helpOf(buildProgram(['--help']))).toBe(helpOf(buildProgram()));
    const typo = await parse(buildProgram(['veryfy']), ['veryfy']);
    expect(typo.code).toBe('commander.unknownCommand');
    expect(typo.err).toMatch(/unknown command 'veryfy'\n\(Did you mean verify\?\)/);
  });

  it('an unknown option of the command built alone errors as in the whole program', async () => {
    const { buildProgram } = await load();
    const args = ['status', '--hme', 'x'];
    const one = await parse(buildProgram(args), args);
    expect(one.code).toBe('commander.unknownOption');
    expect(one).toEqual(await parse(buildProgram(), args));
    expect(one.err).toMatch(/Did you mean --home\?/);
  });
});

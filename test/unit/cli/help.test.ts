import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { allCommands, commandPath } from '../../../cli/help.js';
import { HELP_ZH, langOf } from '../../../cli/messages.js';

/** The program as `tongban` builds it, under a locale (cli/main.ts runs nothing when imported). */
async function programUnder(lang: string): Promise<Command> {
  vi.resetModules();
  vi.stubEnv('LANG', lang);
  vi.stubEnv('LC_ALL', '');
  vi.stubEnv('LC_MESSAGES', '');
  return (await import('../../../cli/main.js')).buildProgram();
}
afterEach(() => vi.unstubAllEnvs());

describe('--help documents every option and command', () => {
  it('every command has a summary and every option a description (English)', async () => {
    const program = await programUnder('C.UTF-8');
    const missing: string[] = [];
    for (const c of allCommands(program)) {
      if (!c.description()) missing.push(`command '${commandPath(c)}'`);
      for (const o of c.options) if (!o.description) missing.push(`option ${o.flags} of '${commandPath(c)}'`);
    }
    expect(missing).toEqual([]);
    // the officials' commands are all there
    expect(program.commands.find((c) => c.name() === 'operator')!.commands.map((c) => c.name())).toEqual(['keygen', 'add', 'list', 'disable', 'enable', 'rotate', 'roles']);
    expect(program.commands.find((c) => c.name() === 'init')!.description()).toMatch(/^create a node home/);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
      out += String(t);
      return true;
    });
    program.outputHelp();
    spy.mockRestore();
    expect(out).toMatch(/Exit codes:\n {2}0 {2}success/);
  });

  it('under zh_CN the summaries come from the catalogue, each naming a command that exists', async () => {
    const program = await programUnder('zh_CN.UTF-8');
    const paths = new Set(allCommands(program).map(commandPath));
    expect(Object.keys(HELP_ZH).filter((p) => !paths.has(p))).toEqual([]);
    for (const c of allCommands(program)) {
      const zh = HELP_ZH[commandPath(c)];
      if (zh) expect(c.description()).toBe(zh);
    }
    const op = program.commands.find((c) => c.name() === 'operator')!;
    expect(op.commands.find((c) => c.name() === 'disable')!.options.find((o) => o.long === '--actor')!.description).toBe('经办人的密钥文件');
  });

  it('the language follows LC_ALL, then LC_MESSAGES, then LANG; empty counts as unset', () => {
    expect(langOf({ LANG: 'zh_CN.UTF-8' })).toBe('zh');
    expect(langOf({ LANG: 'zh_TW.UTF-8' })).toBe('zh');
    expect(langOf({ LANG: 'C' })).toBe('en');
    expect(langOf({})).toBe('en');
    expect(langOf({ LANG: 'zh_CN.UTF-8', LC_ALL: 'C' })).toBe('en');
    expect(langOf({ LANG: 'en_US.UTF-8', LC_ALL: 'zh_CN.UTF-8' })).toBe('zh');
    expect(langOf({ LANG: 'C', LC_ALL: '', LC_MESSAGES: 'zh_CN' })).toBe('zh');
  });
});

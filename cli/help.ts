import type { Command } from 'commander';
import { COMMON_OPTIONS, HELP_ZH, hasMessage, langOf, msg } from './messages.js';

/** A command's path below the program: '' for the program, 'operator add' for a subcommand. */
export function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** The program and every command below it. */
export function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap((x) => allCommands(x))];
}

/** The option name an error quotes ('--home <dir>' -> '--home <dir>'), or ''. */
const quoted = (m: string) => /'([^']+)'/.exec(m)?.[1] ?? '';

/**
 * Put the catalogue (cli/messages.ts) into the commander program: Chinese
 * summaries under a zh_* locale, descriptions of the shared options where a
 * command gives none, commander's usage errors in the user's language, and the
 * exit codes after the program's help. English help stays as main.ts says it.
 */
export function localizeHelp(program: Command): void {
  const lang = langOf(); // once: each read of process.env is a call into Node, and this runs at every start
  const zh = lang === 'zh';
  const help = COMMON_OPTIONS['--help']![lang]();
  for (const c of allCommands(program)) {
    const path = commandPath(c);
    if (zh && HELP_ZH[path]) c.description(HELP_ZH[path]);
    c.helpOption('-h, --help', help);
    if (c.commands.length > 0) c.helpCommand('help [command]', help);
    for (const o of c.options) {
      const common = COMMON_OPTIONS[o.long ?? ''];
      if (common && (!o.description || zh)) o.description = common[lang]();
    }
    if (zh) {
      // commander words its usage errors in English; under zh_* they are said again from the catalogue, by code
      const error = c.error.bind(c);
      c.error = (message: string, opts?: { code?: string; exitCode?: number }) => {
        const code = opts?.code ?? '';
        const text = hasMessage(code) ? msg('usageError', (msg as (k: string, w: string) => string)(code, quoted(message))) : message;
        return error(text, opts);
      };
    }
  }
  program.addHelpText('after', `\n${msg('exitCodes')}`);
}

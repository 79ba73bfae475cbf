import { runNode } from '../../node/run.js';
import { loadHome } from '../home.js';
import { CliError, EXIT, usage } from '../io.js';
import { installGenesis } from './setup.js';

/** `tongban start`: run the node in the foreground until SIGTERM / Ctrl-C. */
export async function startCommand(opts: { home: string; genesis?: string }): Promise<void> {
  if (opts.genesis) installGenesis(opts.home, opts.genesis);
  const cfg = loadHome(opts.home);
  let started;
  try {
    started = await runNode(cfg);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code?.startsWith('KEY_FILE') || /genesis/.test((e as Error).message)) throw usage((e as Error).message);
    if (code === 'NETWORK_MISMATCH') throw usage((e as Error).message);
    if ((e as Error).message?.includes('EADDRINUSE') || code === 'EADDRINUSE') throw new CliError(`address in use: ${(e as Error).message}`, EXIT.USAGE);
    throw e;
  }
  const { node } = started;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      node.log.info({ signal }, 'stopping');
      void node.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

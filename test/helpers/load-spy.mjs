// Preloaded with `node --import`: appends the URL of every module the process loads (ESM and require)
// to the file named by TONGBAN_LOAD_SPY, so a test can tell which layers a command pulled in.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.TONGBAN_LOAD_SPY;
if (out) {
  registerHooks({
    load(url, context, next) {
      appendFileSync(out, `${url}\n`);
      return next(url, context);
    },
  });
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { decodeBundle } from '../../protocol/bundle/bundle.js';
import { decodeConfig } from '../../protocol/config/index.js';
import { configPolicy } from '../../protocol/config/policy.js';
import { decodeEnvelope } from '../../protocol/records/record.js';
import { parseTlogProof, formatTlogProof } from '../../protocol/note/tlog-proof.js';
import { CliError, EXIT, printJson } from '../io.js';
import { client, type Target } from './target.js';
import { docHash } from './verify.js';

export async function bundleExport(arg: string, opts: Target & { out: string; tlogProofs?: string; json?: boolean }): Promise<void> {
  const doc = docHash(arg);
  const bytes = await (await client(opts)).bytes(`/v1/docs/${toHex(doc)}/bundle`);
  if (!bytes) throw new CliError(`no proven record about ${toHex(doc)}`, EXIT.NOT_STANDING);
  writeFileSync(opts.out, bytes);
  const files: string[] = [opts.out];
  if (opts.tlogProofs) {
    mkdirSync(opts.tlogProofs, { recursive: true });
    const b = decodeBundle(bytes);
    const last = decodeConfig(b.configs.at(-1)!.bytes);
    writeFileSync(join(opts.tlogProofs, 'policy.txt'), configPolicy(last));
    files.push(join(opts.tlogProofs, 'policy.txt'));
    const authors = new Set<string>();
    for (const e of b.entries) {
      const env = decodeEnvelope(e.envelope);
      const p = parseTlogProof(e.proof);
      const name = join(opts.tlogProofs, `${env.record.author}-${env.record.seq}.tlog-proof`);
      writeFileSync(name, formatTlogProof({ ...p, extra: env.recordBytes }));
      files.push(name);
      authors.add(env.record.author);
    }
    // Some C2SP tools require every listed log to have signed: one policy per log too.
    for (const a of authors) {
      const f = join(opts.tlogProofs, `policy-${a}.txt`);
      writeFileSync(f, configPolicy(last, [a]));
      files.push(f);
    }
  }
  if (opts.json) printJson({ doc: toHex(doc), files });
  else process.stdout.write(files.map((f) => `wrote ${f}`).join('\n') + '\n');
}

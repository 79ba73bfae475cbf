import { Writable } from 'node:stream';
import pino from 'pino';
import type { NodeApi } from '../../node/api/ports.js';

/** The node as the API sees it, with a logger whose JSON lines land in `lines` for the test to read. */
export function withLogLines(node: NodeApi, lines: Record<string, unknown>[]): NodeApi {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return Object.create(node, { log: { value: pino({ level: 'info' }, sink) } }) as NodeApi;
}

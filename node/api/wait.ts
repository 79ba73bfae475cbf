import { Type } from '@sinclair/typebox';
import type { Envelope } from '../../protocol/records/record.js';
import type { RecordState, RecordStateName } from '../../ledger/index.js';
import type { LedgerApi } from './ports.js';

/** Longest wait a write may ask for (10 minutes): a client wanting longer polls GET /v1/records/:id. */
export const MAX_WAIT_MS = 600_000;
/** Wait when `wait` is given without `timeoutMs`. */
export const DEFAULT_WAIT_MS = 30_000;

/** `?wait=final|replicated&timeoutMs=` of write routes. */
export const WaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Union([Type.Literal('durable'), Type.Literal('replicated'), Type.Literal('final')], {
        description: 'answer once the record reaches this state (201), or at the timeout with its current state (202)',
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS, description: `longest wait in ms (default ${DEFAULT_WAIT_MS})` })),
  },
  { additionalProperties: false },
);

/** State fields of a record in responses (README "Record states"). */
export const StateFields = {
  state: Type.Union([Type.Literal('durable'), Type.Literal('replicated'), Type.Literal('final')]),
  durableAt: Type.Optional(Type.Integer({ description: 'ms since the epoch' })),
  replicatedAt: Type.Optional(Type.Integer()),
  finalAt: Type.Optional(Type.Integer()),
};

/** The state of a record held, for a response. */
export async function stateOf(ledger: LedgerApi, env: Envelope): Promise<RecordState> {
  return (await ledger.recordState(env)) ?? { state: 'durable' };
}

function reached(ledger: LedgerApi, env: Envelope, want: RecordStateName): boolean {
  const r = env.record;
  return ledger.states.reached(r.author, r.seq, r.epoch, ledger.size(r.author), want);
}

/**
 * Wait until `env` reaches `want` or `timeoutMs` passes, on the ledger's
 * state events (no polling). Returns whether it was reached and the state then.
 */
export async function waitForState(ledger: LedgerApi, env: Envelope, want: RecordStateName, timeoutMs = DEFAULT_WAIT_MS): Promise<{ reached: boolean; state: RecordState }> {
  if (!reached(ledger, env, want)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const off = ledger.events.on('state', (s) => {
        if (s.author === env.record.author && reached(ledger, env, want)) done();
      });
    });
  }
  return { reached: reached(ledger, env, want), state: await stateOf(ledger, env) };
}

/** Status and state fields of a write's answer: 201 once `wait` is reached (or none asked), 202 at the timeout. */
export async function afterWrite(ledger: LedgerApi, env: Envelope, q: { wait?: RecordStateName; timeoutMs?: number } | undefined): Promise<{ status: 201 | 202; state: RecordState }> {
  if (!q?.wait) return { status: 201, state: await stateOf(ledger, env) };
  const w = await waitForState(ledger, env, q.wait, q.timeoutMs);
  return { status: w.reached ? 201 : 202, state: w.state };
}

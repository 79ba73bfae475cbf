import type { CheckpointOutcome } from './checkpoints.js';
import type { Writer, WriteTx } from './writer.js';

interface Waiting {
  text: string;
  resolve: (out: CheckpointOutcome) => void;
  reject: (e: unknown) => void;
}

/**
 * Peers' checkpoint notes taken in one write per turn of the write lock: the
 * notes that arrive while a write of notes waits for the lock join it, one
 * note per log (a second note of the same log waits for the next write, so
 * each is merged with what the one before it stored). Each note is checked
 * and kept exactly as a write of its own would (Checkpoints.add); one that is
 * refused fails only its caller. Under load the gossip brings a note of each
 * member's checkpoint to every node, and a write for each held up the rest.
 */
export class NoteBatch {
  private open: { logs: Set<string>; notes: Waiting[] } | undefined;

  constructor(
    private readonly writer: Writer,
    private readonly add: (tx: WriteTx, noteText: string) => Promise<CheckpointOutcome>,
  ) {}

  /** Take the note of \`log\`'s checkpoint in the next write of notes. */
  take(log: string, text: string): Promise<CheckpointOutcome> {
    let batch = this.open;
    if (!batch || batch.logs.has(log)) {
      batch = { logs: new Set(), notes: [] };
      this.open = batch;
      void this.write(batch);
    }
    batch.logs.add(log);
    const notes = batch.notes;
    return new Promise((resolve, reject) => notes.push({ text, resolve, reject }));
  }

  private async write(batch: { logs: Set<string>; notes: Waiting[] }): Promise<void> {
    let outcomes: ({ ok: CheckpointOutcome } | { err: unknown })[];
    try {
      outcomes = await this.writer.run(async (tx) => {
        // Closed once under the lock: later notes go to the next write.
        if (this.open === batch) this.open = undefined;
        const out: ({ ok: CheckpointOutcome } | { err: unknown })[] = [];
        // A refused note adds nothing to the batch (Checkpoints.add checks before it writes).
        for (const n of batch.notes)
          out.push(
            await this.add(tx, n.text).then(
              (ok) => ({ ok }),
              (err: unknown) => ({ err }),
            ),
          );
        return out;
      });
    } catch (e) {
      for (const n of batch.notes) n.reject(e);
      return;
    }
    batch.notes.forEach((n, i) => {
      const o = outcomes[i]!;
      if ('ok' in o) n.resolve(o.ok);
      else n.reject(o.err);
    });
  }
}

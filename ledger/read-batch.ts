import type { Store, SublevelName } from './store.js';

interface Waiting {
  key: Uint8Array;
  resolve: (v: Uint8Array | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * Point reads of one sublevel asked in the same turn of the event loop, made as one getMany when the turn ends.
 * Concurrent API requests each asked LevelDB for one key (a request's nonce), and the cost of each call was 7 % of
 * a node's main thread under load; read together, it is a fraction of that. Each read sees what a get at the end of
 * the turn would see.
 */
export class ReadBatch {
  private waiting: Waiting[] = [];

  constructor(
    private readonly store: Pick<Store, 'getMany'>,
    private readonly name: SublevelName,
  ) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ key, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.store
      .getMany(
        this.name,
        batch.map((w) => w.key),
      )
      .then(
        (vs) => batch.forEach((w, i) => w.resolve(vs[i])),
        (e: unknown) => batch.forEach((w) => w.reject(e)),
      );
  }
}

import { fail } from '../errors.js';
import { consistencyFrom, consistencyNeeded, inclusionFrom, inclusionNeeded, storedHashesFrom, storedHashesNeeded, treeHashFrom, treeHashNeeded, type HashReader } from './tlog.js';

/**
 * A log's stored hashes in memory, built with the same stored-hash functions
 * a persistent store uses: for tests, the offline tools and small logs.
 * Proof methods take an optional size (default: the whole log).
 */
export class MemoryTree implements HashReader {
  private readonly hashes: Uint8Array[] = [];
  private count = 0;

  /** Number of records. */
  get size(): number {
    return this.count;
  }

  /** Number of stored hashes held (storedHashCount(size)). */
  get storedCount(): number {
    return this.hashes.length;
  }

  readHashes(indexes: number[]): Uint8Array[] {
    return indexes.map((i) => this.hashes[i] ?? fail('PROOF_INVALID', `no stored hash ${i}`));
  }

  /** Append a record by its leaf hash (a copy is kept). */
  append(leafHash: Uint8Array): void {
    const n = this.count;
    this.hashes.push(...storedHashesFrom(n, leafHash.slice(), this.readHashes(storedHashesNeeded(n))));
    this.count++;
  }

  root(n = this.count): Uint8Array {
    this.check(n);
    return treeHashFrom(n, this.readHashes(treeHashNeeded(n)));
  }

  inclusionProof(index: number, n = this.count): Uint8Array[] {
    this.check(n);
    return inclusionFrom(index, n, this.readHashes(inclusionNeeded(index, n)));
  }

  consistencyProof(oldSize: number, n = this.count): Uint8Array[] {
    this.check(n);
    return consistencyFrom(oldSize, n, this.readHashes(consistencyNeeded(oldSize, n)));
  }

  private check(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.count) fail('PROOF_INVALID', `tree has ${this.count} records, not ${String(n)}`);
  }
}

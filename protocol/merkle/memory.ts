import { fail } from '../errors.js';
import { consistencyFrom, consistencyNeeded, inclusionFrom, inclusionNeeded, storedHashesFrom, storedHashesNeeded, treeHashFrom, treeHashNeeded, type HashReader } from './tlog.js';

/** A log's stored hashes in memory: for tests, offline tools and small logs. */
export class MemoryTree implements HashReader {
  private readonly hashes: Uint8Array[] = [];
  size = 0;

  readHashes(indexes: number[]): Uint8Array[] {
    return indexes.map((i) => this.hashes[i] ?? fail('PROOF_INVALID', `no stored hash ${i}`));
  }

  append(leafHash: Uint8Array): void {
    const n = this.size;
    this.hashes.push(...storedHashesFrom(n, leafHash, this.readHashes(storedHashesNeeded(n))));
    this.size++;
  }

  get storedCount(): number {
    return this.hashes.length;
  }

  root(n = this.size): Uint8Array {
    this.check(n);
    return treeHashFrom(n, this.readHashes(treeHashNeeded(n)));
  }

  inclusionProof(index: number, n = this.size): Uint8Array[] {
    this.check(n);
    return inclusionFrom(index, n, this.readHashes(inclusionNeeded(index, n)));
  }

  consistencyProof(oldSize: number, n = this.size): Uint8Array[] {
    this.check(n);
    return consistencyFrom(oldSize, n, this.readHashes(consistencyNeeded(oldSize, n)));
  }

  private check(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.size) fail('PROOF_INVALID', `tree has ${this.size} records, not ${n}`);
  }
}

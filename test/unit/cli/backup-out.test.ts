import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archivePath } from '../../../cli/commands/backup.js';
import { EXIT } from '../../../cli/io.js';
import { tempDir } from '../../helpers/consortium.js';

const dir = tempDir('tongban-backup-out-');
afterAll(() => dir.cleanup());
const NOW = Date.UTC(2026, 10, 29, 13, 5, 0);

describe('tongban backup --out', () => {
  it('a directory: the archive gets its name in it', () => {
    mkdirSync(join(dir.path, 'backups'));
    expect(archivePath(join(dir.path, 'backups/'), 'bj-haidian', NOW)).toBe(join(dir.path, 'backups', 'tongban-bj-haidian-20261129T130500Z.tbbackup'));
  });

  it('a directory with a trailing slash that does not exist is refused (exit 6), not written as a file of that name', () => {
    expect(() => archivePath(join(dir.path, 'missing/'), 'bj-haidian', NOW)).toThrow(
      expect.objectContaining({ exitCode: EXIT.IO, message: expect.stringMatching(/missing does not exist \(create it first\)/) }),
    );
  });

  it('a file name: as given; an existing file is refused', () => {
    expect(archivePath(join(dir.path, 'b.tbbackup'), 'bj-haidian', NOW)).toBe(join(dir.path, 'b.tbbackup'));
    writeFileSync(join(dir.path, 'taken.tbbackup'), '');
    expect(() => archivePath(join(dir.path, 'taken.tbbackup'), 'bj-haidian', NOW)).toThrow(/exists; give a new file name or a directory/);
  });
});

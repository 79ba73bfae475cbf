import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { NodeApi } from './ports.js';
import { ErrorBody } from './errors.js';
import { binaryResponse } from './schemas.js';

/**
 * Operations routes under /v1/admin/ (an admin scope, where API tokens are configured, covers them).
 * GET /v1/admin/backup streams the whole store as one backup archive (ledger/backup.ts): one LevelDB
 * snapshot, so it is consistent while the node keeps writing; `tongban backup` checks it on arrival.
 */
export async function adminRoutes(app: FastifyInstance, node: NodeApi): Promise<void> {
  app.get(
    '/v1/admin/backup',
    {
      schema: {
        summary: 'A consistent backup archive of the whole store (tongban-backup/1), taken while the node runs',
        response: { 200: binaryResponse('application/octet-stream', 'the archive: magic, JSON header, entries, count, SHA-256 (README "Backup and restore")'), 500: ErrorBody },
      },
      config: { rateLimit: { max: 6, timeWindow: '1 minute' } },
    },
    async (_req, reply) => {
      const member = node.ledger.self?.id ?? 'store';
      const stamp = new Date(node.ledger.now())
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      node.log.info({ member }, 'backup requested: streaming the store');
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="tongban-${member}-${stamp}.tbbackup"`)
        .send(Readable.from(node.ledger.backup(), { objectMode: false }));
    },
  );
}

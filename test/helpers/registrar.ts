import { publicKeyOf } from '../../protocol/crypto.js';
import { submission } from './consortium.js';
import type { TestNet } from './network.js';

const reg = new Uint8Array(32).fill(0x31);

/** Member i's registrar li.na on a test network: enrol it once, then register document k (doc bytes all k). */
export function registrar(t: TestNet, i: number) {
  const m = t.members[i]!;
  return {
    enrol: () => t.nodes[i]!.ledger.append(submission(t.net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'li.na', key: publicKeyOf(reg), roles: ['registrar'], active: true })),
    register: (k: number) => t.nodes[i]!.ledger.append(submission(t.net, m.id, 'li.na', reg, 'doc.register', { doc: new Uint8Array(32).fill(k & 255), type: `t${k}`, class: 'public' })),
  };
}

import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { buildConfig, configId, createJoinRequest, encodeConfig, parseJoinRequest } from '../../../protocol/config/index.js';
import { TongbanNode } from '../../../node/node.js';
import { CONSORTIUM, submission, tempDir, testMember } from '../../helpers/consortium.js';
import { dialable, testNet, until, type TestNet } from '../../helpers/network.js';

let t: TestNet | undefined;
const extra: { stop: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const x of extra.splice(0)) await x.stop();
  await t?.close();
  t = undefined;
});

describe('governance over the network', () => {
  it('a fourth member joins through a join request and two approvals, replicates everything, and its records become final', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    for (const i of [0, 1, 2]) await until(() => t!.nodes[i]!.ledger.size(t!.members[i]!.id) === 1, 10_000, 'first admins');
    const D = testMember(3);
    // the newcomer's join request file, as `tongban init` writes it
    const request = createJoinRequest({ consortium: CONSORTIUM, id: D.id, name: '广东省广州市', region: D.region, addrs: [], roles: ['author', 'witness'] }, D.seed, D.peerSeed);
    const joiner = parseJoinRequest(JSON.stringify(request)).member;
    // member 0 proposes epoch 1 with the newcomer
    const n0 = t.nodes[0]!;
    const cfg1 = buildConfig({ consortium: CONSORTIUM, epoch: 1, prev: t.net, members: [...n0.ledger.config.members, joiner] });
    const bytes = encodeConfig(cfg1);
    const id = configId(bytes);
    const M = t.members;
    await n0.ledger.append(submission(t.net, M[0]!.id, 'admin', M[0]!.adminSeed, 'gov.propose', { config: bytes }));
    await until(async () => !!(await t!.nodes[1]!.ledger.governance.proposal(id))?.config, 10_000, 'proposal replicated');
    for (const i of [0, 1]) {
      const n = t.nodes[i]!;
      const sig = await n.ledger.governance.signApproval(id);
      await n.ledger.append(submission(t.net, M[i]!.id, 'admin', M[i]!.adminSeed, 'gov.approve', { config: id, sig }));
    }
    await until(() => t!.nodes.every((n) => n!.ledger.epoch === 1), 15_000, 'epoch 1 adopted everywhere');
    // the newcomer starts from the genesis and a peer address, learns the chain, finds itself admitted
    const dir = tempDir();
    const d = await TongbanNode.start({
      dataDir: dir.path,
      genesis: t.genesis,
      memberId: D.id,
      ledgerSeed: D.seed,
      peerSeed: D.peerSeed,
      // listens on port 0 and dials the members where they listen (its config entry carries no address)
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [t.nodes[0]!.addresses()[0]!],
      peerAddrs: Object.fromEntries(M.map((m, i) => [m.id, dialable(t!.nodes[i]!)])),
      firstAdmin: { id: 'admin', key: publicKeyOf(D.adminSeed), roles: ['admin'], active: true },
      logger: pino({ level: 'silent' }),
      options: { antiEntropyMs: 1000 },
    });
    extra.push({
      stop: async () => {
        await d.stop();
        dir.cleanup();
      },
    });
    await until(() => d.ledger.epoch === 1 && d.ledger.size(D.id) === 1, 20_000, 'newcomer admitted');
    await until(() => M.every((m, i) => d.ledger.size(m.id) === t!.nodes[i]!.ledger.size(m.id)), 20_000, 'newcomer replicated all logs');
    await until(() => d.ledger.finalSize(D.id) === 1 && t!.nodes[0]!.ledger.finalSize(D.id) === 1, 20_000, 'newcomer records final');
    expect(d.ledger.config.quorum.witness).toBe(3);
  }, 90_000);
});

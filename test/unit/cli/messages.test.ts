import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyReport } from '../../../protocol/bundle/verify.js';
import { formatCaseBundle } from '../../../cli/commands/case-report.js';
import { formatReport } from '../../../cli/commands/verify.js';
import { msg } from '../../../cli/messages.js';
import { humanTime, jsonTime } from '../../../cli/time.js';

afterEach(() => vi.unstubAllEnvs());
const zh = () => {
  vi.stubEnv('LANG', 'zh_CN.UTF-8');
  vi.stubEnv('LC_ALL', '');
  vi.stubEnv('LC_MESSAGES', '');
};

describe('the message catalogue and China Standard Time', () => {
  it('shows times in China Standard Time with the offset written', () => {
    const t = Date.parse('2026-11-20T16:30:05.123Z');
    expect(humanTime(t)).toBe('2026-11-21 00:30:05+08:00');
    expect(jsonTime(t)).toBe('2026-11-21T00:30:05.123+08:00');
  });

  it('says the verdict lines in the locale language; codes stay as they are', () => {
    const r = {
      ...emptyReport('ab'.repeat(32), 'cd'.repeat(32), 'sound', { outcome: 'pending' as const, why: 'no approval yet', records: [] }),
      outcome: 'pending' as const,
      asOf: Date.parse('2026-11-20T00:00:00Z'),
    };
    expect(formatReport(r)).toMatch(/\nproofs: {3}SOUND \(as of 2026-11-20 08:00:00\+08:00\)\ndecision: PENDING: no approval yet$/);
    zh();
    expect(formatReport(r)).toMatch(/\n证明： {4}可靠（截至 2026-11-20 08:00:00\+08:00）\n结论： {4}待定（PENDING）：no approval yet$/);
    expect(formatCaseBundle({ case: 'ef'.repeat(32), proofs: 'unsound', problems: [{ code: 'PROOF', message: 'x' }], report: null, checkpointsAsOf: null, provenTo: null } as never)).toMatch(
      /\n证明：不可靠（1 个问题）$/,
    );
  });

  it('says refusals with a Chinese reading of known codes, the node message for the rest', () => {
    expect(msg('refused', 'ACTOR_INACTIVE', 'actor li.na is disabled')).toBe('node refused: ACTOR_INACTIVE: actor li.na is disabled');
    zh();
    expect(msg('refused', 'ACTOR_INACTIVE', 'actor li.na is disabled')).toBe('节点拒绝：ACTOR_INACTIVE：该经办人已停用');
    expect(msg('refused', 'SOMETHING_NEW', 'what the node said', 'ab12')).toBe('节点拒绝：SOMETHING_NEW：what the node said（已生效的记录：ab12）');
  });
});

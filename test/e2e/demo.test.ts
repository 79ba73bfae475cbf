import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';

// `npm start -- --once`: the testnet demo through the real `tongban` binary, both stories (the document and the
// 异地代收代办 case), exit 0 only if both verified.
const MAIN = fileURLToPath(new URL('../../dist/testnet/main.js', import.meta.url));
const dir = tempDir('tongban-demo-');

afterAll(() => dir.cleanup());

function runOnce(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start -- --once (the testnet demo)', () => {
  it('tells the document story and the 异地代收代办 case story (and a second case red as of later) and exits 0 only when both verified', async () => {
    const r = await runOnce(['--once', '--nodes', '3', '--dir', join(dir.path, 'tn')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verdict: VERIFIED/m);
    // the case story: receipt slip, every step, the bilingual report, the offline verification at the third node
    expect(r.stdout).toMatch(/受理回执 \/ applicant receipt slip/);
    expect(r.stdout).toMatch(/^ +serial +ZZ-\d{8}-\d{6}$/m);
    for (const label of ['收件 opened', '移交 handed over', '签收 received', '受理 accepted', '计时 clock', '审批环节 step', '办结 closed', '送达 delivered', '评价 rated', '监察 supervised'])
      expect(r.stdout).toContain(label);
    expect(r.stdout).toMatch(/action=pause reason=inspection/);
    expect(r.stdout).toMatch(/step=undertake[\s\S]*step=review[\s\S]*step=approve/);
    expect(r.stdout).toMatch(/result=issued license=110108-\d{4}-\d{6}/);
    expect(r.stdout).toMatch(/sh-pudong\/gao\.yan +action=claim/);
    expect(r.stdout).toMatch(/状态 state: +CLOSED \(issued\)/);
    expect(r.stdout).toMatch(/ha-zhengzhou -> bj-haidian \(handle, post\) 签收 received/);
    expect(r.stdout).toMatch(/bj-haidian -> ha-zhengzhou \(return, network\) 签收 received/);
    expect(r.stdout).toMatch(/^ +proofs: SOUND/m);
    expect(r.stdout).toMatch(/^ +case: +CLOSED \(issued\)/m);
    // the second case, left open, evaluated 30 days later: red
    expect(r.stdout).toMatch(/^10\. A second case .* left open; Pudong evaluates it as of /m);
    expect(r.stdout).toMatch(/状态 state IN-PROGRESS, .*信号灯 light RED, 超期 overdue \d+ day\(s\)/);
    expect(r.stdout).toMatch(/^case verdict: VERIFIED$/m);
  }, 300_000);
});

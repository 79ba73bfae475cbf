import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/consortium.js';
import { BIN, stopProcess, tongban, type Run } from '../helpers/cli.js';

/**
 * Officials' lifecycle from the CLI (README "Officials"), and the CLI in
 * Chinese under LANG=zh_CN.UTF-8: one member that witnesses itself, a real
 * node process.
 */
const dir = tempDir('tongban-e2e-officials-');
const cwd = dir.path;
const ZH = { LANG: 'zh_CN.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
let node: ChildProcess | undefined;

const run = (args: string[], env?: NodeJS.ProcessEnv): Run => tongban(args, cwd, env);
function ok(args: string[], env?: NodeJS.ProcessEnv): string {
  const r = run(args, env);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const home = ['--home', 'bj'];
const admin = ['--actor', 'bj/keys/admin.key'];

beforeAll(async () => {
  ok(['init', ...home, '--consortium', 'solo.gov.example', '--id', 'bj-haidian', '--name', '北京市海淀区', '--region', '110108', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']);
  ok(['consortium', 'create', '--out', 'genesis.cbor', 'bj/join-request.json']);
  // the only member: nobody else holds its log, so it starts alone
  node = spawn(process.execPath, [BIN, 'start', ...home, '--genesis', 'genesis.cbor', '--accept-empty-log'], { cwd, stdio: 'ignore' });
  ok(['status', ...home, '--wait-ready', '60']);
  for (const f of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) writeFileSync(join(cwd, f), `document ${f}\n`);
}, 90_000);
afterAll(async () => {
  if (node) await stopProcess(node);
  dir.cleanup();
});

describe('tongban operator', () => {
  it('keygen, add --public, list, disable, enable, rotate; re-adding is refused; earlier records still verify', () => {
    // the official makes the key; the admin receives only the public part
    const kg = ok(['operator', 'keygen', '--id', 'li.na', '--out', 'li.na.key']);
    expect(kg).toMatch(/li\.na\.public\.json/);
    expect(statSync(join(cwd, 'li.na.key')).mode & 0o777).toBe(0o600);
    const req = JSON.parse(readFileSync(join(cwd, 'li.na.public.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(req).sort()).toEqual(['id', 'key', 'type']);
    expect(req).toMatchObject({ type: 'tongban-actor-request/v1', id: 'li.na', key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // a private key file is never accepted as an enrolment request
    const priv = run(['operator', 'add', ...home, '--public', 'li.na.key', '--roles', 'registrar', ...admin]);
    expect([priv.code, priv.stderr]).toEqual([2, expect.stringMatching(/holds a private key/)]);

    expect(ok(['operator', 'add', ...home, '--public', 'li.na.public.json', '--roles', 'registrar', ...admin])).toMatch(/^added li\.na \(registrar\) as bj-haidian\/1\nrecord [0-9a-f]{64}\n$/);
    // re-adding the id with another key never rotates it
    ok(['operator', 'keygen', '--id', 'li.na', '--out', 'li.na-2.key']);
    const again = run(['operator', 'add', ...home, '--public', 'li.na-2.public.json', '--roles', 'registrar', ...admin]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/li\.na is enrolled already: re-adding never changes a key/)]);

    const list = JSON.parse(ok(['operator', 'list', ...home, '--json'])) as { member: string; actors: { id: string; active: boolean; key: string; since: string }[] };
    expect(list.member).toBe('bj-haidian');
    expect(list.actors.map((a) => [a.id, a.active])).toEqual([
      ['admin', true],
      ['li.na', true],
    ]);
    expect(list.actors[1]).toMatchObject({ key: req.key, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/) });
    expect(ok(['operator', 'list', ...home])).toMatch(/\nli\.na +registrar +active +[0-9a-f]{16} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00\n/);

    ok(['doc', 'register', 'a.txt', ...home, '--actor', 'li.na.key', '--type', 'permit', '--wait', 'final']);
    expect(ok(['operator', 'disable', 'li.na', ...home, ...admin])).toMatch(/^li\.na: disabled as bj-haidian\/\d+\n/);
    expect(ok(['operator', 'list', ...home])).toMatch(/\nli\.na +registrar +disabled /);
    const refused = run(['doc', 'register', 'b.txt', ...home, '--actor', 'li.na.key', '--type', 'permit']);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/node refused: ACTOR_INACTIVE: /)]);
    const twice = run(['operator', 'disable', 'li.na', ...home, ...admin]);
    expect([twice.code, twice.stderr]).toEqual([2, expect.stringMatching(/li\.na is disabled already/)]);
    // the last active admin cannot be disabled, nor lose the admin role: nobody could enrol anyone again
    const last = run(['operator', 'disable', 'admin', ...home, ...admin]);
    expect([last.code, last.stderr]).toEqual([2, expect.stringMatching(/admin is the last active admin/)]);
    const demote = run(['operator', 'roles', 'admin', ...home, '--roles', 'registrar', ...admin]);
    expect([demote.code, demote.stderr]).toEqual([2, expect.stringMatching(/admin is the last active admin/)]);

    ok(['operator', 'enable', 'li.na', ...home, ...admin]);
    const rotated = ok(['operator', 'rotate', 'li.na', ...home, '--public', 'li.na-2.public.json', ...admin]);
    expect(rotated).toMatch(/^li\.na: key rotated to [0-9a-f]{16} as bj-haidian\/\d+\n/);
    const stale = run(['doc', 'register', 'b.txt', ...home, '--actor', 'li.na.key', '--type', 'permit']);
    expect([stale.code, stale.stderr]).toEqual([2, expect.stringMatching(/node refused: ACTOR_SIGNATURE: /)]);
    ok(['doc', 'register', 'b.txt', ...home, '--actor', 'li.na-2.key', '--type', 'permit']);
    expect(ok(['operator', 'roles', 'li.na', ...home, '--roles', 'approver,registrar', ...admin])).toMatch(/^li\.na: roles set to approver, registrar as /);
    expect(ok(['operator', 'list', ...home])).toMatch(/\nli\.na +approver,registrar +active /);
    // a rotation request for another id is refused before anything is sent
    const wrong = run(['operator', 'rotate', 'admin', ...home, '--public', 'li.na-2.public.json', ...admin]);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/is the request of li\.na, not admin/)]);

    // signed before the disable and the rotation, still sound; times in China Standard Time
    const v = run(['verify', 'a.txt', ...home]);
    expect(v.code, v.stderr).toBe(1); // registered, no approval: pending
    expect(v.stdout).toMatch(
      /^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00 .* bj-haidian\/li\.na \[registrar\] +registered the document +\[final, 1\/1 witnesses, witnessed \S+ \d\d:\d\d:\d\d\+08:00\]$/m,
    );
    expect(v.stdout).toMatch(/^proofs: +SOUND \(as of .*\+08:00, proven to .*\+08:00\)\ndecision: PENDING: /m);
  }, 120_000);
});

describe('the CLI in Chinese (LANG=zh_CN.UTF-8)', () => {
  it('usage errors, refusals, verdicts and help in Chinese; codes and exit codes unchanged', () => {
    const usage = run(['operator', 'add', ...home], ZH);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/^错误：缺少必需的选项 --roles <roles>\n（见 tongban --help）/)]);
    const unknown = run(['operator', 'fire', 'li.na'], ZH);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/^错误：未知命令 fire/)]);

    ok(['operator', 'disable', 'li.na', ...home, ...admin], ZH);
    const refused = run(['doc', 'register', 'c.txt', ...home, '--actor', 'li.na-2.key', '--type', 'permit'], ZH);
    expect([refused.code, refused.stderr]).toEqual([2, 'tongban: 节点拒绝：ACTOR_INACTIVE：该经办人已停用\n']);
    const again = run(['operator', 'disable', 'li.na', ...home, ...admin], ZH);
    expect([again.code, again.stderr]).toEqual([2, 'tongban: li.na 已经是已停用状态\n']);
    expect(ok(['operator', 'list', ...home], ZH)).toMatch(/^经办人 +角色 +状态 +公钥 +生效时间\n[\s\S]*\nli\.na +approver,registrar +已停用 /);

    const v = run(['verify', 'a.txt', ...home], ZH);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^证明： +可靠（截至 .*\+08:00, 已证明至 .*\+08:00）\n结论： +待定（PENDING）：/m);
    const noAnchor = run(['verify', 'a.txt', '--node', 'http://127.0.0.1:1'], ZH);
    expect([noAnchor.code, noAnchor.stderr]).toEqual([2, 'tongban: 请指定信任锚：--genesis genesis.cbor 或 --net 网络标识\n']);

    const help = ok(['--help'], ZH);
    expect(help).toMatch(/operator +本成员的经办人（actor）/);
    expect(help).toMatch(/退出码：\n {2}0 {2}成功/);
    expect(ok(['operator', 'rotate', '--help'], ZH)).toMatch(/用新的登记申请（--public）轮换经办人的密钥/);
    // English stays the default (the tests' locale is C.UTF-8)
    expect(ok(['--help'])).toMatch(/Exit codes:\n {2}0 {2}success/);
  }, 60_000);

  it('an unreachable node is said in Chinese, exit 3', async () => {
    const url = readFileSync(join(cwd, 'bj/run/api.url'), 'utf8').trim();
    await stopProcess(node!);
    node = undefined;
    const r = run(['operator', 'list', '--node', url], ZH);
    expect([r.code, r.stderr]).toEqual([3, expect.stringMatching(new RegExp(`^tongban: 无法连接节点 ${url.replace(/[.]/g, '\\.')}：`))]);
  }, 30_000);
});

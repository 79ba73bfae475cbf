/**
 * The CLI's message catalogue: every message a person reads in both languages,
 * in one place. The language comes from the locale variables as POSIX orders
 * them (LC_ALL, then LC_MESSAGES, then LANG; empty counts as unset): `zh*` is
 * Chinese, anything else English. Codes (ACTOR_EXISTS, exit codes) and
 * --json output never change with the language: scripts read those.
 */
export type Lang = 'en' | 'zh';

export function langOf(env: NodeJS.ProcessEnv = process.env): Lang {
  const v = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(v) ? 'zh' : 'en';
}

type Text = (...a: never[]) => string;
type Entry = { en: Text; zh: Text };

const s = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

const CATALOGUE = {
  // errors: prefixes, usage, reaching the node, refusals
  prefix: { en: () => 'tongban', zh: () => 'tongban' },
  internal: { en: (m: string) => `internal error: ${m} (run with --debug for details)`, zh: (m: string) => `内部错误：${m}（加 --debug 查看详情）` },
  seeHelp: { en: () => '(see tongban --help)', zh: () => '（见 tongban --help）' },
  unreachable: { en: (url: string, why: string) => `node at ${url} is unreachable: ${why}`, zh: (url: string, why: string) => `无法连接节点 ${url}：${why}` },
  notRunning: { en: (home: string, file: string) => `the node of ${home} is not running (no ${file})`, zh: (home: string, file: string) => `${home} 的节点未在运行（没有 ${file}）` },
  notReady: {
    en: (who: string, sec: number, why: string) => `the node ${who} did not become ready within ${sec} s: ${why}`,
    zh: (who: string, sec: number, why: string) => `节点 ${who} 在 ${sec} 秒内未就绪：${why}`,
  },
  refused: {
    en: (code: string, message: string, standing?: string) => `node refused: ${code}: ${message}${standing ? ` (the record that stands: ${standing})` : ''}`,
    zh: (code: string, message: string, standing?: string) => `节点拒绝：${code}：${REFUSAL_ZH[code] ?? message}${standing ? `（已生效的记录：${standing}）` : ''}`,
  },
  giveTarget: { en: () => 'give --home DIR or --node URL', zh: () => '请指定 --home 目录 或 --node 地址' },
  notHome: {
    en: (home: string) => `${home} is not a tongban home (no node.yaml); create one with tongban init`,
    zh: (home: string) => `${home} 不是 tongban 节点目录（没有 node.yaml）；请用 tongban init 创建`,
  },
  giveActor: { en: () => "give --actor ACTOR.key (the official's key file)", zh: () => '请用 --actor 指定经办人的密钥文件' },
  nameDocument: { en: () => 'name the document (FILE or SHA256), or give --bundle', zh: () => '请指定文件（或其 SHA-256），或用 --bundle 指定证明包' },
  notDocument: { en: (arg: string) => `${arg} is neither a file nor a 64-hex-digit SHA-256`, zh: (arg: string) => `${arg} 既不是文件，也不是 64 位十六进制的 SHA-256` },
  giveAnchor: { en: () => 'give the trust anchor: --genesis genesis.cbor or --net NETWORK_ID', zh: () => '请指定信任锚：--genesis genesis.cbor 或 --net 网络标识' },
  // commander's usage errors, by commander's code; `what` is the option, argument or command it names
  'commander.unknownOption': { en: (what: string) => `unknown option ${what}`, zh: (what: string) => `未知选项 ${what}` },
  'commander.unknownCommand': { en: (what: string) => `unknown command ${what}`, zh: (what: string) => `未知命令 ${what}` },
  'commander.missingMandatoryOptionValue': { en: (what: string) => `required option ${what} not specified`, zh: (what: string) => `缺少必需的选项 ${what}` },
  'commander.missingArgument': { en: (what: string) => `missing required argument ${what}`, zh: (what: string) => `缺少必需的参数 ${what}` },
  'commander.optionMissingArgument': { en: (what: string) => `option ${what} argument missing`, zh: (what: string) => `选项 ${what} 缺少取值` },
  'commander.excessArguments': { en: (what: string) => `too many arguments${what ? ` (${what})` : ''}`, zh: (what: string) => `参数过多${what ? `（${what}）` : ''}` },
  'commander.invalidArgument': { en: (what: string) => `invalid value ${what}`, zh: (what: string) => `取值无效 ${what}` },
  usageError: { en: (m: string) => `error: ${m}`, zh: (m: string) => `错误：${m}` },
  // verify verdicts
  proofsSound: { en: (times: string) => `proofs:   SOUND${times ? ` (${times})` : ''}`, zh: (times: string) => `证明：    可靠${times ? `（${times}）` : ''}` },
  proofsUnsound: { en: (n: number) => `proofs:   UNSOUND (${n} ${s(n, 'problem')})`, zh: (n: number) => `证明：    不可靠（${n} 个问题）` },
  asOf: { en: (t: string) => `as of ${t}`, zh: (t: string) => `截至 ${t}` },
  provenTo: { en: (t: string) => `proven to ${t}`, zh: (t: string) => `已证明至 ${t}` },
  decision: {
    en: (outcome: string, why: string) => `decision: ${outcome.toUpperCase()}: ${why}`,
    zh: (outcome: string, why: string) => `结论：    ${OUTCOME_ZH[outcome] ?? outcome}（${outcome.toUpperCase()}）：${why}`,
  },
  caseProofsSound: {
    en: (times: string) => `proofs: SOUND${times ? ` (${times}; a bundle cannot prove that nothing happened after it)` : ''}`,
    zh: (times: string) => `证明：可靠${times ? `（${times}；证明包无法证明其后没有发生任何事）` : ''}`,
  },
  caseProofsUnsound: { en: (n: number) => `proofs: UNSOUND (${n} ${s(n, 'problem')})`, zh: (n: number) => `证明：不可靠（${n} 个问题）` },
  checkpointsAsOf: { en: (t: string) => `checkpoints as of ${t}`, zh: (t: string) => `检查点截至 ${t}` },
  decisionUnsound: {
    en: (outcome: string) => `decision: not established (the proofs are unsound); the entries that verified say ${outcome.toUpperCase()}`,
    zh: (outcome: string) => `结论：    无法确定（证明不可靠）；通过验证的条目显示为 ${outcome.toUpperCase()}`,
  },
  // exit codes (README "Exit codes"), shown at the end of --help
  exitCodes: {
    en: () =>
      'Exit codes:\n  0  success (verify: sound and approved)\n  1  sound, but the document or case does not stand (rejected, revoked, pending, overdue, not found)\n  2  usage or config error\n  3  node unreachable\n  4  internal error\n  5  proofs unsound, or audit found problems\n  6  a file could not be read or written\n  7  the store is missing or damaged',
    zh: () =>
      '退出码：\n  0  成功（verify：证明可靠且已批准）\n  1  证明可靠，但文件或办件不成立（被驳回、撤销、待定、超期、未找到）\n  2  用法或配置错误\n  3  无法连接节点\n  4  内部错误\n  5  证明不可靠，或审计发现问题\n  6  无法读写文件\n  7  存储缺失或损坏',
  },
  // officials (tongban operator)
  keygenDone: {
    en: (id: string, key: string, req: string) => `key of ${id} in ${key} (mode 0600: keep it, never hand it over)\nenrolment request (public part only) in ${req}: give it to your admin\n`,
    zh: (id: string, key: string, req: string) => `${id} 的私钥已写入 ${key}（权限 0600：请妥善保管，切勿交给他人）\n登记申请（仅含公钥）已写入 ${req}：请交给管理员\n`,
  },
  operatorAdded: {
    en: (id: string, roles: string, at: string, record: string) => `added ${id} (${roles}) as ${at}\nrecord ${record}\n`,
    zh: (id: string, roles: string, at: string, record: string) => `已登记 ${id}（${roles}），记录位置 ${at}\n记录 ${record}\n`,
  },
  operatorKeyIn: { en: (file: string) => `key in ${file}\n`, zh: (file: string) => `私钥在 ${file}\n` },
  operatorChanged: {
    en: (id: string, what: string, at: string, record: string) => `${id}: ${what} as ${at}\nrecord ${record}\n`,
    zh: (id: string, what: string, at: string, record: string) => `${id}：${what}，记录位置 ${at}\n记录 ${record}\n`,
  },
  disabled: { en: () => 'disabled', zh: () => '已停用' },
  enabled: { en: () => 'enabled', zh: () => '已启用' },
  rotated: { en: (key: string) => `key rotated to ${key}`, zh: (key: string) => `密钥已轮换为 ${key}` },
  rolesSet: { en: (roles: string) => `roles set to ${roles}`, zh: (roles: string) => `角色已改为 ${roles}` },
  active: { en: () => 'active', zh: () => '在用' },
  operatorHeader: {
    en: () => 'id                  roles                          state     key               since',
    zh: () => '经办人              角色                           状态      公钥              生效时间',
  },
  noOperators: { en: (member: string) => `${member} has no officials enrolled`, zh: (member: string) => `${member} 尚未登记经办人` },
  operatorExists: {
    en: (id: string) => `${id} is enrolled already: re-adding never changes a key (use tongban operator rotate, enable or disable)`,
    zh: (id: string) => `${id} 已登记：重复登记不会更换密钥（请用 tongban operator rotate、enable 或 disable）`,
  },
  operatorUnknown: { en: (id: string, member: string) => `${id} is not an official of ${member}`, zh: (id: string, member: string) => `${id} 不是 ${member} 的经办人` },
  operatorAlready: { en: (id: string, state: string) => `${id} is ${state} already`, zh: (id: string, state: string) => `${id} 已经是${state}状态` },
  lastAdmin: {
    en: (id: string) => `${id} is the last active admin: without it nobody could enrol or change officials`,
    zh: (id: string) => `${id} 是最后一个在用的管理员：没有它将无人能登记或变更经办人`,
  },
  publicInvalid: {
    en: (file: string, why: string) => `${file} is not an enrolment request (${why}); an official makes one with tongban operator keygen`,
    zh: (file: string, why: string) => `${file} 不是登记申请（${why}）；经办人可用 tongban operator keygen 生成`,
  },
  publicIdMismatch: {
    en: (file: string, id: string, want: string) => `${file} is the request of ${id}, not ${want}`,
    zh: (file: string, id: string, want: string) => `${file} 是 ${id} 的登记申请，不是 ${want} 的`,
  },
  exists: { en: (file: string) => `${file} exists already; not overwriting a key`, zh: (file: string) => `${file} 已存在；不会覆盖密钥` },
} satisfies Record<string, Entry>;

/** Chinese for the refusal codes people meet most; the node's English message stands for the rest. */
const REFUSAL_ZH: Record<string, string> = {
  ACTOR_EXISTS: '该经办人已登记；重复登记不会更换密钥（请用 operator rotate、enable 或 disable）',
  ACTOR_PREV: '该经办人的登记已被他人变更，请重新查看后再操作',
  ACTOR_INACTIVE: '该经办人已停用',
  ACTOR_UNKNOWN: '该经办人未在本节点登记',
  ACTOR_SIGNATURE: '经办人签名无效（密钥不符或已轮换）',
  ACTOR_ROLE: '经办人没有此操作所需的角色',
  ACTOR_KEY_TAKEN: '该公钥已登记给本节点的另一经办人',
  DUPLICATE: '重复操作：相同的记录已生效',
  DECIDED: '该环节已作出其他决定',
  DOC_REVOKED: '该文件登记已被撤销',
  REF_UNKNOWN: '引用的登记记录在本节点不存在',
  NOT_FOUND: '未找到',
  NONCE_REPLAYED: '请求重放：该随机数已使用',
  WRONG_AUTHOR: '请求不属于本节点',
};

const OUTCOME_ZH: Record<string, string> = { approved: '已批准', rejected: '已驳回', revoked: '已撤销', pending: '待定', conflict: '冲突', 'not-found': '未找到' };

export type MessageKey = keyof typeof CATALOGUE;

/** The message `key` in the user's language. */
export function msg<K extends MessageKey>(key: K, ...args: Parameters<(typeof CATALOGUE)[K]['en']>): string {
  const e = CATALOGUE[key] as Entry;
  return (e[langOf()] as (...a: unknown[]) => string)(...args);
}

/** Whether the catalogue has a message for `key` (commander's error codes). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(CATALOGUE, key);
}

/**
 * Help summaries in Chinese, by command path; English is what cli/main.ts
 * says. A command another part adds later shows its English summary until it
 * gets a line here.
 */
export const HELP_ZH: Record<string, string> = {
  '': '通办：跨地区政务服务的见证式审计账本',
  init: '创建节点目录：密钥（0600）、node.yaml 和 join-request.json',
  consortium: '联盟设立',
  'consortium create': '用创始成员的加入申请写出第 0 纪元配置（genesis.cbor），并打印网络标识',
  start: '在前台运行节点（Ctrl-C 或 SIGTERM 干净地停止）',
  operator: '本成员的经办人（actor）',
  'operator keygen': '经办人自己生成密钥（0600），只把公钥部分（登记申请）交给管理员',
  'operator add': '登记经办人：用其登记申请（--public），写一条 org.actor 记录',
  'operator list': '本成员的经办人：角色、状态、公钥和生效时间',
  'operator disable': '停用经办人（其后的请求一律拒绝；此前的记录仍可验证）',
  'operator enable': '重新启用已停用的经办人',
  'operator rotate': '用新的登记申请（--public）轮换经办人的密钥；旧密钥此后失效',
  'operator roles': '更改经办人的角色',
  doc: '文件：登记、批准、驳回、撤销、共享、使用',
  'doc register': '在本机计算文件哈希（文件不离开本机）并登记',
  'doc approve': '在某环节批准已登记的文件',
  'doc reject': '在某环节驳回已登记的文件',
  'doc revoke': '撤销本成员的登记',
  'doc share': '授权另一成员使用该文件',
  'doc access': '记录本成员使用了该文件',
  verify: '在本地验证文件来源（来自节点的证明包，或用 --bundle 完全离线）：证明是否可靠，结论是什么；退出码见下',
  bundle: '导出文件的证明包，可同时导出 C2SP .tlog-proof 文件',
  case: '办件：受理和办理、节点上的报告和列表、办件证明包（CASES.md）',
  'case show': '办件报告：状态、灯色、时限计算、时间线、流转和预警',
  'case list': '节点上的办件，按受理先后；筛选条件可组合',
  'case bundle': '下载办件证明包以便离线验证',
  'case verify': '离线验证办件证明包并打印办件报告',
  governance: '成员变更：提议、批准、状态',
  'governance propose': '提议下一纪元：增删成员或设置工作日历',
  'governance approve': '批准提议（每个成员每纪元至多签一个）',
  'governance status': '纪元、成员、法定数和待决提议',
  status: '本节点：纪元、对等节点、引导地址、各日志的长度和已终局长度',
  audit: '离线只读地重新验证整个存储',
  keys: '本成员的密钥',
  'keys show': '只显示公钥部分：vkey、副署密钥、peer id、首位管理员',
  'keys rotate': '生成新的账本密钥和节点密钥（0600）及轮换申请，供 governance propose --rotate 使用',
  backup: '存储的一致性备份归档：运行中的节点经其 API（一个快照），停止的节点读其文件；命名前端到端校验',
  restore: '从备份归档恢复存储（先校验、审计，旧存储移到一旁）；恢复后节点先从其他成员取回本成员日志',
  doctor: '检查节点目录及其节点：配置、密钥权限、创世、时钟、对等节点、端口、磁盘、证书；每项附修复办法',
  token: '本节点供本地系统使用的 API 令牌（README “Securing the API”）',
  'token create': '创建 API 令牌，只打印一次（只保存其 SHA-256）',
  'token list': '令牌的名称、权限范围和创建时间（从不显示令牌本身）',
  'token revoke': '按名称吊销令牌；运行中的节点从下一个请求起拒绝它',
};

/** Descriptions of options many commands share, used where a command gives none. */
export const COMMON_OPTIONS: Record<string, Entry> = {
  '--json': { en: () => 'machine-readable output (JSON; times as ISO 8601 with +08:00 where the CLI writes them)', zh: () => '机器可读输出（JSON）' },
  '--home': { en: () => 'node home (node.yaml)', zh: () => '节点目录（含 node.yaml）' },
  '--node': { en: () => 'node API URL instead of --home', zh: () => '节点 API 地址（代替 --home）' },
  '--actor': { en: () => "the official's key file", zh: () => '经办人的密钥文件' },
  '--help': { en: () => 'display help for command', zh: () => '显示命令帮助' },
  '--version': { en: () => 'output the version number', zh: () => '显示版本号' },
  '--note': { en: () => 'a free-text note on the record', zh: () => '记录上的备注' },
  '--debug': { en: () => 'print stack traces of errors', zh: () => '出错时打印调用栈' },
};

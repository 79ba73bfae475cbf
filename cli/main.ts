#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { useCompileCache } from './compile-cache.js';
import { CliError, EXIT } from './io.js';
import { localizeHelp } from './help.js';
import { msg } from './messages.js';
import { VERSION } from '../protocol/constants.js';

// Commands load their modules lazily: `verify --bundle` must not load libp2p, fastify or LevelDB.
let exitCode: number = EXIT.OK;
const set = (code: number | undefined) => {
  if (typeof code === 'number') exitCode = code;
};

const target = (c: Command) =>
  c
    .option('--home <dir>', 'node home (node.yaml)')
    .option('--node <url>', 'node API URL instead of --home')
    .option('--token <token>', 'API token (else env TONGBAN_TOKEN, else HOME/client.token)')
    .option('--ca <file>', 'PEM CA certificate to trust for an https node (else env TONGBAN_CA, else node.yaml http.tls.ca or http.tls.cert)');
/** Write commands: wait for the record's state (README "Record states"). */
const waits = (c: Command) =>
  c.option('--wait <state>', 'return once the record is durable, replicated or final').option('--wait-timeout <ms>', 'longest wait (default 30000); then it returns with the current state');
const example = (c: Command, text: string) => c.addHelpText('after', `\nExample:\n  ${text}`);

function addInit(program: Command): void {
  example(
    program
      .command('init')
      .description('create a node home: keys (0600), node.yaml and join-request.json')
      .requiredOption('--home <dir>', 'new home folder')
      .requiredOption('--consortium <name>', 'consortium name, e.g. crossprov.gov.example')
      .requiredOption('--id <id>', 'member id, e.g. bj-haidian')
      .requiredOption('--name <name>', 'member name, e.g. 北京市海淀区')
      .requiredOption('--region <code>', 'GB/T 2260 code, e.g. 110108')
      .option('--listen <multiaddr...>', 'libp2p listen address(es)', undefined)
      .option('--api <host:port>', 'HTTP API address (port 0: any free port, found by the CLI in HOME/run/api.url)', '127.0.0.1:8101')
      .option('--bootstrap <multiaddr...>', "peers to dial at start, for a member joining later (an existing member's `tongban status` prints its address)")
      .option('--json', 'machine-readable output')
      .action(async (o) => (await import('./commands/setup.js')).init(o)),
    'tongban init --home ./bj --consortium crossprov.gov.example --id bj-haidian --name 北京市海淀区 --region 110108 --listen /ip4/127.0.0.1/tcp/4101 --api 127.0.0.1:8101',
  );
}

function addConsortium(program: Command): void {
  const consortium = program.command('consortium').description('consortium set-up');
  example(
    consortium
      .command('create')
      .description("write the epoch-0 config (genesis.cbor) of the founders' join requests; prints the network id")
      .argument('<join-requests...>')
      .requiredOption('--out <file>', 'genesis file to write')
      .option('--witness-quorum <n>', 'cosignatures that make a record final (default: the §4 quorum of the witnesses)')
      .option('--governance-quorum <n>', 'approvals that adopt the next epoch (default: the §4 quorum)')
      .option('--json')
      .action(async (files, o) => (await import('./commands/setup.js')).consortiumCreate(files, o)),
    'tongban consortium create --out genesis.cbor bj/join-request.json sh/join-request.json ha/join-request.json',
  );
}

function addStart(program: Command): void {
  example(
    program
      .command('start')
      .description('run the node in the foreground (Ctrl-C or SIGTERM stops it cleanly)')
      .requiredOption('--home <dir>')
      .option('--genesis <file>', 'copy this genesis into the home first')
      .option('--accept-empty-log', "this member's log is empty everywhere (a new member starting before its peers): append seq 0 without waiting to hear from peers")
      .option('--rotated-keys', 'the keys in node.yaml are new ones a proposed epoch names (docs/KEY-ROTATION.md): start, and sign nothing until that epoch is adopted here')
      .option('--log-format <format>', 'auto (lines for a person, times in CST, on a terminal; JSON lines otherwise), json or pretty', 'auto')
      .action(async (o) => (await import('./commands/start.js')).startCommand(o)),
    'tongban start --home ./bj --genesis genesis.cbor',
  );
}

function addOperator(program: Command): void {
  const operator = program.command('operator').description('officials (actors) of this member: keygen, add, list, disable, enable, rotate, roles');
  example(
    operator
      .command('keygen')
      .description("run by the official: make your own key (0600) and an enrolment request holding only its public part, for your admin's operator add --public")
      .requiredOption('--id <id>', 'your actor id, e.g. li.na')
      .requiredOption('--out <file>', 'key file to create (mode 0600; keep it)')
      .option('--request <file>', 'enrolment request to write (default: the key file name with .public.json)')
      .option('--json')
      .action(async (o) => (await import('./commands/operator.js')).operatorKeygen(o)),
    'tongban operator keygen --id li.na --out li.na.key   # writes li.na.public.json for the admin',
  );
  example(
    waits(
      target(
        operator
          .command('add')
          .description('enrol an official from their enrolment request (--public; the admin never sees their key) with an org.actor record; an id enrolled already is refused (ACTOR_EXISTS)'),
      ),
    )
      .option('--public <file>', 'the enrolment request made by tongban operator keygen')
      .option('--id <id>', 'actor id (with --out; with --public it must match the request)')
      .requiredOption('--roles <roles>', 'comma-separated: admin, approver, caseworker, registrar, supervisor')
      .option('--out <file>', 'instead of --public: make the key here and write it to this file (0600)')
      .requiredOption('--actor <key>', "an admin's key file")
      .option('--json')
      .action(async (o) => (await import('./commands/operator.js')).operatorAdd(o)),
    'tongban operator add --home ./bj --public li.na.public.json --roles registrar --actor ./bj/keys/admin.key',
  );
  example(
    target(operator.command('list').description("this member's officials: roles, state, key and since when (the org.actor in force)"))
      .option('--member <id>', "another member's officials, as this node holds them")
      .option('--json')
      .action(async (o) => (await import('./commands/operator.js')).operatorList(o)),
    'tongban operator list --home ./bj',
  );
  for (const [change, desc, ex] of [
    [
      'disable',
      'disable an official: the node refuses their requests (ACTOR_INACTIVE) and peers reject records by them; their earlier records still verify',
      'tongban operator disable li.na --home ./bj --actor ./bj/keys/admin.key',
    ],
    ['enable', 'enable a disabled official again', 'tongban operator enable li.na --home ./bj --actor ./bj/keys/admin.key'],
    [
      'rotate',
      "replace an official's key with the one in their new enrolment request (--public); the old key stops working, earlier records still verify",
      'tongban operator rotate li.na --home ./bj --public li.na-2027.public.json --actor ./bj/keys/admin.key',
    ],
    ['roles', "set an official's roles (replacing the ones in force)", 'tongban operator roles li.na --home ./bj --roles registrar,approver --actor ./bj/keys/admin.key'],
  ] as const) {
    let c = waits(target(operator.command(change).description(desc).argument('<id>', 'the actor id')));
    if (change === 'rotate') c = c.requiredOption('--public <file>', 'the new enrolment request made by tongban operator keygen');
    if (change === 'roles') c = c.requiredOption('--roles <roles>', 'the new roles, comma-separated: admin, approver, caseworker, registrar, supervisor');
    example(
      c
        .requiredOption('--actor <key>', "an admin's key file")
        .option('--json')
        .action(async (id, o) => (await import('./commands/operator.js')).operatorChange(change, id, o)),
      ex,
    );
  }
}

function addDoc(program: Command): void {
  const doc = program.command('doc').description('documents: register, approve, reject, revoke, share, access');
  const docAction = (name: 'register' | 'approve' | 'reject' | 'revoke' | 'share' | 'access', desc: string, ex: string, extra: (c: Command) => Command) =>
    example(
      extra(
        waits(target(doc.command(name).description(desc).argument('<file|sha256>')))
          .requiredOption('--actor <key>', "the official's key file")
          .option('--json'),
      ).action(async (arg, o) => (await import('./commands/doc.js')).docCommand(name, arg, o)),
      ex,
    );
  docAction(
    'register',
    'hash a file locally (it never leaves this machine) and register it',
    'tongban doc register cert.pdf --home ./bj --actor li.na.key --type household-transfer --title "户口迁移证明"',
    (c) =>
      c
        .requiredOption('--type <type>', 'document type, e.g. household-transfer')
        .option('--title <title>', 'a title (not with --class restricted)')
        .addOption(new Option('--class <class>', 'who may see its title and meta').choices(['public', 'internal', 'restricted']).default('internal')),
  );
  for (const d of ['approve', 'reject'] as const) {
    docAction(d, `${d} a registered document at a step`, `tongban doc ${d} cert.pdf --home ./ha --actor wang.fang.key --role review --reason "材料齐全"`, (c) =>
      c.requiredOption('--role <step>', 'the step decided: review, approval, supervision…').option('--reason <text>', 'why'),
    );
  }
  docAction('revoke', "revoke this member's registration", 'tongban doc revoke cert.pdf --home ./bj --actor li.na.key --reason "superseded"', (c) => c.requiredOption('--reason <text>', 'why'));
  docAction('share', 'grant another member use of the document', 'tongban doc share cert.pdf --home ./bj --actor li.na.key --to sh-pudong --purpose 跨省通办核验', (c) =>
    c.requiredOption('--to <member>', 'the member id granted use').requiredOption('--purpose <p>', 'what for').option('--until <date>', 'the grant ends then (a date, e.g. 2027-01-01)'),
  );
  docAction('access', 'log that this member used the document', 'tongban doc access <sha256> --home ./sh --actor ./sh/keys/admin.key --purpose 跨省通办核验', (c) =>
    c.requiredOption('--purpose <p>', 'what for'),
  );
}

function addVerify(program: Command): void {
  example(
    target(
      program
        .command('verify')
        .description(
          'verify a document\'s provenance locally (from a node\'s bundle, or fully offline with --bundle): are the proofs sound, and what stands decided (approved, rejected, revoked, pending, conflict, not-found); exit 0 only when sound and approved, 1 when sound but not standing, 5 when unsound. A case bundle (--bundle, "about": "case") prints the case report: exit 1 when sound but overdue or closed late',
        ),
    )
      .argument('[file|sha256|case-id]', 'the document (or, for a case bundle, optionally its case id)')
      .option('--bundle <file>', 'verify this bundle offline (a document or a case bundle)')
      .option('--as-of <instant>', 'case bundles: evaluate the deadline at this instant (ISO 8601 with offset, or ms) instead of now')
      .option('--genesis <file>', 'trust anchor: the consortium genesis')
      .option('--net <id>', 'trust anchor: the network id (sha256 of genesis.cbor)')
      .option('--json', 'the full report, as GET /v1/docs/:sha256 serves it')
      .action(async (arg, o) => {
        if (o.bundle) set((await import('./commands/verify.js')).verifyOffline(arg, o));
        else if (arg === undefined) throw new CliError(msg('nameDocument'), EXIT.USAGE);
        else set(await (await import('./commands/verify-online.js')).verifyOnline(arg, o));
      }),
    'tongban verify cert.pdf --bundle cert.bundle --genesis genesis.cbor',
  );
}

function addBundle(program: Command): void {
  example(
    target(program.command('bundle').description("export a document's proof bundle, and optionally C2SP .tlog-proof files"))
      .argument('<file|sha256>')
      .requiredOption('--out <file>', 'bundle file to write')
      .option('--tlog-proofs <dir>', 'also write one .tlog-proof per entry and policy.txt')
      .option('--json')
      .action(async (arg, o) => (await import('./commands/bundle.js')).bundleExport(arg, o)),
    'tongban bundle cert.pdf --home ./sh --out cert.bundle --tlog-proofs ./proofs',
  );
}

function addCase(program: Command): void {
  const cases = program.command('case').description('cases (办件): open and work a case, reports and lists from a node, case bundles (CASES.md)');
  const PAUSE_REASONS_TEXT = 'hearing, inspection, appraisal, expert, correction or other';
  example(
    target(cases.command('show').description('the case report: state, light, the deadline arithmetic, timeline (every record the node holds, final or not), hops, alerts'))
      .argument('<case-id>')
      .option('--as-of <instant>', 'evaluate lights and alerts at this instant (ISO 8601 with offset, or ms)')
      .option('--json', 'the report as GET /v1/cases/:id serves it')
      .action(async (id, o) => (await import('./commands/case.js')).caseShow(id, o)),
    'tongban case show 3f1c…e2 --home ./bj --as-of 2026-12-10T09:00:00+08:00',
  );
  example(
    target(cases.command('list').description('cases held by the node, in the order they were opened; filters combine'))
      .addOption(new Option('--state <state>', 'only cases in this state').choices(['received', 'awaiting-correction', 'in-progress', 'paused', 'closed', 'refused']))
      .addOption(new Option('--light <light>', 'only cases with this light').choices(['green', 'yellow', 'red']))
      .option('--member <id>', 'a member that opened or handles the case')
      .addOption(new Option('--role <role>', 'with --member: only as opener or as handler').choices(['opener', 'handler']))
      .option('--item <code>', 'service item code')
      .option('--since <instant>', 'opened at or after this instant')
      .option('--as-of <instant>', 'evaluate lights at this instant')
      .option('--limit <n>', 'cases per page (1..1000, default 100)')
      .option('--cursor <c>', 'the next page (printed at the end of a full page)')
      .option('--json')
      .action(async (o) => (await import('./commands/case.js')).caseList(o)),
    'tongban case list --home ./bj --light red --member bj-haidian --role handler',
  );

  // The caseworker's write commands (CASES.md §C.3): one record each, signed with the official's key.
  const caseWrite = (name: string, desc: string, ex: string, extra: (c: Command) => Command, withId = true) => {
    let c = waits(target(cases.command(name).description(desc)));
    if (withId) c = c.argument('<case-id>');
    return example(
      extra(c.requiredOption('--actor <key>', "the official's key file").option('--json', 'machine-readable output')).action(async (...args: unknown[]) => {
        const o = args[withId ? 1 : 0] as never;
        await (await import('./commands/case-write.js')).caseWrite(name as never, withId ? (args[0] as string) : undefined, o);
      }),
      ex,
    );
  };
  const many = (v: string, prev: string[] = []) => [...prev, v];
  caseWrite(
    'open',
    "open a case (case.open) and print the applicant's receipt slip: case id, serial, item, salt and a QR code (tongban-case:<case id>?salt=<hex>); the ID number is hashed here with a fresh salt and never leaves this machine",
    'tongban case open --home ./ha --actor zz.cw.key --item 11410100MB1234567X4000111001 --name 道路运输经营许可 --mode proxy --serial ZZ-2026-0001 --handler bj-haidian --days 20 --id-type 111 --id-number 41010219900101123X --material 申请表=form.pdf,paper --qr slip.png',
    (c) =>
      c
        .option('--item <code>', 'service item code (事项编码)')
        .option('--name <name>', 'service item name')
        .option('--mode <mode>', 'online, proxy or joint (default proxy)')
        .option('--serial <serial>', "the receiving office's application number (unique per member)")
        .option('--handler <member>', 'a handling office (repeat for --mode joint)', many)
        .option('--days <n>', 'promised time limit in days (1..3650)')
        .option('--calendar <c>', 'working or natural days (default working)')
        .option('--id-type <code>', "the applicant's certificate-type code")
        .option('--id-number <number>', "the applicant's certificate number, upper-case, no spaces (hashed locally, never sent)")
        .option('--material <spec>', 'NAME=FILE|SHA256[,paper|electronic][,original|copy][,level=A..D][,license=ID] (repeatable; files are hashed locally)', many)
        .option('--qr <file>', 'also write the receipt QR code as PNG')
        .option('--console-url <url>', "the web console's address: the QR code then opens the applicant's page, URL/c/<case id>#salt=<hex>"),
    false,
  );
  caseWrite('handoff', 'hand the case to another member (case.handoff)', 'tongban case handoff $CASE --home ./ha --actor zz.cw.key --to bj-haidian --via post --tracking SF1234567890', (c) =>
    c
      .option('--to <member>', 'the receiving member')
      .option('--purpose <p>', 'handle (default) or return')
      .option('--via <via>', 'network (default), post or courier')
      .option('--tracking <no>', 'the post or courier tracking number (exactly with post or courier)')
      .option('--material <file|sha256>', 'a document sent (repeatable; default: the materials of the case.open)', many)
      .option('--note <text>'),
  );
  caseWrite(
    'receive',
    "acknowledge a handoff addressed to this member (case.receipt); the receiver of a 'handle' handoff becomes a handler",
    'tongban case receive $CASE --home ./bj --actor hd.cw.key [--missing form.pdf]',
    (c) =>
      c
        .option('--handoff <id>', 'the handoff (default: the newest one to this member without a receipt)')
        .option('--missing <file|sha256>', 'a material that did not arrive: the receipt says incomplete (repeatable)', many)
        .option('--note <text>'),
  );
  caseWrite('accept', 'accept the case (case.accept, decision accept): the clock starts', 'tongban case accept $CASE --home ./bj --actor hd.ap.key', (c) => c);
  caseWrite('refuse', 'refuse the case (case.accept, decision refuse)', 'tongban case refuse $CASE --home ./bj --actor hd.ap.key --reason "不属于受理范围"', (c) =>
    c.option('--reason <text>', 'why (required)'),
  );
  caseWrite('correct', 'ask the applicant for correction (case.accept, decision correct)', 'tongban case correct $CASE --home ./bj --actor hd.ap.key --reason "材料不全" --needed 营业执照副本', (c) =>
    c.option('--reason <text>', 'why (required)').option('--needed <text>', 'a material needed (repeatable)', many),
  );
  caseWrite('pause', 'pause the clock (case.clock, action pause)', 'tongban case pause $CASE --home ./bj --actor hd.ap.key --reason inspection', (c) =>
    c.option('--reason <r>', `${PAUSE_REASONS_TEXT} (required)`).option('--note <text>'),
  );
  caseWrite('resume', 'resume the paused clock (case.clock, action resume)', 'tongban case resume $CASE --home ./bj --actor hd.ap.key', (c) => c.option('--note <text>'));
  caseWrite('extend', 'extend the time limit (case.clock, action extend)', 'tongban case extend $CASE --home ./bj --actor hd.ap.key --days 10', (c) =>
    c.option('--days <n>', 'extra days, 1..3650 (required)').option('--note <text>'),
  );
  caseWrite(
    'step',
    'record a decision step (case.step): undertake (caseworker), review or approve (approver)',
    'tongban case step $CASE --home ./bj --actor hd.ap.key --step review --opinion agree',
    (c) => c.option('--step <step>', 'undertake, review or approve (required)').option('--opinion <o>', 'agree (default), disagree or return').option('--note <text>'),
  );
  caseWrite('close', 'close the case with its result (case.close)', 'tongban case close $CASE --home ./bj --actor hd.ap.key --result issued --license 110108-2026-000123', (c) =>
    c
      .option('--result <r>', 'issued, returned, void, deleted, forwarded, correction-timeout or done (required)')
      .option('--license <id>', 'the e-licence issued')
      .option('--doc <file|sha256>', 'the result document (hashed locally)')
      .option('--note <text>'),
  );
  caseWrite('deliver', 'record delivery of the result to the applicant (case.deliver)', 'tongban case deliver $CASE --home ./ha --actor zz.cw.key --via pickup', (c) =>
    c.option('--via <via>', 'pickup, post or electronic (required)').option('--tracking <no>', 'the tracking number (exactly with post)'),
  );
  caseWrite('evaluate', "record the applicant's rating (case.evaluate)", 'tongban case evaluate $CASE --home ./ha --actor zz.cw.key --score 5 --channel window', (c) =>
    c.option('--score <n>', '1..5 (required)').option('--channel <c>', 'window, web, app, sms or hotline (required)').option('--note <text>'),
  );
  caseWrite('supervise', 'record supervision (case.supervise; any member, supervisor role)', 'tongban case supervise $CASE --home ./ha --actor sup.key --action flag --alert red', (c) =>
    c.option('--action <a>', 'claim, feedback, flag or clear (required)').option('--alert <code>', 'a light or alert code').option('--note <text>'),
  );
  example(
    target(cases.command('bundle').description('download the case bundle (GET /v1/cases/:id/bundle) for offline verification'))
      .argument('<case-id>')
      .requiredOption('--out <file>', 'bundle file to write')
      .option('--json')
      .action(async (id, o) => (await import('./commands/case-write.js')).caseBundle(id, o)),
    'tongban case bundle $CASE --home ./bj --out case.bundle',
  );
  example(
    cases
      .command('verify')
      .description('verify a case bundle offline and print the case report; exit 0 when sound and on time, 1 when sound but red or closed late, 5 when unsound')
      .argument('[case-id]', 'the case the bundle must be about')
      .requiredOption('--bundle <file>', 'the case bundle')
      .option('--genesis <file>', 'trust anchor: the consortium genesis')
      .option('--net <id>', 'trust anchor: the network id (sha256 of genesis.cbor)')
      .option('--as-of <instant>', 'evaluate the deadline at this instant (ISO 8601 with offset, or ms) instead of now')
      .option('--json', 'the verification report')
      .option('--receipt <text>', "the applicant's check: the receipt slip's QR text (tongban-case:ID?salt=HEX), with --id-type and --id-number")
      .option('--salt <hex>', 'the applicant check with the salt printed on the slip instead of --receipt')
      .option('--id-type <code>', "the applicant's certificate type, as given at case open")
      .option('--id-number <number>', "the applicant's certificate number, as given at case open")
      .action(async (id, o) => set(await (await import('./commands/case-write.js')).caseVerify(id, o))),
    'tongban case verify --bundle case.bundle --genesis genesis.cbor',
  );
}

function addGovernance(program: Command): void {
  const gov = program.command('governance').description('membership changes: propose, approve, status');
  example(
    waits(target(gov.command('propose').description('propose the next epoch with a member added or removed, or with a working calendar; prints the proposal id, the quorum and who must approve')))
      .requiredOption('--actor <key>', "an admin's key file")
      .option('--add <join-request>', 'add the member of this join request (its join-request.json)')
      .option('--remove <member>', 'remove this member id')
      .option('--rotate <rotate-request>', 'new ledger key and peer id for a member: its rotation request (tongban keys rotate writes it; docs/KEY-ROTATION.md)')
      .option('--calendar <file>', 'a YAML or JSON file {off: [YYYYMMDD…], on: [YYYYMMDD…]}: holidays and make-up working days (CASES.md §C.5)')
      .option('--json')
      .option('--quiet', 'print only the proposal id (for scripts)')
      .action(async (o) => (await import('./commands/governance.js')).governancePropose(o)),
    'tongban governance propose --home ./bj --actor ./bj/keys/admin.key --add gd/join-request.json',
  );
  example(
    waits(
      target(
        gov
          .command('approve')
          .description('approve a proposal (this member signs at most one per epoch); waits up to 60 s for the proposal to reach this node; says how many approvals are still needed'),
      ),
    )
      .argument('<proposal-id>')
      .requiredOption('--actor <key>', "an admin's key file")
      .option('--json')
      .action(async (id, o) => (await import('./commands/governance.js')).governanceApprove(id, o)),
    'tongban governance approve 8cb1ec91… --home ./sh --actor ./sh/keys/admin.key',
  );
  example(
    target(gov.command('status').description('epochs, members, quorums and pending proposals'))
      .option('--json')
      .action(async (o) => (await import('./commands/governance.js')).governanceStatus(o)),
    'tongban governance status --home ./bj',
  );
}

function addStatus(program: Command): void {
  example(
    target(program.command('status').description("this node: epoch, peers, its bootstrap address, every log's size and final size"))
      .option('--wait-ready [seconds]', 'first wait until the node answers and takes appends (default 60 s), e.g. right after starting it in the background')
      .option('--bootstrap', "print only this node's dialable addresses (with /p2p/), one a line, for a joiner's --bootstrap")
      .option('--json')
      .action(async (o) => (await import('./commands/status.js')).status(o)),
    'tongban status --home ./bj --wait-ready',
  );
}
function addAudit(program: Command): void {
  example(
    program
      .command('audit')
      .description('re-verify the whole store offline, read-only (a snapshot is audited; stop the node for a settled store); exit 5 when problems are found, 7 when the store is missing or damaged')
      .requiredOption('--home <dir>')
      .option('--json')
      .action(async (o) => set(await (await import('./commands/audit.js')).auditCommand(o))),
    'tongban audit --home ./bj',
  );
}
function addBackup(program: Command): void {
  example(
    program
      .command('backup')
      .description('a consistent backup archive of the store: of a running node through its API (one snapshot while it writes), of a stopped one from its files; checked end to end before it is named')
      .requiredOption('--home <dir>')
      .requiredOption('--out <file-or-dir>', 'archive to write (a directory: a file tongban-MEMBER-TIME.tbbackup in it)')
      .option('--json', 'machine-readable output')
      .action(async (o) => (await import('./commands/backup.js')).backupCommand(o)),
    'tongban backup --home /var/lib/tongban --out /srv/backups/',
  );
}
function addRestore(program: Command): void {
  example(
    program
      .command('restore')
      .description(
        "restore a backup archive into the home's store (node stopped): checked and audited first; at the next start the node recovers its own log from peers before signing. Exit 2 for a bad archive or a non-empty store without --force, 5 when the audit finds problems, 7 for a store newer than this release",
      )
      .requiredOption('--home <dir>')
      .requiredOption('--from <file>', 'the archive (tongban backup)')
      .option('--force', 'replace a non-empty store (it is moved aside to DATA.before-restore-TIME, never deleted)')
      .option('--discard-newer', 'restore even when the store holds own records the backup lacks (only once every member holds them: the node takes them back from peers)')
      .option('--json', 'machine-readable output')
      .action(async (o) => set(await (await import('./commands/backup.js')).restoreCommand(o))),
    'tongban restore --home /var/lib/tongban --from /srv/backups/tongban-bj-haidian-20261129T130500Z.tbbackup',
  );
}
function addDoctor(program: Command): void {
  example(
    program
      .command('doctor')
      .description(
        'check a home and its node: config, key file modes, keys against the consortium, genesis, store, clock skew, peers, ports, disk, TLS certificate; each finding with its fix; exit 2 on a problem',
      )
      .requiredOption('--home <dir>')
      .option('--json', 'machine-readable output')
      .action(async (o) => set(await (await import('./commands/doctor.js')).doctorCommand(o))),
    'tongban doctor --home /var/lib/tongban',
  );
}
function addKeys(program: Command): void {
  const keys = program.command('keys').description('keys of this member');
  example(
    keys
      .command('show')
      .description('public parts only: vkey, cosigner key, peer id, first admin')
      .requiredOption('--home <dir>')
      .option('--json')
      .action(async (o) => (await import('./commands/setup.js')).keysShow(o)),
    'tongban keys show --home ./bj',
  );
  example(
    target(
      keys.command('rotate').description('new ledger and peer keys (0600) and a rotation request for governance propose --rotate; the node keeps its keys until you restart it (docs/KEY-ROTATION.md)'),
    )
      .option('--json')
      .action(async (o) => (await import('./commands/keys-rotate.js')).keysRotate(o)),
    'tongban keys rotate --home ./bj',
  );
}

function addToken(program: Command): void {
  const token = program.command('token').description('API tokens of this node for local systems (README "Securing the API")');
  example(
    token
      .command('create')
      .description('create an API token; prints it once (only its SHA-256 is stored, in HOME/api-tokens.json)')
      .requiredOption('--home <dir>')
      .requiredOption('--name <name>', 'who uses it, e.g. shenpi-system (shown in logs of refused requests)')
      .requiredOption('--scope <scopes>', 'comma-separated: read, write, admin, supervise')
      .option('--save', "also write it to HOME/client.token, which this home's CLI sends")
      .option('--json')
      .action(async (o) => (await import('./commands/token.js')).tokenCreate(o)),
    'tongban token create --home ./bj --name shenpi-system --scope read,write',
  );
  example(
    token
      .command('list')
      .description('names, scopes and creation times of the tokens (never the tokens)')
      .requiredOption('--home <dir>')
      .option('--json')
      .action(async (o) => (await import('./commands/token.js')).tokenList(o)),
    'tongban token list --home ./bj',
  );
  example(
    token
      .command('revoke')
      .description('revoke a token by name; the running node refuses it from its next request')
      .argument('<name>')
      .requiredOption('--home <dir>')
      .action(async (name, o) => (await import('./commands/token.js')).tokenRevoke(name, o)),
    'tongban token revoke shenpi-system --home ./bj',
  );
}

/** Every top-level command, in the order help lists them, with what adds it and its subcommands to the program. */
const COMMANDS: ReadonlyArray<readonly [name: string, add: (program: Command) => void]> = [
  ['init', addInit],
  ['consortium', addConsortium],
  ['start', addStart],
  ['operator', addOperator],
  ['doc', addDoc],
  ['verify', addVerify],
  ['bundle', addBundle],
  ['case', addCase],
  ['governance', addGovernance],
  ['status', addStatus],
  ['audit', addAudit],
  ['backup', addBackup],
  ['restore', addRestore],
  ['doctor', addDoctor],
  ['keys', addKeys],
  ['token', addToken],
];

/**
 * The top-level command the arguments run: their first operand, when it names one and only `--debug` comes before it
 * (a program option that acts, `--help` or `--version`, needs the whole program). Undefined for no operand, `help`,
 * an unknown or misspelt name, or any other option before it (`--` included).
 */
export function commandOf(args: readonly string[]): string | undefined {
  for (const a of args) {
    if (a === '--debug') continue;
    if (a.startsWith('-')) return undefined;
    return COMMANDS.some(([name]) => name === a) ? a : undefined;
  }
  return undefined;
}

/**
 * The commander program for these arguments (after `node tongban`). Building all 60 commands, with their options
 * and help, costs as much as a quick command's own work at every start, so when the arguments name a command only it
 * (with its subcommands) is built: running it, its help and its usage errors need no other. Anything else (no
 * command, `help`, an unknown name, whose suggestion needs every name) builds them all; so does no argument list.
 */
export function buildProgram(args?: readonly string[]): Command {
  const program = new Command()
    .name('tongban')
    .description('Tongban (通办): a witnessed audit ledger for cross-region government services')
    .version(VERSION)
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) })
    .showHelpAfterError(msg('seeHelp'));
  const only = args === undefined ? undefined : commandOf(args);
  for (const [name, add] of COMMANDS) if (only === undefined || name === only) add(program);
  localizeHelp(program);
  return program;
}

/** Run the program on process.argv (the bin: this module when node runs it, or cli/entry.ts in the bundled build). */
export async function main(): Promise<void> {
  // A reader that stops early (`tongban … | head`) closes the pipe: the rest of the output has nowhere to go, which
  // is not an error of the command, so it ends quietly with the status it has instead of an unhandled EPIPE.
  // Attached when process.stdout is first used: a command writing with out() (cli/io.ts) never builds that stream.
  onFirstUse('stdout', (stdout) =>
    stdout.on('error', (e: Error & { code?: string }) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? EXIT.OK);
    }),
  );
  try {
    await buildProgram(process.argv.slice(2)).parseAsync(process.argv);
    process.exitCode = exitCode;
  } catch (e) {
    const debug = process.argv.includes('--debug');
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    if (e instanceof CliError) {
      process.stderr.write(`${msg('prefix')}: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    const err = e as Error & { code?: string };
    process.stderr.write(`${msg('prefix')}: ${debug ? `internal error: ${err?.message ?? String(e)}\n${err?.stack}` : msg('internal', err?.message ?? String(e))}\n`);
    process.exitCode = EXIT.INTERNAL;
  }
}

/** Call `use` with process.stdout or process.stderr when it is first read (Node builds each stream on first read). */
function onFirstUse(name: 'stdout' | 'stderr', use: (s: NodeJS.WriteStream) => void): void {
  const d = Object.getOwnPropertyDescriptor(process, name);
  const get = d?.get;
  if (!d?.configurable || !get) {
    use(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      Object.defineProperty(process, name, d);
      const s = get.call(process) as NodeJS.WriteStream;
      use(s);
      return s;
    },
  });
}

/** Whether this module is what node runs (the bin or dist/cli/main.js), not a test importing the program to walk it. */
function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntry()) {
  useCompileCache(); // for the commands' modules, loaded from here on (the bundled build turns it on before this one)
  void main();
}

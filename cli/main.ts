#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './io.js';
import { VERSION } from '../protocol/constants.js';

// Commands load their modules lazily: `verify --bundle` must not load libp2p, fastify or LevelDB.
const program = new Command();
let exitCode: number = EXIT.OK;
const set = (code: number | undefined) => {
  if (typeof code === 'number') exitCode = code;
};

program
  .name('tongban')
  .description('Tongban (通办): a witnessed audit ledger for cross-region government services')
  .version(VERSION)
  .option('--debug', 'print stack traces of errors')
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) })
  .showHelpAfterError('(see tongban --help)');

const target = (c: Command) => c.option('--home <dir>', 'node home (node.yaml)').option('--node <url>', 'node API URL instead of --home');
/** Write commands: wait for the record's state (README "Record states"). */
const waits = (c: Command) =>
  c.option('--wait <state>', 'return once the record is durable, replicated or final').option('--wait-timeout <ms>', 'longest wait (default 30000); then it returns with the current state');
const example = (c: Command, text: string) => c.addHelpText('after', `\nExample:\n  ${text}`);

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

const consortium = program.command('consortium').description('consortium set-up');
example(
  consortium
    .command('create')
    .description("write the epoch-0 config (genesis.cbor) of the founders' join requests; prints the network id")
    .argument('<join-requests...>')
    .requiredOption('--out <file>', 'genesis file to write')
    .option('--witness-quorum <n>')
    .option('--governance-quorum <n>')
    .option('--json')
    .action(async (files, o) => (await import('./commands/setup.js')).consortiumCreate(files, o)),
  'tongban consortium create --out genesis.cbor bj/join-request.json sh/join-request.json ha/join-request.json',
);

example(
  program
    .command('start')
    .description('run the node in the foreground (Ctrl-C or SIGTERM stops it cleanly)')
    .requiredOption('--home <dir>')
    .option('--genesis <file>', 'copy this genesis into the home first')
    .option('--accept-empty-log', "this member's log is empty everywhere (a new member starting before its peers): append seq 0 without waiting to hear from peers")
    .action(async (o) => (await import('./commands/start.js')).startCommand(o)),
  'tongban start --home ./bj --genesis genesis.cbor',
);

const operator = program.command('operator').description('officials (actors) of this member');
example(
  waits(target(operator.command('add').description("create an official's key (0600) and register it with an org.actor record")))
    .requiredOption('--id <id>', 'actor id, e.g. li.na')
    .requiredOption('--roles <roles>', 'comma-separated: admin, approver, caseworker, registrar, supervisor')
    .requiredOption('--out <file>', 'key file to create')
    .requiredOption('--actor <key>', "an admin's key file")
    .option('--json')
    .action(async (o) => (await import('./commands/operator.js')).operatorAdd(o)),
  'tongban operator add --home ./bj --id li.na --roles registrar --out li.na.key --actor ./bj/keys/admin.key',
);

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
      .requiredOption('--type <type>')
      .option('--title <title>')
      .addOption(new Option('--class <class>').choices(['public', 'internal', 'restricted']).default('internal')),
);
for (const d of ['approve', 'reject'] as const) {
  docAction(d, `${d} a registered document at a step`, `tongban doc ${d} cert.pdf --home ./ha --actor wang.fang.key --role review --reason "材料齐全"`, (c) =>
    c.requiredOption('--role <step>').option('--reason <text>'),
  );
}
docAction('revoke', "revoke this member's registration", 'tongban doc revoke cert.pdf --home ./bj --actor li.na.key --reason "superseded"', (c) => c.requiredOption('--reason <text>'));
docAction('share', 'grant another member use of the document', 'tongban doc share cert.pdf --home ./bj --actor li.na.key --to sh-pudong --purpose 跨省通办核验', (c) =>
  c.requiredOption('--to <member>').requiredOption('--purpose <p>').option('--until <date>'),
);
docAction('access', 'log that this member used the document', 'tongban doc access <sha256> --home ./sh --actor ./sh/keys/admin.key --purpose 跨省通办核验', (c) => c.requiredOption('--purpose <p>'));

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
      else if (arg === undefined) throw new CliError('name the document (FILE or SHA256), or give --bundle', EXIT.USAGE);
      else set(await (await import('./commands/verify.js')).verifyOnline(arg, o));
    }),
  'tongban verify cert.pdf --bundle cert.bundle --genesis genesis.cbor',
);

example(
  target(program.command('bundle').description("export a document's proof bundle, and optionally C2SP .tlog-proof files"))
    .argument('<file|sha256>')
    .requiredOption('--out <file>')
    .option('--tlog-proofs <dir>', 'also write one .tlog-proof per entry and policy.txt')
    .option('--json')
    .action(async (arg, o) => (await import('./commands/bundle.js')).bundleExport(arg, o)),
  'tongban bundle cert.pdf --home ./sh --out cert.bundle --tlog-proofs ./proofs',
);

const cases = program.command('case').description('cases (办件): reports and lists from a node (CASES.md)');
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
    .addOption(new Option('--state <state>').choices(['received', 'awaiting-correction', 'in-progress', 'paused', 'closed', 'refused']))
    .addOption(new Option('--light <light>').choices(['green', 'yellow', 'red']))
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

const gov = program.command('governance').description('membership changes: propose, approve, status');
example(
  waits(target(gov.command('propose').description('propose the next epoch with a member added or removed; prints the proposal id, the quorum and who must approve')))
    .requiredOption('--actor <key>', "an admin's key file")
    .option('--add <join-request>')
    .option('--remove <member>')
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

example(
  target(program.command('status').description("this node: epoch, peers, its bootstrap address, every log's size and final size"))
    .option('--wait-ready [seconds]', 'first wait until the node answers and takes appends (default 60 s), e.g. right after starting it in the background')
    .option('--bootstrap', "print only this node's dialable addresses (with /p2p/), one a line, for a joiner's --bootstrap")
    .option('--json')
    .action(async (o) => (await import('./commands/status.js')).status(o)),
  'tongban status --home ./bj --wait-ready',
);
example(
  program
    .command('audit')
    .description('re-verify the whole store offline, read-only (a snapshot is audited; stop the node for a settled store); exit 5 when problems are found, 7 when the store is missing or damaged')
    .requiredOption('--home <dir>')
    .option('--json')
    .action(async (o) => set(await (await import('./commands/audit.js')).auditCommand(o))),
  'tongban audit --home ./bj',
);
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

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
    process.exitCode = exitCode;
  } catch (e) {
    const debug = process.argv.includes('--debug');
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    if (e instanceof CliError) {
      process.stderr.write(`tongban: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    const err = e as Error & { code?: string };
    process.stderr.write(`tongban: internal error: ${err?.message ?? String(e)}${debug ? `\n${err?.stack}` : ' (run with --debug for details)'}\n`);
    process.exitCode = EXIT.INTERNAL;
  }
}

void main();

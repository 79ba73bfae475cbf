import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../../node/metrics.js';
import { tempDir } from '../../helpers/consortium.js';

const ROOT = join(import.meta.dirname, '../../..');
const UNIT = join(ROOT, 'deploy/systemd/tongban.service');
const RULES = join(ROOT, 'deploy/prometheus/tongban.rules.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/tongban.json');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
/** Metrics the rules and dashboard may use that other exporters make: Prometheus's own `up`. */
const EXTERNAL = new Set(['up']);

const dirs: { cleanup: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

/** Every metric name the node's registry serves (histograms as their _bucket, _sum and _count series too). */
async function registered(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of await new Metrics().registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s);
  }
  return out;
}

/** Metric names in a PromQL expression: every tongban_ name, and every name right before a label selector. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b(tongban_[a-z0-9_]+)/g)) names.add(m[1]!);
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) names.add(m[1]!);
  return [...names];
}

function rules(): { alert: string; expr: string }[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('deploy/systemd/tongban.service', () => {
  it('is hardened: own user, ProtectSystem=strict, NoNewPrivileges, the home writable, restart on failure, reload by HUP', () => {
    const text = readFileSync(UNIT, 'utf8');
    for (const line of ['User=tongban', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'ReadWritePaths=/var/lib/tongban', 'Restart=on-failure', 'ExecReload=/bin/kill -HUP $MAINPID']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/tongban\/dist\/cli\/main\.js start --home \/var\/lib\/tongban$/m);
  });

  it.skipIf(!existsSync(SYSTEMD_ANALYZE))('passes systemd-analyze verify with no warning', () => {
    // verify checks that ExecStart's program exists: point it at this Node (the unit says /usr/bin/node).
    const d = tempDir();
    dirs.push(d);
    const copy = join(d.path, 'tongban.service');
    writeFileSync(copy, readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const r = spawnSync(SYSTEMD_ANALYZE, ['verify', copy], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
  if (!existsSync(SYSTEMD_ANALYZE)) console.warn(`skipping systemd-analyze verify: ${SYSTEMD_ANALYZE} is absent`);
});

describe('deploy/prometheus/tongban.rules.yml', () => {
  it.skipIf(!PROMTOOL)('passes promtool check rules', () => {
    const r = spawnSync(PROMTOOL!, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS: 10 rules found');
    expect(r.status).toBe(0);
  });
  if (!PROMTOOL) console.warn('skipping promtool check rules: promtool is not installed (scripts/system-deps.sh installs it)');

  it('alerts on node down, member lost, finality lag, fork, clock skew, certificate expiry and disk', () => {
    const names = rules().map((r) => r.alert);
    for (const want of [
      'TongbanNodeDown',
      'TongbanMembersLost',
      'TongbanMemberDisconnected',
      'TongbanFinalityLag',
      'TongbanFork',
      'TongbanClockSkew',
      'TongbanCertificateExpiresSoon',
      'TongbanDiskLow',
    ]) {
      expect(names).toContain(want);
    }
  });

  it('uses only metric names the node registers (or the two external ones)', async () => {
    const known = await registered();
    for (const r of rules()) {
      const used = metricNames(r.expr);
      expect(used.length, r.alert).toBeGreaterThan(0);
      for (const n of used) expect(known.has(n) || EXTERNAL.has(n), `${r.alert} uses ${n}`).toBe(true);
    }
  });

  it('the cross-check catches a metric name the node does not register', async () => {
    const known = await registered();
    expect(metricNames('tongban_peerz{job="tongban"} < 1').filter((n) => !known.has(n) && !EXTERNAL.has(n))).toEqual(['tongban_peerz']);
  });
});

describe('deploy/grafana/tongban.json', () => {
  it('is a dashboard whose every query uses metric names the node registers', async () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { title: string; uid: string; panels: unknown[] };
    expect(d.title).toContain('Tongban');
    expect(d.panels.length).toBeGreaterThan(10);
    const known = await registered();
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      const used = metricNames(e);
      expect(used.length, e).toBeGreaterThan(0);
      for (const n of used) expect(known.has(n) || EXTERNAL.has(n), `${e} uses ${n}`).toBe(true);
    }
  });
});

describe('metrics the alerts need', () => {
  it('the store disk gauges read the file system of the store at each scrape; members is a gauge', async () => {
    const d = tempDir();
    dirs.push(d);
    const m = new Metrics();
    m.watchDisk(d.path);
    m.members.set(5);
    const text = await m.registry.metrics();
    const free = Number(/^tongban_store_disk_free_bytes (\d+)/m.exec(text)?.[1]);
    const size = Number(/^tongban_store_disk_size_bytes (\d+)/m.exec(text)?.[1]);
    expect(free).toBeGreaterThan(0);
    expect(size).toBeGreaterThanOrEqual(free);
    expect(text).toMatch(/^tongban_members 5$/m);
  });
});

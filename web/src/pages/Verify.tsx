import { useState } from 'preact/hooks';
import { cst, regionName } from '../format.js';
import { t } from '../i18n.js';
import { label } from '../labels.js';
import { TimelineHead } from '../parts/TimelineHead.js';
import { anchorOf, classify, verifyFiles, type Outcome, type Picked } from '../verify.js';
import { CaseBody } from './CaseView.js';

async function read(list: FileList | File[]): Promise<Picked[]> {
  const out: Picked[] = [];
  for (const f of Array.from(list)) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    out.push({ name: f.name, bytes, kind: classify(bytes) });
  }
  return out;
}

const KIND: Record<Picked['kind'], string> = { bundle: '证明包', genesis: '创世配置', document: '文书' };

export function Verify() {
  const [files, setFiles] = useState<Picked[]>([]);
  const [net, setNet] = useState('');
  const [over, setOver] = useState(false);
  const [results, setResults] = useState<Outcome[] | string | null>(null);

  const run = (fs: Picked[], typed: string) => {
    setFiles(fs);
    if (!fs.some((f) => f.kind === 'bundle')) return setResults(fs.length ? t('没有证明包。') : null);
    const anchor = anchorOf(fs, typed);
    if (typeof anchor === 'string') return setResults(t('缺少信任锚：请提供 genesis.cbor 或输入网络标识。'));
    setResults(verifyFiles(fs, anchor, Date.now()));
  };
  const add = async (list: FileList | File[]) => run([...files.filter((f) => !Array.from(list).some((n) => n.name === f.name)), ...(await read(list))], net);

  return (
    <section aria-labelledby="verify-title">
      <h1 id="verify-title">{t('验证证明包')}</h1>
      <p class="note" role="note">
        {t('验证完全在本浏览器中进行：不向任何服务器发送请求，文件不会离开本机。')}
      </p>
      <fieldset
        class={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer?.files) void add(e.dataTransfer.files);
        }}
      >
        <label id="verify-files-label" for="verify-files">
          {t('选择或拖入文件：证明包（文书或办件）、创世配置 genesis.cbor、文书本身')}
        </label>
        <input id="verify-files" type="file" multiple onChange={(e) => void add((e.currentTarget as HTMLInputElement).files ?? [])} />
        <span aria-hidden="true">{t('将文件拖到此处')}</span>
      </fieldset>
      <label for="verify-net">{t('网络标识（genesis.cbor 的 SHA-256，64 位十六进制）')}</label>
      <input
        id="verify-net"
        class="mono wide"
        value={net}
        spellcheck={false}
        autocomplete="off"
        onInput={(e) => {
          const v = (e.currentTarget as HTMLInputElement).value;
          setNet(v);
          run(files, v);
        }}
      />
      {files.length > 0 && (
        <ul class="files" aria-label="files">
          {files.map((f) => (
            <li key={f.name}>
              {f.name} — {t(KIND[f.kind])} ({f.bytes.length} B)
            </li>
          ))}
        </ul>
      )}
      <div aria-live="polite">
        {typeof results === 'string' && <p class="warn">{results}</p>}
        {Array.isArray(results) && results.map((r) => <Result key={r.file} r={r} />)}
      </div>
    </section>
  );
}

function Result({ r }: { r: Outcome }) {
  if (r.about === 'error')
    return (
      <article class="result" data-verdict="unreadable" data-proofs="unsound">
        <h2>{r.file}</h2>
        <p class="bad">{r.message}</p>
      </article>
    );
  if (r.about === 'case') {
    const c = r.report;
    return (
      <article class="result" aria-label={r.file}>
        <h2>
          {t('关于办件')} <span class="mono">{c.case}</span>
        </h2>
        <Verdict proofs={c.proofs} verdict={c.report?.state ?? 'not-found'} kind="case">
          {c.report ? `${t('状态')}: ${label(c.report.state)}${c.report.result ? ` (${label(c.report.result)})` : ''}` : '—'}
        </Verdict>
        {c.report && <CaseBody r={c.report} />}
        <Findings problems={c.problems} warnings={[]} />
        <Times asOf={c.checkpointsAsOf} provenTo={c.provenTo} />
      </article>
    );
  }
  const d = r.report;
  return (
    <article class="result" aria-label={r.file}>
      <h2>
        {t('关于文书')} <span class="mono">{d.doc}</span>
      </h2>
      <Verdict proofs={d.proofs} verdict={d.outcome} kind="document">
        {d.proofs === 'sound' ? `${t('结论')}: ${label(d.outcome)} (${d.outcome.toUpperCase()}) — ${d.decision.why}` : `${t('结论不成立（证明不可靠）；已验证的条目显示')} ${d.outcome.toUpperCase()}`}
      </Verdict>
      <h3>{t('时间线')}</h3>
      <div class="scroll">
        <table>
          <TimelineHead />
          <tbody>
            {d.events.map((e) => (
              <tr key={e.id} class={e.counts ? '' : 'ignored'}>
                <td>{cst(e.ts)}</td>
                <td>
                  {e.member} <span class="mono small">{e.author}</span>
                </td>
                <td>{regionName(e.region)}</td>
                <td>{e.actor ?? '—'}</td>
                <td>{[e.role, ...(e.actorRoles ?? [])].filter(Boolean).join(', ') || '—'}</td>
                <td>
                  {label(e.kind)}
                  {e.decision ? ` ${label(e.decision)}` : ''}
                  {e.reason ? `: ${e.reason}` : ''}
                  {e.ignored ? ` (${t('不计入')}: ${e.ignored})` : ''}
                </td>
                <td>
                  {e.final ? `✔ ${t('已最终')}` : t('未最终')} {e.witnesses}/{e.quorum} {t('见证')}
                  {e.witnessed !== null ? ` · ${cst(e.witnessed)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Findings problems={d.problems} warnings={d.warnings} />
      <Times asOf={d.asOf} provenTo={d.provenTo} />
    </article>
  );
}

function Verdict(p: { proofs: 'sound' | 'unsound'; verdict: string; kind: string; children: preact.ComponentChildren }) {
  return (
    <div class={`verdict ${p.proofs}`} data-verdict={p.verdict} data-proofs={p.proofs} data-kind={p.kind} role="status">
      <p class="proofs">{p.proofs === 'sound' ? t('证明：可靠') : t('证明：不可靠')}</p>
      <p class="decision">{p.children}</p>
    </div>
  );
}

function Findings({ problems, warnings }: { problems: { code: string; message: string }[]; warnings: { code: string; message: string }[] }) {
  return (
    <>
      {problems.length > 0 && (
        <>
          <h3>{t('问题')}</h3>
          <ul class="bad">
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.code}</code> {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {warnings.length > 0 && (
        <>
          <h3>{t('警告')}</h3>
          <ul class="warn">
            {warnings.map((w, i) => (
              <li key={i}>
                <code>{w.code}</code> {w.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function Times({ asOf, provenTo }: { asOf: number | null; provenTo: number | null }) {
  return (
    <p class="small">
      {t('截至')}: {cst(asOf)} · {t('证明至')}: {cst(provenTo)} {t('（证明包无法证明此后没有发生任何事）')}
    </p>
  );
}

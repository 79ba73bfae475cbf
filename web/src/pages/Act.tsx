import { useEffect, useState } from 'preact/hooks';
import { toHex } from '../../../protocol/bytes.js';
import { CLOSE_RESULTS, OPINIONS, PAUSE_REASONS, STEPS } from '../../../protocol/cases/schema.js';
import { ACTIONS, act, hashFile, type Action, type Fields, type Submitted } from '../act.js';
import { t } from '../i18n.js';
import { forgetKey, importKey, listKeys, type StoredKey } from '../keystore.js';
import { href, onLink } from '../router.js';
import { Slip } from './Slip.js';

const LABEL: Record<Action, string> = {
  open: '开件受理',
  handoff: '转交',
  receive: '签收',
  accept: '受理',
  pause: '暂停计时',
  resume: 'resume',
  step: '审批环节',
  close: '办结关闭',
  register: '文书登记',
  approve: '文书审批',
};

const EMPTY: Fields = {
  caseId: '',
  item: '',
  name: '',
  serial: '',
  handler: '',
  days: '20',
  idType: '111',
  idNumber: '',
  materials: [],
  to: '',
  reason: PAUSE_REASONS[0],
  step: STEPS[0],
  opinion: OPINIONS[0],
  result: 'issued',
  doc: '',
  docType: '',
  role: 'review',
  decision: 'approve',
};

function Field(p: { id: keyof Fields; label: string; f: Fields; set: (f: Fields) => void; options?: readonly string[] }) {
  const v = p.f[p.id] as string;
  const on = (e: Event) => p.set({ ...p.f, [p.id]: (e.currentTarget as HTMLInputElement).value });
  return (
    <label for={`f-${p.id}`}>
      {t(p.label)}
      {p.options ? (
        <select id={`f-${p.id}`} name={p.id} value={v} onChange={on}>
          {p.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input id={`f-${p.id}`} name={p.id} value={v} onInput={on} autocomplete="off" />
      )}
    </label>
  );
}

/** The official's page: import an actor key into this browser, then sign and submit case and document writes. */
export function Act() {
  const [keys, setKeys] = useState<StoredKey[]>([]);
  const [chosen, setChosen] = useState('');
  const [action, setAction] = useState<Action>('open');
  const [f, setF] = useState<Fields>(EMPTY);
  const [done, setDone] = useState<Submitted | null>(null);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const refresh = () =>
    listKeys().then(
      (ks) => {
        setKeys(ks);
        setChosen((c) => (ks.some((k) => k.id === c) ? c : (ks[0]?.id ?? '')));
      },
      (e: Error) => setErr(e.message),
    );
  useEffect(() => void refresh(), []);
  const key = keys.find((k) => k.id === chosen);
  const isCase = !['open', 'register', 'approve'].includes(action);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!key) return;
    setBusy(true);
    setErr('');
    setDone(null);
    try {
      const r = await act(action, f, key);
      setDone(r);
      // The applicant's ID number is not kept on the screen once it is hashed into the case.
      if (action === 'open') setF({ ...f, caseId: r.id, idNumber: '' });
    } catch (x) {
      setErr(`${(x as { code?: string }).code ?? ''} ${(x as Error).message}`.trim());
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="act-title">
      <h1 id="act-title">{t('办理')}</h1>
      <h2>{t('密钥')}</h2>
      <p class="note">{t('导入工作人员密钥文件（tongban-key/v1，actor）。密钥保存在本浏览器的 IndexedDB 中，从不发送。')}</p>
      <label for="key-file">{t('导入密钥')}</label>
      <input
        id="key-file"
        type="file"
        accept=".key,.json,application/json"
        onChange={async (e) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (!file) return;
          try {
            const k = await importKey(await file.text());
            setChosen(k.id);
            await refresh();
          } catch (x) {
            setErr((x as Error).message);
          }
        }}
      />
      {keys.length === 0 ? (
        <p>{t('没有导入密钥。')}</p>
      ) : (
        <ul class="keys">
          {keys.map((k) => (
            <li key={k.id} data-key={k.id}>
              <label>
                <input type="radio" name="key" checked={k.id === chosen} onChange={() => setChosen(k.id)} /> {k.id} <span class="mono small">{k.pub.slice(0, 16)}…</span> · {t('签名方式')}:{' '}
                {k.key ? 'WebCrypto Ed25519' : 'noble'}
              </label>{' '}
              <button type="button" onClick={() => forgetKey(k.id).then(refresh)}>
                {t('删除密钥')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="act filters" onSubmit={submit} aria-label={t('操作')}>
        <label>
          {t('操作')}
          <select id="act-action" value={action} onChange={(e) => setAction((e.currentTarget as HTMLSelectElement).value as Action)}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(LABEL[a])} ({a})
              </option>
            ))}
          </select>
        </label>
        {isCase && <Field id="caseId" label="办件编号" f={f} set={setF} />}
        {action === 'open' && (
          <>
            <Field id="item" label="事项编码" f={f} set={setF} />
            <Field id="name" label="名称" f={f} set={setF} />
            <Field id="serial" label="流水号" f={f} set={setF} />
            <Field id="handler" label="承办成员" f={f} set={setF} />
            <Field id="days" label="时限天数" f={f} set={setF} />
            <Field id="idType" label="证件类型" f={f} set={setF} />
            <Field id="idNumber" label="证件号码" f={f} set={setF} />
            <label>
              {t('材料（文件）')}
              <input
                type="file"
                multiple
                name="materials"
                onChange={async (e) => {
                  const files = Array.from((e.currentTarget as HTMLInputElement).files ?? []);
                  setF({ ...f, materials: await Promise.all(files.map(async (x) => ({ name: x.name, doc: await hashFile(x) }))) });
                }}
              />
            </label>
          </>
        )}
        {action === 'handoff' && <Field id="to" label="目标成员" f={f} set={setF} />}
        {action === 'pause' && <Field id="reason" label="原因" f={f} set={setF} options={PAUSE_REASONS} />}
        {action === 'step' && (
          <>
            <Field id="step" label="环节" f={f} set={setF} options={STEPS} />
            <Field id="opinion" label="意见" f={f} set={setF} options={OPINIONS} />
          </>
        )}
        {action === 'close' && <Field id="result" label="结果" f={f} set={setF} options={Object.keys(CLOSE_RESULTS)} />}
        {(action === 'register' || action === 'approve') && (
          <>
            <Field id="doc" label="文书哈希" f={f} set={setF} />
            <label>
              {t('文书')}
              <input
                id="doc-file"
                type="file"
                onChange={async (e) => {
                  const file = (e.currentTarget as HTMLInputElement).files?.[0];
                  if (file) setF({ ...f, doc: toHex(await hashFile(file)) });
                }}
              />
            </label>
          </>
        )}
        {action === 'register' && <Field id="docType" label="文书类型" f={f} set={setF} />}
        {action === 'approve' && (
          <>
            <Field id="decision" label="决定" f={f} set={setF} options={['approve', 'reject']} />
            <Field id="role" label="环节" f={f} set={setF} />
            <Field id="reason" label="原因" f={f} set={setF} />
          </>
        )}
        <button type="submit" id="act-submit" disabled={!key || busy}>
          {t('提交')}
        </button>
      </form>
      <div aria-live="polite">
        {err && (
          <p class="bad" role="alert" id="act-error">
            {err}
          </p>
        )}
        {done && (
          <div class="done" id="act-done" data-record={done.id}>
            <p>
              {t('已提交')}: {done.kind} · {t('记录')} <span class="mono">{done.id}</span> ({done.author}/{done.seq})
            </p>
            {done.kind.startsWith('case.') && (
              <p>
                <a href={href(`/cases/${done.kind === 'case.open' ? done.id : f.caseId}`)} onClick={onLink}>
                  {t('办件')}
                </a>
              </p>
            )}
            {done.salt && <Slip caseId={done.id} salt={done.salt} serial={f.serial} item={f.item} name={f.name} />}
          </div>
        )}
      </div>
    </section>
  );
}

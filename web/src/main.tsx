import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { setToken } from './api.js';
import { lang, setLang, t } from './i18n.js';
import { Act } from './pages/Act.js';
import { CasePage, Cases, Supervise } from './pages/Cases.js';
import { Citizen } from './pages/Citizen.js';
import { Network } from './pages/Network.js';
import { Verify } from './pages/Verify.js';
import { fileMode, href, onLink, usePath } from './router.js';
import './style.css';

const NAV: [string, string][] = [
  ['/cases', '办件'],
  ['/supervise', '督办'],
  ['/network', '网络'],
  ['/act', '办理'],
  ['/verify', '验证'],
];

function page(path: string) {
  let m = /^\/cases\/([0-9a-f]{64})$/.exec(path);
  if (m) return <CasePage id={m[1]!} />;
  m = /^\/c\/([0-9a-f]{64})$/.exec(path);
  if (m) return <Citizen id={m[1]!} />;
  if (path === '/verify' || fileMode) return <Verify />;
  if (path === '/supervise') return <Supervise />;
  if (path === '/network') return <Network />;
  if (path === '/act') return <Act />;
  return <Cases />;
}

/** Asks for the API token when the node answered 401; kept in this tab's sessionStorage. */
function TokenDialog({ onDone }: { onDone: () => void }) {
  const [v, setV] = useState('');
  return (
    <div class="token" role="dialog" aria-modal="true" aria-labelledby="token-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(v.trim());
          onDone();
        }}
      >
        <h2 id="token-title">{t('需要访问令牌')}</h2>
        <p>{t('此节点要求访问令牌。令牌只保存在本标签页（sessionStorage）。')}</p>
        <label>
          {t('令牌')}
          <input type="password" autofocus value={v} onInput={(e) => setV((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('保存')}</button>
      </form>
    </div>
  );
}

function App() {
  const path = usePath();
  const [, setL] = useState(lang());
  const [askToken, setAskToken] = useState(false);
  useEffect(() => {
    const on = () => setAskToken(true);
    window.addEventListener('tongban-auth-needed', on);
    return () => window.removeEventListener('tongban-auth-needed', on);
  }, []);
  const first = useRef(true);
  // A new page: focus its main region, so that keyboard and screen-reader users start at the page's heading.
  useEffect(() => {
    if (first.current) first.current = false;
    else document.getElementById('main')?.focus();
  }, [path]);
  const citizen = path.startsWith('/c/');
  return (
    <>
      <a class="skip" href="#main">
        跳到正文 / Skip to content
      </a>
      <header>
        <span class="brand">{t('通办 控制台')}</span>
        {!citizen && !fileMode && (
          <nav aria-label={t('导航')}>
            {NAV.map(([p, label]) => (
              <a key={p} href={href(p)} onClick={onLink} aria-current={path === p || (p === '/cases' && path.startsWith('/cases/')) ? 'page' : undefined}>
                {t(label)}
              </a>
            ))}
          </nav>
        )}
        <button
          type="button"
          class="lang"
          lang={lang() === 'zh' ? 'en' : 'zh-CN'}
          title={t('语言')}
          onClick={() => {
            setLang(lang() === 'zh' ? 'en' : 'zh');
            setL(lang());
          }}
        >
          {lang() === 'zh' ? 'English' : '中文'}
        </button>
      </header>
      {askToken && <TokenDialog onDone={() => setAskToken(false)} />}
      <main id="main" tabIndex={-1}>
        {page(path)}
      </main>
    </>
  );
}

setLang(lang());
render(<App />, document.getElementById('app')!);

import { useEffect, useState } from 'preact/hooks';

// Paths under the node (`/verify`, `/cases/…`); from disk (file:, no server) the same paths live in the fragment.
export const fileMode = typeof location !== 'undefined' && location.protocol === 'file:';

export const currentPath = (): string => (fileMode ? location.hash.slice(1) || '/verify' : location.pathname);

export const href = (path: string): string => (fileMode ? `#${path}` : path);

export function navigate(path: string): void {
  if (fileMode) location.hash = path;
  else {
    history.pushState(null, '', path);
    window.dispatchEvent(new Event('tongban-nav'));
  }
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => setPath(currentPath());
    for (const e of ['popstate', 'hashchange', 'tongban-nav']) window.addEventListener(e, on);
    return () => {
      for (const e of ['popstate', 'hashchange', 'tongban-nav']) window.removeEventListener(e, on);
    };
  }, []);
  return path;
}

/** A link that navigates inside the console (keyboard and middle-click behave as for any link). */
export function onLink(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (fileMode || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href')!);
}

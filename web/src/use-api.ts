import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

export interface Loaded<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/**
 * A number that changes each time a token is given (api.ts fires `tongban-token`), and a way to change it by hand:
 * an effect that depends on it loads again.
 */
export function useTokenTick(): [tick: number, bump: () => void] {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((n) => n + 1);
    window.addEventListener('tongban-token', on);
    return () => window.removeEventListener('tongban-token', on);
  }, []);
  return [tick, () => setTick((n) => n + 1)];
}

/** GET a JSON path (null: nothing to load); loads again when the path changes or a token is given. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null });
  const [tick, bump] = useTokenTick();
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { ...state, reload: bump };
}

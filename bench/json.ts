import { median, type Figure } from './lib.js';

/** The machine-readable names of issue 16 (`npm run bench -- --quick --json`). */
export const JSON_FIGURES = [
  'http_appends',
  'own_appends',
  'foreign_accept',
  'replication',
  'finality_p50_100',
  'finality_p99_100',
  'finality_achieved_1000',
  'finality_p50_1000',
  'cold_verify',
  'client_status',
] as const;

export interface JsonFigure {
  /** The median of the runs; null only when the run measured nothing (e.g. no record acknowledged). */
  value: number | null;
  unit: string;
  /** value ÷ the reference it is compared with, measured in the same run; null without one. */
  ratio: number | null;
  /** What `ratio` compares with: the peer's or the limit's name. */
  vs: string | null;
}

/**
 * The one JSON object of `--json`: every figure that carries a `key`, its median, and its ratio to the figure
 * named by `vs` (the peer's median, or the limit: a ceiling for rates, the bare `node -e 0` for times).
 */
export function benchJson(figures: Figure[]): { figures: Record<string, JsonFigure> } {
  const out: Record<string, JsonFigure> = {};
  for (const f of figures) {
    if (!f.key) continue;
    if (out[f.key]) throw new Error(`bench: two figures are named ${f.key}`);
    // A figure that measured nothing (no record acknowledged) has no value: null, never a made-up number.
    const value = f.runs.length > 0 && f.runs.every(Number.isFinite) ? median(f.runs) : null;
    const ref = f.vs === 'peer' && f.peer ? { name: f.peer.name, value: median(f.peer.runs) } : f.vs === 'limit' && f.limit ? f.limit : undefined;
    out[f.key] = { value, unit: f.unit, ratio: ref && ref.value > 0 && value !== null ? value / ref.value : null, vs: ref ? ref.name : null };
  }
  return { figures: out };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  name: string;
  unit: string;
  runs: number[];
  /** Higher is better (rates) or lower is better (latencies, sizes). */
  better: 'higher' | 'lower';
  peer?: { name: string; runs: number[] };
  limit?: { name: string; value: number };
  target?: string;
  note?: string;
  /** Its name in the `--json` output (bench/json.ts), and what its ratio there compares with. */
  key?: string;
  vs?: 'peer' | 'limit';
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function tmp(prefix: string): { path: string; rm: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, rm: () => rmSync(path, { recursive: true, force: true }) };
}

export async function repeat(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

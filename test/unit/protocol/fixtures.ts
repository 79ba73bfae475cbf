import { readFileSync } from 'node:fs';

/** Load a vector file copied from shared/vectors (frozen in test/fixtures/vectors). */
export function vector<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/vectors/${name}`, import.meta.url), 'utf8')) as T;
}

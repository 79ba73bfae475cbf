// Types for scripts/check-layers.mjs (plain JS so CI runs it without a build).
export type Rule = 'upward' | 'node-builtin' | 'package' | 'cycle' | 'unknown-layer';
export interface Violation {
  rule: Rule;
  file: string;
  target: string;
  message: string;
}
export const LAYERS: Record<string, string[] | '*'>;
export const BROWSER_PACKAGES: string[];
export function checkGraph(graph: Map<string, string[]>): Violation[];
export function importsOf(text: string): string[];
export function graphOf(root: string): Map<string, string[]>;

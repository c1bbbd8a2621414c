// Types of scripts/lib.mjs for the TypeScript code that imports it.
import type { StdioOptions } from 'node:child_process';
export function newestMtime(dir: string): number;
export function rendererStale(root: string): boolean;
export function buildRenderer(root: string, stdio?: StdioOptions): number;

/** Loads a known-answer vector file from ../shared/vectors (read-only, beside the checkout). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'vectors');

export function loadVector<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8')) as T;
}

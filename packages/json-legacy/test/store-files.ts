// Files for the store tests: each test its own folder, fixtures copied in, the raw file read back.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Invocation } from '@skill-metrics/core/contract';
import type { LegacyJsonStore } from '@skill-metrics/json-legacy';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-store-'));
let n = 0;

/** A path in a folder of its own, nothing there yet. */
export const fresh = () => join(dir, `file-${n++}`, 'skill_metrics.json');

/** A copy of the named fixture at a fresh path. */
export const fixture = (name: string) => {
  const path = fresh();
  mkdirSync(join(path, '..'), { recursive: true });
  copyFileSync(join(FIXTURES, name), path);
  return path;
};

export interface RawFile {
  invocations: Array<Record<string, unknown>>;
  skills: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
export const readRaw = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as RawFile;

export async function all(store: LegacyJsonStore): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for await (const inv of store.listInvocations()) out.push(inv);
  return out;
}

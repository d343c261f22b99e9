/**
 * The receiver as Lambda runs it: the bundle `esbuildOptions(…, 'receiver')` builds (the options
 * `functionBundling('receiver')` gives CDK; an infra test checks both make the same bytes),
 * imported by Node itself as the runtime imports `index.mjs`. Integration tests run these bytes,
 * not the TypeScript source, so a substitute or an SDK build that breaks at runtime fails them.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions } from '../../infra/bundling.js';

const ENTRY = fileURLToPath(new URL('../../functions/receiver/handler.ts', import.meta.url));
// Under node_modules, so vitest leaves the import to Node instead of transforming the file.
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/receiver-under-test/', import.meta.url));

let built: Promise<string> | undefined;

/** Builds the receiver's bundle once per test process and returns its `index.mjs`. */
export function receiverBundle(): Promise<string> {
  built ??= buildBundle();
  return built;
}

async function buildBundle(): Promise<string> {
  const dir = join(CACHE, `${process.pid}-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'index.mjs');
  await build({ ...esbuildOptions(ENTRY, outfile, 'receiver'), logLevel: 'error' });
  return outfile;
}

let copies = 0;

/**
 * A fresh instance of the bundled module, as a new Lambda environment loads it: each import is of
 * a new copy of the same bytes, so it reads its configuration and fetches its secret again.
 */
export async function importReceiverBundle(): Promise<Record<string, unknown>> {
  const bundle = await receiverBundle();
  copies += 1;
  const copy = join(dirname(bundle), `index-${copies}.mjs`);
  copyFileSync(bundle, copy);
  return (await import(pathToFileURL(copy).href)) as Record<string, unknown>;
}

/**
 * The two bundles the cold start compares, built fresh for every run:
 *
 * - **tuned**: the receiver exactly as the stack deploys it (`esbuildOptions(…, 'receiver')` from
 *   `infra/bundling.ts`, the options `functionBundling('receiver')` gives CDK; an infra test checks
 *   both produce the same bytes);
 * - **baseline**: the same `handler.ts` bundled the default way: CommonJS, the SDK inside (its
 *   CommonJS build, which is what esbuild picks by default), no minification, no substitutes.
 *   CommonJS has no top-level await, so the build rewrites the handler's top-level
 *   `await x;` statements into `export const ready = Promise.all([x])`, which is what a CommonJS
 *   handler would do: start the work at load and wait for it. The cold-start harness awaits
 *   `ready` as part of the load, so both bundles do the same work before their first request.
 *   (`topLevelAwaitAsReady` below says what becomes of the other module that awaits at load.)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { esbuildOptions } from '../infra/bundling.js';

export const RECEIVER_ENTRY = fileURLToPath(new URL('../functions/receiver/handler.ts', import.meta.url));

/** A built bundle and its sizes. */
export interface BuiltBundle {
  readonly file: string;
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

/** What the tuned bundle is made of, by package, largest first. */
export interface PackageShare {
  readonly name: string;
  readonly bytes: number;
}

export interface Bundles {
  readonly tuned: BuiltBundle & { readonly packages: readonly PackageShare[] };
  readonly baseline: BuiltBundle;
  /** A hello-world handler with the options of any function: the floor of a cold load. */
  readonly floor: BuiltBundle;
}

const FLOOR_ENTRY = fileURLToPath(new URL('./workers/hello-world.ts', import.meta.url));

/**
 * Builds the tuned and the baseline bundle into `dir`.
 *
 * @example
 * const { tuned, baseline } = await buildBundles(workDir);
 * console.log(tuned.rawBytes, baseline.rawBytes);
 */
export async function buildBundles(dir: string): Promise<Bundles> {
  const tunedFile = join(dir, 'tuned', 'index.mjs');
  const tuned = await build({
    ...esbuildOptions(RECEIVER_ENTRY, tunedFile, 'receiver'),
    metafile: true,
    logLevel: 'error',
  });

  const baselineFile = join(dir, 'baseline', 'index.cjs');
  await build({
    entryPoints: [RECEIVER_ENTRY],
    outfile: baselineFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    plugins: [topLevelAwaitAsReady()],
    logLevel: 'error',
  });

  const floorFile = join(dir, 'floor', 'index.mjs');
  await build({ ...esbuildOptions(FLOOR_ENTRY, floorFile), logLevel: 'error' });

  return {
    tuned: { ...(await sizes(tunedFile)), packages: packageShares(tuned.metafile) },
    baseline: await sizes(baselineFile),
    floor: await sizes(floorFile),
  };
}

/**
 * Bundles a bench worker with the options of any function of the stack, so what it measures runs
 * the SDK build and substitutes the stack deploys; `substitutes` adds the worker's own. (Not the
 * receiver's own tuning: its built-in substitutes list only what the receiver imports, and a
 * worker imports more.)
 */
export async function buildWorker(
  entry: string,
  outfile: string,
  substitutes: Readonly<Record<string, string>> = {},
): Promise<string> {
  const options = esbuildOptions(entry, outfile);
  await build({
    ...options,
    alias: { ...options.alias, ...substitutes },
    sourcemap: false,
    logLevel: 'error',
  });
  return outfile;
}

async function sizes(file: string): Promise<BuiltBundle> {
  const bytes = await readFile(file);
  // Level 6, zlib's default, is what a deployment zip's deflate uses.
  return { file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}

const TOP_LEVEL_AWAIT = /^await\s+([^;]+);[ \t]*$/gm;

/**
 * The rewrite that lets the receiver's handler, with its top-level `await x;` statements, be
 * bundled to CommonJS, which cannot pause a module's evaluation: the work it awaits at load (the
 * secret) is collected into the exported `ready`, which the cold-start harness awaits as part of
 * the load.
 */
function topLevelAwaitAsReady(): Plugin {
  return {
    name: 'top-level-await-as-ready',
    setup(builder) {
      builder.onLoad({ filter: /functions[\\/]receiver[\\/]handler\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const rewritten = source.replace(
          TOP_LEVEL_AWAIT,
          (_statement, expression: string) => `__benchReady.push(${expression});`,
        );
        const contents =
          'const __benchReady: unknown[] = [];\n' +
          rewritten +
          '\n/** Settles when the work the ESM handler awaits at load has finished. */\n' +
          'export const ready = Promise.all(__benchReady);\n';
        return { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Output bytes per npm package (scope and submodule kept apart), and our own code under `(ours)`. */
function packageShares(metafile: Metafile): PackageShare[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (output === undefined) throw new Error('esbuild wrote no entry point output for the receiver.');
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/dist-es\/submodules\/([^/]+))?/.exec(path);
    const name = match === null ? '(ours)' : `${match[1]}${match[2] === undefined ? '' : `/${match[2]}`}`;
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

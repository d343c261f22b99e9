import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * Modules replaced in every bundle by a smaller or cheaper one with the same exports, each of which
 * says why it is safe (`functions/bundle-substitutes/`). The first three take about 158 KB out of
 * the receiver's bundle: the credential chain reduced to the environment variables Lambda sets, and
 * two SDK features none of our calls use but every client drags in. The last loads `node:http` with
 * `require`, which on Node 22+ saves the 15–25 ms an ES module import of it costs.
 *
 * Absolute paths: esbuild resolves an alias from its working directory, which is the consuming
 * project's root when the construct is used from elsewhere. They are never written into the
 * bundle or the template. They need local bundling (esbuild is a dev dependency, so CDK always
 * bundles locally); Docker bundling would not see them.
 */
export const BUNDLE_SUBSTITUTES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': substitute('lambda-credentials.ts'),
  '@smithy/core/event-streams': substitute('no-event-streams.ts'),
  '@aws-sdk/endpoint-cache': substitute('no-endpoint-cache.ts'),
  'node:http': substitute('node-http.ts'),
};

/**
 * The receiver's bundle only, on top of `BUNDLE_SUBSTITUTES`: every other Node.js built-in it
 * imports, loaded with `require` (`functions/bundle-substitutes/require-builtin.ts` says why; about
 * 4 ms of a cold start). Each substitute lists the exports the receiver and the SDK it bundles use,
 * so it is no substitute for the whole module: a function of yours may import something else, and
 * `functionBundling()` leaves these out. The infra tests check the receiver's bundle imports no
 * built-in but `node:module`.
 */
export const RECEIVER_SUBSTITUTES: Readonly<Record<string, string>> = {
  ...BUNDLE_SUBSTITUTES,
  'node:crypto': substitute('node-crypto.ts'),
  'node:fs': substitute('node-fs.ts'),
  'node:fs/promises': substitute('node-fs-promises.ts'),
  'node:https': substitute('node-https.ts'),
  'node:os': substitute('node-os.ts'),
  'node:path': substitute('node-path.ts'),
  'node:process': substitute('node-process.ts'),
  'node:stream': substitute('node-stream.ts'),
};

function substitute(file: string): string {
  return fileURLToPath(new URL(`../functions/bundle-substitutes/${file}`, import.meta.url));
}

/**
 * The receiver's bundle only: the SDK checks every request and response body against the web
 * streams API (`typeof ReadableStream`), and on Node that global is a getter that loads the whole
 * web streams implementation on first read: about 1 ms of the first request, for a check that is
 * always false in the receiver (bodies are strings and Buffers, answers are Node streams). In its
 * bundle the name reads as `undefined`, which every such check takes for "no web streams"; the
 * infra tests check that no other use of the name is left. Code that uses web streams, as a
 * subscriber might, must not be bundled this way.
 */
const RECEIVER_DEFINE: Readonly<Record<string, string>> = { ReadableStream: 'undefined' };

/** Which tuning a bundle gets: `function` for any function, `receiver` for the receiver alone. */
export type BundleKind = 'function' | 'receiver';

function tuningOf(kind: BundleKind): {
  readonly alias: Readonly<Record<string, string>>;
  readonly define: Readonly<Record<string, string>>;
} {
  return kind === 'receiver'
    ? { alias: RECEIVER_SUBSTITUTES, define: RECEIVER_DEFINE }
    : { alias: BUNDLE_SUBSTITUTES, define: {} };
}

/**
 * How every function in this project is bundled: one self-contained, minified ES module with the
 * AWS SDK inside (the runtime's copy is not loaded, and its version is the one we test), so a cold
 * start reads one small file. `module` main fields let esbuild pick the SDK's ESM builds and drop
 * what is unused; the banner gives CommonJS dependencies the `require` that ESM lacks.
 *
 * One description, two spellings: `functionBundling()` for CDK's `NodejsFunction`, which runs the
 * esbuild CLI, and `esbuildOptions()` for esbuild's API, which `npm run bench` builds with. The
 * infra tests check that both produce the same bytes.
 */
const SETTINGS = {
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
} as const;

/**
 * Bundling options for a `NodejsFunction`: `'function'` (the default) for any function, yours
 * included; `'receiver'` only for the webhook receiver, whose imports its extra tuning is made for.
 *
 * @example
 * new NodejsFunction(this, 'Fn', { entry, runtime: Runtime.NODEJS_24_X, bundling: functionBundling() });
 */
export function functionBundling(kind: BundleKind = 'function'): BundlingOptions {
  const tuning = tuningOf(kind);
  return {
    format: OutputFormat.ESM,
    target: SETTINGS.target,
    platform: 'node',
    mainFields: [...SETTINGS.mainFields],
    externalModules: [],
    minify: SETTINGS.minify,
    sourceMap: SETTINGS.sourcemap,
    sourcesContent: SETTINGS.sourcesContent,
    banner: SETTINGS.banner,
    define: { ...tuning.define },
    esbuildArgs: {
      '--alias': Object.entries(tuning.alias).map(([name, path]) => `${name}=${path}`),
    },
  };
}

/**
 * The same bundle as `functionBundling(kind)` gives `NodejsFunction`, as options for esbuild's
 * `build()`: `entry` bundled to `outfile` (name it `index.mjs`, as CDK does, for identical bytes).
 *
 * @example
 * const result = await build({ ...esbuildOptions(entry, join(dir, 'index.mjs'), 'receiver'), metafile: true });
 */
export function esbuildOptions(entry: string, outfile: string, kind: BundleKind = 'function'): BuildOptions {
  const tuning = tuningOf(kind);
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: SETTINGS.target,
    mainFields: [...SETTINGS.mainFields],
    minify: SETTINGS.minify,
    sourcemap: SETTINGS.sourcemap,
    sourcesContent: SETTINGS.sourcesContent,
    banner: { js: SETTINGS.banner },
    define: { ...tuning.define },
    alias: { ...tuning.alias },
  };
}

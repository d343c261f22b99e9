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

function substitute(file: string): string {
  return fileURLToPath(new URL(`../functions/bundle-substitutes/${file}`, import.meta.url));
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
 * Bundling options for a `NodejsFunction`.
 *
 * @example
 * new NodejsFunction(this, 'Fn', { entry, runtime: Runtime.NODEJS_24_X, bundling: functionBundling() });
 */
export function functionBundling(): BundlingOptions {
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
    esbuildArgs: {
      '--alias': Object.entries(BUNDLE_SUBSTITUTES).map(([name, path]) => `${name}=${path}`),
    },
  };
}

/**
 * The same bundle as `functionBundling()` gives `NodejsFunction`, as options for esbuild's
 * `build()`: `entry` bundled to `outfile` (name it `index.mjs`, as CDK does, for identical bytes).
 *
 * @example
 * const result = await build({ ...esbuildOptions(entry, join(dir, 'index.mjs')), metafile: true });
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
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
    alias: { ...BUNDLE_SUBSTITUTES },
  };
}

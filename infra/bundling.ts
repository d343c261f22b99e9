import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * Modules replaced in every bundle: `node:http` is handed over as Node's own CommonJS module
 * instead of imported as an ES module, which on Node 22+ saves the 15–25 ms such an import costs
 * (`functions/bundle-substitutes/node-http.cjs` says why, and why no export can go missing).
 *
 * Absolute paths: esbuild resolves an alias from its working directory, which is the consuming
 * project's root when the construct is used from elsewhere. They are never written into the
 * bundle or the template. They need local bundling (esbuild is a dev dependency, so CDK always
 * bundles locally); Docker bundling would not see them.
 */
export const BUNDLE_SUBSTITUTES: Readonly<Record<string, string>> = {
  'node:http': substitute('node-http.cjs'),
};

/**
 * The SDK's credential chain reduced to the environment variables Lambda sets (about 130 KB less):
 * right for a function whose role's credentials are all it uses. The receiver's bundle has it;
 * `functionBundling('function', { envCredentialsOnly: true })` gives it to one of yours.
 */
export const ENV_CREDENTIALS_SUBSTITUTES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': substitute('lambda-credentials.ts'),
};

/**
 * The receiver's bundle only, on top of the others: two SDK features none of its calls uses but
 * every client drags in (event streams, the endpoint-discovery cache). Each stub throws a message
 * naming itself if it is ever reached, and the receiver's integration tests run this bundle.
 */
export const RECEIVER_SUBSTITUTES: Readonly<Record<string, string>> = {
  ...BUNDLE_SUBSTITUTES,
  ...ENV_CREDENTIALS_SUBSTITUTES,
  '@smithy/core/event-streams': substitute('no-event-streams.ts'),
  '@aws-sdk/endpoint-cache': substitute('no-endpoint-cache.ts'),
};

function substitute(file: string): string {
  return fileURLToPath(new URL(`../functions/bundle-substitutes/${file}`, import.meta.url));
}

/** Which tuning a bundle gets: `function` for any function, `receiver` for the receiver alone. */
export type BundleKind = 'function' | 'receiver';

/** Options of a `function` bundle. */
export interface FunctionBundlingOptions {
  /**
   * Replace the SDK's credential chain by its environment-variable link (`ENV_CREDENTIALS_SUBSTITUTES`):
   * for a function that only ever uses its role's credentials, as Lambda provides them.
   * @default false
   */
  readonly envCredentialsOnly?: boolean;
}

function aliasesOf(kind: BundleKind, options: FunctionBundlingOptions): Readonly<Record<string, string>> {
  if (kind === 'receiver') return RECEIVER_SUBSTITUTES;
  return options.envCredentialsOnly === true
    ? { ...BUNDLE_SUBSTITUTES, ...ENV_CREDENTIALS_SUBSTITUTES }
    : BUNDLE_SUBSTITUTES;
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
 * `options.envCredentialsOnly` gives a function of yours the receiver's reduced credential chain.
 *
 * @example
 * new NodejsFunction(this, 'Fn', { entry, runtime: Runtime.NODEJS_24_X, bundling: functionBundling() });
 */
export function functionBundling(
  kind: BundleKind = 'function',
  options: FunctionBundlingOptions = {},
): BundlingOptions {
  const alias = aliasesOf(kind, options);
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
      '--alias': Object.entries(alias).map(([name, path]) => `${name}=${path}`),
    },
  };
}

/**
 * The same bundle as `functionBundling(kind, options)` gives `NodejsFunction`, as options for esbuild's
 * `build()`: `entry` bundled to `outfile` (name it `index.mjs`, as CDK does, for identical bytes).
 *
 * @example
 * const result = await build({ ...esbuildOptions(entry, join(dir, 'index.mjs'), 'receiver'), metafile: true });
 */
export function esbuildOptions(
  entry: string,
  outfile: string,
  kind: BundleKind = 'function',
  options: FunctionBundlingOptions = {},
): BuildOptions {
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
    alias: { ...aliasesOf(kind, options) },
  };
}

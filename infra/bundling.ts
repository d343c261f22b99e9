import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every function in this project is bundled: one self-contained, minified ES module with the
 * AWS SDK inside (the runtime's copy is not loaded, and its version is the one we test), so a cold
 * start reads one small file. `module` main fields let esbuild pick the SDK's ESM builds and drop
 * what is unused; the banner gives CommonJS dependencies the `require` that ESM lacks.
 */
export function functionBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    platform: 'node',
    mainFields: ['module', 'main'],
    externalModules: [],
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  };
}

/**
 * Preloaded with `node --import` after tsx: makes every `@aws-sdk/*` and `@smithy/*` module
 * unresolvable, for ESM imports and CommonJS requires alike, so a program that loads the AWS SDK
 * fails at the import, naming the module and who imported it. `synth-loads-no-sdk.test.ts` runs
 * the CDK app under it.
 */
import Module, { register } from 'node:module';

const BLOCKED = /^@(aws-sdk|smithy)\//;
const MESSAGE = 'is blocked: this process must not load the AWS SDK';

// Registered after tsx's hooks, so this one runs first and sees the specifier as written.
register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (${BLOCKED}.test(specifier)) {
        throw new Error(specifier + ' (imported by ' + context.parentURL + ') ${MESSAGE}');
      }
      return next(specifier, context);
    }
  `)}`,
);

// CommonJS requires (aws-cdk-lib and friends are CommonJS) do not go through the hooks above.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function blockAwsSdk(request, parent, ...rest) {
  if (BLOCKED.test(request)) {
    throw new Error(`${request} (required by ${parent?.filename ?? 'unknown'}) ${MESSAGE}`);
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

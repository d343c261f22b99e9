/**
 * Stands in for `node:http` in the deployed bundles (see `infra/bundling.ts`): Node's own module,
 * handed over as a CommonJS module instead of imported as an ES module.
 *
 * Why: an ES module import of `node:http` builds a namespace from every export of the module, and
 * reading the `WebSocket`, `CloseEvent` and `MessageEvent` getters among them loads undici
 * (https://github.com/nodejs/node/pull/53721 made them lazy for `require` only;
 * https://github.com/nodejs/node/issues/59686 measures the ES module import's cost): about
 * 15–25 ms of a cold start on Node 24, the Lambda runtime, against under 1 ms this way.
 *
 * Why CommonJS: esbuild reads the exports of a CommonJS module when they are used, so every import
 * of `node:http` in the bundle, ours or the SDK's, named, default or through `require`, gets the
 * real module's export, whichever it is. Nothing is listed here, so nothing can be missing.
 *
 * `process.getBuiltinModule` (Node 20.16+, 22.3+), not `require`: esbuild would send a `require`
 * of `node:http` in this file back to this file.
 */
module.exports = process.getBuiltinModule('node:http');

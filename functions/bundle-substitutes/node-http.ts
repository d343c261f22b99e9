/**
 * Stands in for `node:http` in the deployed bundles (see `infra/bundling.ts`): the same module,
 * loaded with `require` instead of `import`.
 *
 * On Node 22 and later an ES module import of `node:http` builds a namespace from every export of
 * the module, and reading `WebSocket` and its kin among them loads undici: about 15–25 ms of a
 * cold start on Node 24 (the Lambda runtime), against under 1 ms for `require` once `node:https`
 * is loaded, as it always is. Any import of `node:http` in the bundle, ours or the SDK's, static or
 * dynamic, lands here; one that needs an export not listed below fails the build, not a request.
 *
 * @example
 * import { request } from 'node:http'; // in a bundle: this module's `request`, node:http's own
 */
import { requireBuiltin } from './require-builtin.js';

const http = requireBuiltin<typeof import('node:http')>('node:http');

export const {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  createServer,
  get,
  maxHeaderSize,
  request,
  validateHeaderName,
  validateHeaderValue,
} = http;

// biome-ignore lint/style/noDefaultExport: node:http has a default export, and SDK packages import it (`import node_http from "node:http"`).
export default http;

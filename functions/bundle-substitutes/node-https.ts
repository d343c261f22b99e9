/**
 * Stands in for `node:https` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK and our code import from it; an
 * import of anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const https = requireBuiltin<typeof import('node:https')>('node:https');

export const { Agent, globalAgent, request, get } = https;

// biome-ignore lint/style/noDefaultExport: node:https has a default export, and SDK packages import it (`import node_https from "node:https"`).
export default https;

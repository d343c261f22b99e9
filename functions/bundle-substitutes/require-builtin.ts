/**
 * How the `node-*` substitutes load a Node.js built-in: with `require`, never with an ES module
 * import (see `infra/bundling.ts`).
 *
 * An ES module import of a built-in makes Node build a module namespace from every export, which
 * reads each one, and several exports are getters that load more of Node on first read:
 * `node:process` reads `process.report` and its kin, `node:fs` reads `fs.promises` and the stream
 * classes, `node:crypto` reads `webcrypto`. `require` returns the module object and reads nothing,
 * so only what the bundle touches is loaded. Measured on Node 24 (`npm run bench`'s machine): the
 * built-ins the receiver imports cost about 8 ms of a cold start through `import`, about 4.5 ms
 * through `require`.
 *
 * A substitute has a default export only where the bundled code imports one (`node:http`,
 * `node:https`); a default import of another fails the build, like any export it lacks.
 *
 * @example
 * const os = requireBuiltin<typeof import('node:os')>('node:os');
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function requireBuiltin<T>(name: `node:${string}`): T {
  return load(name) as T;
}

/**
 * Stands in for `node:path` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK and our code import from it; an
 * import of anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const path = requireBuiltin<typeof import('node:path')>('node:path');

export const { dirname, join, resolve, sep } = path;

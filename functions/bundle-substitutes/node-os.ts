/**
 * Stands in for `node:os` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK and our code import from it; an
 * import of anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const os = requireBuiltin<typeof import('node:os')>('node:os');

export const { homedir, platform, release, EOL } = os;

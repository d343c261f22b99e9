/**
 * Stands in for `node:stream` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK and our code import from it; an
 * import of anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const stream = requireBuiltin<typeof import('node:stream')>('node:stream');

export const { PassThrough, Readable, Transform, Writable } = stream;

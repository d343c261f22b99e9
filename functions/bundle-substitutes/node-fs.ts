/**
 * Stands in for `node:fs` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK imports from it; an import of
 * anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const fs = requireBuiltin<typeof import('node:fs')>('node:fs');

export const { ReadStream, createReadStream, existsSync, fstatSync, lstatSync, readFileSync, statSync } = fs;

/**
 * Stands in for `node:crypto` in the receiver's bundle: the same module, loaded with `require`
 * (see `require-builtin.ts` for why). Lists what the bundled SDK and our code import from it; an
 * import of anything else fails the build, never a request.
 */
import { requireBuiltin } from './require-builtin.js';

const crypto = requireBuiltin<typeof import('node:crypto')>('node:crypto');

export const {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  getRandomValues,
  randomBytes,
  randomFillSync,
  randomUUID,
  sign,
  timingSafeEqual,
} = crypto;

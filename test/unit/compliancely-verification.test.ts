import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignatureError } from '../../functions/receiver/core/errors.js';
import { type Headers, verifySignature } from '../../functions/receiver/core/verifier.js';
import {
  compliancely,
  decodeCompliancelySignature,
} from '../../functions/receiver/providers/compliancely.js';
import { signCompliancely } from '../helpers/compliancely.js';

// An independent vector: computed with `openssl dgst -sha256 -hmac <secret>` (hex) and
// `openssl dgst -sha256 -hmac <secret> -binary | openssl base64 -A`, not with Node.
const VECTOR_SECRET = 'compliancely_fictional_vector_secret';
const VECTOR_BODY = Buffer.from(
  '{"id":4989258,"status":"Did Not Match","updated_date":"2023-02-20T18:02:33Z"}',
);
const VECTOR_HEX = 'd3948ca039562fe110f5379989fe3d17cdf058dc7d5bc35e3f61b3c1f6c0eed7';
const VECTOR_BASE64 = '05SMoDlWL+EQ9TeZif49F83wWNx9W8NeP2GzwfbA7tc=';
const VECTOR_DIGEST = Buffer.from(VECTOR_HEX, 'hex');

const HEADER = 'compliancely-signature';

function verify(signature: string | undefined, body: Buffer = VECTOR_BODY): number {
  const headers: Headers = signature === undefined ? {} : { [HEADER]: signature };
  return verifySignature({
    provider: compliancely,
    headers,
    body,
    secrets: [Buffer.from(VECTOR_SECRET, 'utf8')],
  });
}

function refusal(signature: string | undefined, body: Buffer = VECTOR_BODY): SignatureError {
  try {
    verify(signature, body);
  } catch (error) {
    if (error instanceof SignatureError) return error;
    throw error;
  }
  throw new Error('expected the signature to be refused, but it was accepted');
}

describe('Compliancely signature: the vector in every accepted encoding', () => {
  it('the helper signs the vector as openssl does, in hex and in base64', () => {
    expect(signCompliancely(VECTOR_BODY, VECTOR_SECRET, 'hex')).toBe(VECTOR_HEX);
    expect(signCompliancely(VECTOR_BODY, VECTOR_SECRET, 'HEX')).toBe(VECTOR_HEX.toUpperCase());
    expect(signCompliancely(VECTOR_BODY, VECTOR_SECRET, 'base64')).toBe(VECTOR_BASE64);
  });

  it.each([
    ['lowercase hex', VECTOR_HEX],
    ['uppercase hex', VECTOR_HEX.toUpperCase()],
    ['standard base64', VECTOR_BASE64],
  ])('accepts %s', (_name, signature) => {
    expect(decodeCompliancelySignature(signature)).toEqual(VECTOR_DIGEST);
    expect(verify(signature)).toBe(0);
  });

  it('accepts the header in any spelling', () => {
    const index = verifySignature({
      provider: compliancely,
      headers: { 'Compliancely-Signature': VECTOR_BASE64 },
      body: VECTOR_BODY,
      secrets: [Buffer.from(VECTOR_SECRET)],
    });

    expect(index).toBe(0);
  });

  it.each([
    ['hex', VECTOR_HEX],
    ['base64', VECTOR_BASE64],
  ])('refuses the %s vector signature for a body with one byte changed', (_name, signature) => {
    const changed = Buffer.from(VECTOR_BODY);
    changed[changed.length - 3] = 0x34;

    expect(refusal(signature, changed).reason).toBe('mismatch');
  });
});

describe('Compliancely signature: malformed values are refused before any HMAC', () => {
  const lastBase64 = VECTOR_BASE64.at(-2) ?? '';
  // Same six bits' high four, different low two: decodes to the same 32 bytes.
  const nonCanonicalLast = String.fromCharCode(lastBase64.charCodeAt(0) + 1);

  it.each([
    ['mixed-case hex', VECTOR_HEX.replace(/[a-f]/, (c) => c.toUpperCase())],
    ['hex one character short', VECTOR_HEX.slice(0, 63)],
    ['hex one character long', `${VECTOR_HEX}0`],
    ['hex of a truncated digest', VECTOR_HEX.slice(0, 32)],
    ['hex with a sha256= prefix', `sha256=${VECTOR_HEX}`],
    ['base64 with a sha256= prefix', `sha256=${VECTOR_BASE64}`],
    ['hex with a trailing space', `${VECTOR_HEX} `],
    ['base64 with a leading space', ` ${VECTOR_BASE64}`],
    ['base64 with a trailing newline', `${VECTOR_BASE64}\n`],
    ['base64 without its padding', VECTOR_BASE64.slice(0, -1)],
    ['base64 with extra padding', `${VECTOR_BASE64}=`],
    ['URL-safe base64', VECTOR_BASE64.replace(/\+/g, '-').replace(/\//g, '_')],
    ['base64 with a line break inside', `${VECTOR_BASE64.slice(0, 20)}\n${VECTOR_BASE64.slice(20)}`],
    ['non-canonical base64 (ignored low bits set)', `${VECTOR_BASE64.slice(0, -2)}${nonCanonicalLast}=`],
    ['base64 of 33 bytes', Buffer.concat([VECTOR_DIGEST, Buffer.from([0])]).toString('base64')],
    ['base64 of 31 bytes', VECTOR_DIGEST.subarray(0, 31).toString('base64')],
    ['two signatures, comma-separated', `${VECTOR_HEX},${VECTOR_BASE64}`],
    ['hex followed by base64', VECTOR_HEX + VECTOR_BASE64],
    ['a non-ASCII letter in hex', `${VECTOR_HEX.slice(0, 63)}\u00e9`],
    [
      'fullwidth digits in base64',
      VECTOR_BASE64.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    ],
  ])('%s', (_name, signature) => {
    expect(signature).not.toBe(VECTOR_HEX);
    expect(decodeCompliancelySignature(signature)).toBeUndefined();

    const error = refusal(signature);

    expect(error.reason).toBe('malformed');
    expect(error.statusCode).toBe(401);
  });

  it('refuses non-canonical base64 that a plain decoder would take for the very digest', () => {
    const nonCanonical = `${VECTOR_BASE64.slice(0, -2)}${nonCanonicalLast}=`;

    expect(Buffer.from(nonCanonical, 'base64')).toEqual(VECTOR_DIGEST);
    expect(refusal(nonCanonical).reason).toBe('malformed');
  });

  it('says which encodings it expects, and never repeats the value it got', () => {
    const error = refusal(`sha256=${VECTOR_HEX}`);

    expect(error.message).toBe(
      'Malformed compliancely-signature header: expected the HMAC-SHA256 of the body as 64 hex characters or 44 characters of standard base64.',
    );
    expect(error.message).not.toContain(VECTOR_HEX);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('refuses a signature that is %s as missing', (_name, signature) => {
    expect(refusal(signature).reason).toBe('missing');
  });
});

describe('Compliancely signature: properties', () => {
  const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));

  it('decodes every digest from lowercase hex, uppercase hex and base64 back to itself', () => {
    fc.assert(
      fc.property(digest, (d) => {
        for (const encoded of [d.toString('hex'), d.toString('hex').toUpperCase(), d.toString('base64')]) {
          expect(decodeCompliancelySignature(encoded)).toEqual(d);
        }
      }),
    );
  });

  it('decodes a value only if it is exactly one of the three spellings of what it decodes to', () => {
    const candidates = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 }),
      fc.string({
        unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_='),
        minLength: 42,
        maxLength: 46,
      }),
      digest.map((d) => d.toString('base64url')),
    );
    fc.assert(
      fc.property(candidates, (value) => {
        const decoded = decodeCompliancelySignature(value);
        if (decoded === undefined) return;
        expect(decoded).toHaveLength(32);
        expect([
          decoded.toString('hex'),
          decoded.toString('hex').toUpperCase(),
          decoded.toString('base64'),
        ]).toContain(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts a body signed with the secret in each encoding, and refuses it under another secret', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc.constantFrom('hex' as const, 'HEX' as const, 'base64' as const),
        (body, encoding) => {
          const secret = randomBytes(24).toString('hex');
          const good = createHmac('sha256', secret).update(body).digest();
          const signature =
            encoding === 'base64'
              ? good.toString('base64')
              : encoding === 'HEX'
                ? good.toString('hex').toUpperCase()
                : good.toString('hex');
          const secrets = [Buffer.from(secret)];

          expect(
            verifySignature({ provider: compliancely, headers: { [HEADER]: signature }, body, secrets }),
          ).toBe(0);
          expect(() =>
            verifySignature({
              provider: compliancely,
              headers: { [HEADER]: signature },
              body,
              secrets: [Buffer.from(`${secret}x`)],
            }),
          ).toThrow(SignatureError);
        },
      ),
      { numRuns: 200 },
    );
  });
});

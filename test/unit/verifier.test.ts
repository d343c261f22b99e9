import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sign } from '../../fixtures/complycube.js';
import { SignatureError } from '../../functions/receiver/core/errors.js';
import { type Headers, verifySignature } from '../../functions/receiver/core/verifier.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';

// ComplyCube's published test vector.
const VECTOR_SECRET = 'a_webhook_signature';
const VECTOR_BODY = '{"id":"value"}';
const VECTOR_SIGNATURE = 'bc00414fa4d54277a3ed01e5ee258d9800a918a7791c7cda16d38b82f38f2150';

const SECRET = 'whsec_fictional_0123456789';
const BODY = Buffer.from(
  '{"id":"5ed170fe99c81a0007b9a3d3","type":"check.completed.clear","resourceType":"check","payload":{"id":"5ed3918fbf06f30008e552c9","outcome":"clear","status":"complete"},"createdAt":"2020-01-01T11:14:23.964Z"}',
  'utf8',
);
const GOOD = sign(BODY, SECRET);

function verify(headers: Headers, body: Buffer = BODY, secrets: readonly string[] = [SECRET]): number {
  return verifySignature({
    provider: complyCube,
    headers,
    body,
    secrets: secrets.map((s) => Buffer.from(s, 'utf8')),
  });
}

/** What `verify` threw; fails the test when it returned. */
function refusal(headers: Headers, body: Buffer = BODY, secrets: readonly string[] = [SECRET]): unknown {
  try {
    verify(headers, body, secrets);
  } catch (error) {
    return error;
  }
  throw new Error('expected the signature to be refused, but it was accepted');
}

describe('verifySignature: the provider test vector', () => {
  it('signs the test vector the way ComplyCube does', () => {
    expect(sign(VECTOR_BODY, VECTOR_SECRET)).toBe(VECTOR_SIGNATURE);
  });

  it('accepts the test vector', () => {
    const index = verify({ 'complycube-signature': VECTOR_SIGNATURE }, Buffer.from(VECTOR_BODY), [
      VECTOR_SECRET,
    ]);

    expect(index).toBe(0);
  });

  it('refuses the test vector signature for a body with one byte changed', () => {
    const error = refusal({ 'complycube-signature': VECTOR_SIGNATURE }, Buffer.from('{"id":"valuf"}'), [
      VECTOR_SECRET,
    ]);

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'mismatch', statusCode: 401 });
  });
});

describe('verifySignature: encodings of the signature', () => {
  it('accepts the signature in uppercase hex', () => {
    expect(verify({ 'complycube-signature': GOOD.toUpperCase() })).toBe(0);
  });

  it('refuses the signature in mixed-case hex', () => {
    const mixed = GOOD.replace(/[a-f]/, (c) => c.toUpperCase());

    const error = refusal({ 'complycube-signature': mixed });

    expect(mixed).not.toBe(GOOD);
    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'malformed' });
  });
});

describe('verifySignature: defects of the official SDK verifiers', () => {
  it.each([
    ['one character short', GOOD.slice(0, 63)],
    ['one character long', `${GOOD}0`],
    ['half the length (a truncated digest)', GOOD.slice(0, 32)],
    ['twice the length', GOOD + GOOD],
    ['an odd length that Buffer.from(hex) would silently truncate', `${GOOD.slice(0, 62)}a`],
  ])('refuses a signature of the wrong length: %s', (_name, signature) => {
    const error = refusal({ 'complycube-signature': signature });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'malformed' });
  });

  it('refuses a signature with a sha256= prefix', () => {
    const error = refusal({ 'complycube-signature': `sha256=${GOOD}` });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'malformed' });
  });

  it('refuses an empty signature header', () => {
    const error = refusal({ 'complycube-signature': '' });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'missing' });
  });

  it('refuses a request without the signature header', () => {
    const error = refusal({ 'content-type': 'application/json' });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'missing' });
  });

  it('refuses a header whose value is undefined', () => {
    const error = refusal({ 'complycube-signature': undefined });

    expect(error).toBeInstanceOf(SignatureError);
  });

  it.each([
    ['a trailing space', `${GOOD} `],
    ['a leading space', ` ${GOOD}`],
    ['a trailing newline', `${GOOD}\n`],
    ['trailing non-hex characters', `${GOOD}zz`],
    ['a second value after a comma', `${GOOD}, other`],
    ['trailing hex nibble pairs (what Buffer.from(hex) ignores after a bad char)', `${GOOD}00`],
  ])('refuses valid hex followed by junk: %s', (_name, signature) => {
    const error = refusal({ 'complycube-signature': signature });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'malformed' });
  });

  it('refuses hex whose tail Buffer.from(hex) would drop at the first non-hex character', () => {
    // Buffer.from(hex) stops decoding at the first bad pair, so a lax verifier would compare only a prefix.
    const signature = `${GOOD.slice(0, 62)}zz`;

    const error = refusal({ 'complycube-signature': signature });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'malformed' });
  });

  it.each([
    ['a non-ASCII letter in place of a hex digit', `${GOOD.slice(0, 63)}\u00e9`],
    ['fullwidth digits', GOOD.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    ['an emoji', `${GOOD.slice(0, 62)}\u{1f600}`],
    ['a zero-width space inside', `${GOOD.slice(0, 32)}\u200b${GOOD.slice(32)}`],
  ])('refuses a non-ASCII signature without throwing a RangeError: %s', (_name, signature) => {
    const error = refusal({ 'complycube-signature': signature });

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).not.toBeInstanceOf(RangeError);
  });

  it('verifies the bytes of the body, not a string re-encoding of it', () => {
    const text = '{"id":"5ed170fe99c81a0007b9a3d3","note":"Zoë Ünïcode ✓"}';
    const utf8 = Buffer.from(text, 'utf8');
    const signedAsLatin1 = sign(Buffer.from(text, 'latin1'), SECRET);

    expect(verify({ 'complycube-signature': sign(utf8, SECRET) }, utf8)).toBe(0);
    expect(refusal({ 'complycube-signature': signedAsLatin1 }, utf8)).toBeInstanceOf(SignatureError);
  });

  it('verifies a body that is not valid UTF-8 by its bytes', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const throughString = Buffer.from(bytes.toString('utf8'), 'utf8');

    expect(verify({ 'complycube-signature': sign(bytes, SECRET) }, bytes)).toBe(0);
    expect(refusal({ 'complycube-signature': sign(throughString, SECRET) }, bytes)).toBeInstanceOf(
      SignatureError,
    );
  });

  it('refuses a body re-serialised with different whitespace', () => {
    const original = Buffer.from('{ "id": "5ed170fe99c81a0007b9a3d3",  "type": "check.pending" }\n');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8'))));

    const error = refusal({ 'complycube-signature': sign(original, SECRET) }, reserialised);

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'mismatch' });
  });
});

describe('verifySignature: the refusal never reveals a signature or the secret', () => {
  const forged = 'f'.repeat(64);
  const cases: [string, Headers][] = [
    ['mismatch', { 'complycube-signature': forged }],
    ['malformed', { 'complycube-signature': `${GOOD}zz` }],
    ['missing', {}],
  ];

  it.each(cases)('says nothing secret on %s', (_name, headers) => {
    const error = refusal(headers);
    const said =
      error instanceof Error ? `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}` : '';

    expect(error).toBeInstanceOf(SignatureError);
    expect(said).not.toContain(GOOD);
    expect(said).not.toContain(GOOD.toUpperCase());
    expect(said).not.toContain(forged);
    expect(said).not.toContain(SECRET);
  });
});

describe('verifySignature: the header name', () => {
  it.each(['ComplyCube-Signature', 'complycube-signature', 'Complycube-Signature', 'COMPLYCUBE-SIGNATURE'])(
    'finds the signature under %s',
    (name) => {
      expect(verify({ [name]: GOOD })).toBe(0);
    },
  );

  it('accepts two spellings of the header with the same value', () => {
    expect(verify({ 'ComplyCube-Signature': GOOD, 'complycube-signature': GOOD })).toBe(0);
  });

  it('refuses two spellings of the header with different values, whichever is right', () => {
    const forged = sign(BODY, 'another-secret');

    const first = refusal({ 'ComplyCube-Signature': GOOD, 'complycube-signature': forged });
    const second = refusal({ 'ComplyCube-Signature': forged, 'complycube-signature': GOOD });

    expect(first).toBeInstanceOf(SignatureError);
    expect(second).toBeInstanceOf(SignatureError);
  });

  it('refuses repeated headers that a function URL joined with a comma', () => {
    const forged = sign(BODY, 'another-secret');

    expect(refusal({ 'complycube-signature': `${GOOD},${forged}` })).toBeInstanceOf(SignatureError);
    expect(refusal({ 'complycube-signature': `${forged},${GOOD}` })).toBeInstanceOf(SignatureError);
    expect(refusal({ 'complycube-signature': `${GOOD},${GOOD}` })).toBeInstanceOf(SignatureError);
  });

  it('ignores a signature under a different header name', () => {
    const error = refusal({ 'x-complycube-signature': GOOD, 'complycube-signature-256': GOOD });

    expect(error).toMatchObject({ reason: 'missing' });
  });
});

describe('verifySignature: secret rotation', () => {
  const OLD = 'whsec_fictional_old';
  const NEW = 'whsec_fictional_new';

  it('accepts a signature from the first secret and returns index 0', () => {
    expect(verify({ 'complycube-signature': sign(BODY, OLD) }, BODY, [OLD, NEW])).toBe(0);
  });

  it('accepts a signature from the second secret and returns index 1', () => {
    expect(verify({ 'complycube-signature': sign(BODY, NEW) }, BODY, [OLD, NEW])).toBe(1);
  });

  it('refuses a signature from neither secret', () => {
    const error = refusal({ 'complycube-signature': sign(BODY, 'third') }, BODY, [OLD, NEW]);

    expect(error).toMatchObject({ reason: 'mismatch' });
  });

  it('refuses everything when no secret is configured', () => {
    const error = refusal({ 'complycube-signature': GOOD }, BODY, []);

    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ reason: 'mismatch' });
  });

  it('uses the secret as given, not trimmed or re-encoded', () => {
    const secret = 'sécret with spaces ';
    const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(BODY).digest('hex');

    expect(verify({ 'complycube-signature': signature }, BODY, [secret])).toBe(0);
    expect(refusal({ 'complycube-signature': signature }, BODY, [secret.trim()])).toBeInstanceOf(
      SignatureError,
    );
  });
});

describe('verifySignature: properties', () => {
  /** Ways to get a header value wrong, from plain noise to near misses of the right signature. */
  const wrongHeader = fc.oneof(
    fc.record({ kind: fc.constant('any' as const), text: fc.string({ unit: 'binary', maxLength: 140 }) }),
    fc.record({ kind: fc.constant('hex' as const), text: fc.stringMatching(/^[0-9a-fA-F]{0,130}$/) }),
    fc.record({ kind: fc.constant('prefix' as const), text: fc.string({ unit: 'binary', minLength: 1 }) }),
    fc.record({ kind: fc.constant('suffix' as const), text: fc.string({ unit: 'binary', minLength: 1 }) }),
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(63),
      to: fc.constantFrom(...'0123456789abcdefABCDEF'),
    }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat(63) }),
    fc.record({
      kind: fc.constant('case' as const),
      upper: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    }),
    fc.record({ kind: fc.constant('otherSecret' as const), secret: fc.string({ minLength: 1 }) }),
  );
  type WrongHeader = typeof wrongHeader extends fc.Arbitrary<infer T> ? T : never;

  function headerValue(wrong: WrongHeader, body: Uint8Array, secret: string): string {
    const good = sign(Buffer.from(body), secret);
    switch (wrong.kind) {
      case 'any':
      case 'hex':
        return wrong.text;
      case 'prefix':
        return wrong.text + good;
      case 'suffix':
        return good + wrong.text;
      case 'flip':
        return good.slice(0, wrong.at) + wrong.to + good.slice(wrong.at + 1);
      case 'drop':
        return good.slice(0, wrong.at) + good.slice(wrong.at + 1);
      case 'case':
        return [...good].map((c, i) => (wrong.upper[i] === true ? c.toUpperCase() : c)).join('');
      case 'otherSecret':
        return sign(Buffer.from(body), `${secret}${wrong.secret}`);
    }
  }

  it('refuses every header that is not the exact signature, only ever with a SignatureError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        wrongHeader,
        (body, secret, wrong) => {
          const good = sign(Buffer.from(body), secret);
          const header = headerValue(wrong, body, secret);
          fc.pre(header !== good && header !== good.toUpperCase());

          let thrown: unknown;
          try {
            verify({ 'complycube-signature': header }, Buffer.from(body), [secret]);
          } catch (error) {
            thrown = error;
          }

          expect(thrown).toBeInstanceOf(SignatureError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts the right signature for any body, in lower or upper case', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.boolean(),
        (body, secret, upper) => {
          const good = sign(Buffer.from(body), secret);

          const index = verify(
            { 'complycube-signature': upper ? good.toUpperCase() : good },
            Buffer.from(body),
            [secret],
          );

          expect(index).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

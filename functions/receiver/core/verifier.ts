import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookProvider } from '../providers/provider.js';
import { SignatureError } from './errors.js';

export type Headers = Readonly<Record<string, string | undefined>>;

export interface VerifyOptions {
  readonly provider: WebhookProvider;
  readonly headers: Headers;
  /** The body bytes exactly as they arrived (base64-decoded if the event said so). */
  readonly body: Buffer;
  /** Every secret currently accepted: the current one, and during a rotation the next one. */
  readonly secrets: readonly Buffer[];
}

/**
 * Reads a header whatever its case. Two spellings of one header with different values (possible in
 * a hand-built event, never from a function URL, which joins repeats with a comma) count as absent
 * rather than letting the caller pick one.
 */
export function getHeader(headers: Headers, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue;
    if (found !== undefined && found !== value) return undefined;
    found = value;
  }
  return found;
}

/**
 * Whether the request carries the provider's signature header with a value, under any spelling.
 * Stricter than `getHeader`: two conflicting spellings count as carrying one (then refused as
 * missing by `readSignature`), so they can never pass for an unsigned request.
 */
export function carriesSignature(provider: WebhookProvider, headers: Headers): boolean {
  return Object.entries(headers).some(
    ([key, value]) => key.toLowerCase() === provider.signatureHeader && value !== undefined && value !== '',
  );
}

/** Reads and decodes the signature header; throws a `SignatureError` if it is missing or malformed. */
export function readSignature(provider: WebhookProvider, headers: Headers): Buffer {
  const value = getHeader(headers, provider.signatureHeader);
  if (value === undefined || value.length === 0) {
    throw new SignatureError(`Missing ${provider.signatureHeader} header.`, 'missing');
  }
  const digest = provider.decodeSignature(value);
  if (digest === undefined) {
    throw new SignatureError(
      `Malformed ${provider.signatureHeader} header: expected the HMAC-SHA256 of the body as ${provider.signatureEncoding}.`,
      'malformed',
    );
  }
  return digest;
}

/** The index of the secret whose HMAC of `body` equals `received`, or -1. Constant time per secret. */
export function matchSecret(received: Buffer, body: Buffer, secrets: readonly Buffer[]): number {
  let matched = -1;
  // Every secret is tried, so the time taken does not depend on which one matched.
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i];
    if (secret === undefined) continue;
    const expected = createHmac('sha256', secret).update(body).digest();
    if (expected.length === received.length && timingSafeEqual(expected, received) && matched === -1) {
      matched = i;
    }
  }
  return matched;
}

/**
 * Verifies the request's signature against every accepted secret and returns the index of the one
 * that matched. Throws `SignatureError` otherwise; the error never carries a signature or secret.
 */
export function verifySignature({ provider, headers, body, secrets }: VerifyOptions): number {
  const received = readSignature(provider, headers);
  const index = matchSecret(received, body, secrets);
  if (index === -1) throw mismatch(provider);
  return index;
}

export function mismatch(provider: WebhookProvider): SignatureError {
  return new SignatureError(
    `No signature matched. Check that the secret is the one the ${provider.name} portal shows for this webhook and that the body was not changed in transit.`,
    'mismatch',
  );
}

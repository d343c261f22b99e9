import { createHash } from 'node:crypto';
import { COMPLIANCELY_TYPE_PREFIX } from '../../../contract/event-types.js';
import { Providers } from '../../../contract/providers.js';
import {
  decodeStrictHex,
  isRecord,
  parseTimestamp,
  type ReadEventResult,
  type WebhookProvider,
} from './provider.js';

/**
 * Compliancely (TIN matching) sends the TIN check record itself as the body: no envelope, no event
 * id, no event type. The receiver derives both from the record (README, "Compliancely"):
 *
 * - type: `tin_check.` + the slug of `status` (`Did Not Match` → `tin_check.did_not_match`);
 * - idempotency key: `<id>#<updated_date>#<status slug>`, with `updated_date` in canonical ISO form.
 *
 * A retry of the same delivery carries the same record, so it gets the same key and is a duplicate;
 * a real change moves `updated_date`, `status` or both, so it gets a new key and is published.
 */

/** The statuses Compliancely documents. Others flow through under their own slug. */
export const COMPLIANCELY_STATUSES = ['Pending', 'TIN Matched', 'Did Not Match', 'In Review'] as const;

/** Longest status slug; keeps the type far inside EventBridge's 128 characters and the key inside 256. */
export const MAX_STATUS_SLUG_LENGTH = 64;

const HASH_CHARS = 12;

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_CHARS);
}

/**
 * The slug of a status: accents dropped, lowercase, every run of other characters one `_`, no `_`
 * at either end (`TIN Matched` → `tin_matched`). Deterministic for every string, so a status
 * nobody has documented still gets a stable type instead of being refused:
 *
 * - a status with no letter or digit left (`???`, `審査中`) becomes `other_<12 hex of its SHA-256>`;
 * - a slug longer than 64 characters keeps its first 51 and ends in `_<12 hex of the status's SHA-256>`.
 *
 * @example
 * statusSlug('Did Not Match'); // 'did_not_match'
 * statusSlug('Vérifié'); // 'verifie'
 */
export function statusSlug(status: string): string {
  const slug = status
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug.length === 0) return `other_${shortHash(status)}`;
  if (slug.length <= MAX_STATUS_SLUG_LENGTH) return slug;
  const head = slug.slice(0, MAX_STATUS_SLUG_LENGTH - HASH_CHARS - 1).replace(/_+$/, '');
  return `${head}_${shortHash(status)}`;
}

/**
 * The event type of a record in this status.
 *
 * @example
 * compliancelyEventType('Did Not Match'); // 'tin_check.did_not_match'
 */
export function compliancelyEventType(status: string): string {
  return `${COMPLIANCELY_TYPE_PREFIX}${statusSlug(status)}`;
}

/** A record id as a string id may spell it: no `#` (the key's separator), nothing a log would mangle. */
const STRING_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The record id as text, or `undefined` when it is not one. The API returns a whole number; a
 * string of safe characters is accepted too, and `"4989258"` keys the same as `4989258`, so a
 * change of JSON type on their side does not publish every record again.
 */
function recordId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value === 'string' && STRING_ID.test(value)) return value;
  return undefined;
}

/**
 * The idempotency key of one state of one record.
 *
 * @example
 * compliancelyEventKey('4989258', new Date('2023-02-20T18:02:33Z'), 'did_not_match');
 * // '4989258#2023-02-20T18:02:33.000Z#did_not_match'
 */
export function compliancelyEventKey(id: string, updatedAt: Date, slug: string): string {
  return `${id}#${updatedAt.toISOString()}#${slug}`;
}

const HEX_LENGTH = 64;
/** Standard base64 of 32 bytes: 43 characters and one `=`. */
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Compliancely does not document how it encodes the digest, so the two encodings in common use
 * are accepted, each in one exact spelling: 64 hex characters (all lowercase or all uppercase), or
 * the 44-character standard base64 of the 32 bytes. Anything else (a prefix, white space, the
 * URL-safe alphabet, missing padding) is malformed.
 *
 * @example
 * decodeCompliancelySignature(createHmac('sha256', secret).update(body).digest('base64')); // the digest
 */
export function decodeCompliancelySignature(value: string): Buffer | undefined {
  if (value.length === HEX_LENGTH) return decodeStrictHex(value);
  if (!BASE64_DIGEST.test(value)) return undefined;
  const digest = Buffer.from(value, 'base64');
  // The last character carries two bits the decoder ignores, so four spellings decode to one
  // digest; only the canonical one is the provider's.
  return digest.toString('base64') === value ? digest : undefined;
}

export const compliancely: WebhookProvider = {
  ...Providers.COMPLIANCELY,
  decodeSignature: decodeCompliancelySignature,
  signatureEncoding: '64 hex characters or 44 characters of standard base64',
  readEvent(json: unknown, text: string): ReadEventResult {
    if (!isRecord(json)) return { ok: false, reason: 'not_an_object' };
    const { id: rawId, status, updated_date: updatedDate } = json;
    if (rawId === undefined || rawId === null) return { ok: false, reason: 'missing_id' };
    const id = recordId(rawId);
    if (id === undefined) return { ok: false, reason: 'invalid_id' };
    if (typeof status !== 'string' || status.trim().length === 0)
      return { ok: false, reason: 'missing_status' };
    if (updatedDate === undefined || updatedDate === null)
      return { ok: false, reason: 'missing_updated_date' };
    // Part of the key: without a valid one, two states of a record could not be told apart.
    const time = parseTimestamp(updatedDate);
    if (time === undefined) return { ok: false, reason: 'invalid_updated_date' };
    const slug = statusSlug(status);
    return {
      ok: true,
      event: {
        id: compliancelyEventKey(id, time, slug),
        type: `${COMPLIANCELY_TYPE_PREFIX}${slug}`,
        time,
        detail: text,
      },
    };
  },
};

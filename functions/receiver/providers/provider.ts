import type { ProviderDescriptor } from '../../../contract/providers.js';

/**
 * What differs between webhook providers, and nothing else. The receive path (verify, claim,
 * publish) is shared; a provider is a value of this shape. Adding one is a new definition, not a
 * fork of the core. The static facts (name, sources, signature header, event types, whether
 * signing is optional) are the provider's descriptor in `contract/providers.ts`, which the
 * construct reads too; this adds the code.
 */
export interface WebhookProvider extends ProviderDescriptor {
  /**
   * Turns the header value into the 32-byte HMAC-SHA256 digest it claims, or `undefined` when the
   * value is not in an encoding this provider uses. Must be strict: no prefixes, no trailing junk.
   */
  decodeSignature(value: string): Buffer | undefined;
  /** The encodings `decodeSignature` accepts, for people: completes "expected the HMAC-SHA256 of the body as …". */
  readonly signatureEncoding: string;
  /**
   * Reads the event out of a body that is authentic and valid JSON. Returns the reason when the
   * body is not an event this receiver can route, so the core can keep it in quarantine.
   */
  readEvent(json: unknown, text: string): ReadEventResult;
}

/** An event as the receiver routes it. */
export interface ProviderEvent {
  /** The idempotency key within the provider. */
  readonly id: string;
  /** The EventBridge `DetailType`. */
  readonly type: string;
  /** The EventBridge `Time`, when the event carries a valid one. */
  readonly time: Date | undefined;
  /** The EventBridge `Detail`: the body exactly as received. */
  readonly detail: string;
}

export type ReadEventResult =
  | { readonly ok: true; readonly event: ProviderEvent }
  | { readonly ok: false; readonly reason: string };

/** EventBridge accepts at most 128 characters of `DetailType`. */
export const MAX_DETAIL_TYPE_LENGTH = 128;
/** Keeps the idempotency key well inside DynamoDB's 2048-byte partition key limit. */
export const MAX_EVENT_ID_LENGTH = 256;

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses an ISO 8601 timestamp with a zone, or returns `undefined`. Every field must be in range:
 * `Date.parse` quietly rolls `02-31` over into March, which would move a derived key.
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_TIMESTAMP.exec(value);
  if (match === null) return undefined;
  // The pattern guarantees every group it captures; the defaults only satisfy the type checker.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map(Number);
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  const inRange =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!inRange) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

const HEX_LOWER = /^[0-9a-f]{64}$/;
const HEX_UPPER = /^[0-9A-F]{64}$/;

/** Exactly 64 hex characters, all lowercase or all uppercase; anything else is `undefined`. */
export function decodeStrictHex(value: string): Buffer | undefined {
  if (!HEX_LOWER.test(value) && !HEX_UPPER.test(value)) return undefined;
  return Buffer.from(value, 'hex');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

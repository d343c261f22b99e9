import { Providers } from '../../../contract/providers.js';
import {
  decodeStrictHex,
  isRecord,
  MAX_DETAIL_TYPE_LENGTH,
  MAX_EVENT_ID_LENGTH,
  parseTimestamp,
  type ReadEventResult,
  type WebhookProvider,
} from './provider.js';

/**
 * ComplyCube signs the raw body with HMAC-SHA256 keyed by the webhook secret and sends the digest
 * as hex in `ComplyCube-Signature`: no timestamp, no prefix, one signature. The event envelope is
 * `{ id, type, resourceType, payload, createdAt }`; `id` is the idempotency key.
 */
export const complyCube: WebhookProvider = {
  ...Providers.COMPLYCUBE,
  decodeSignature: decodeStrictHex,
  signatureEncoding: '64 hex characters',
  readEvent(json: unknown, text: string): ReadEventResult {
    if (!isRecord(json)) return { ok: false, reason: 'not_an_object' };
    const { id, type, createdAt } = json;
    if (typeof id !== 'string' || id.length === 0) return { ok: false, reason: 'missing_id' };
    if (id.length > MAX_EVENT_ID_LENGTH) return { ok: false, reason: 'id_too_long' };
    if (typeof type !== 'string' || type.trim().length === 0) return { ok: false, reason: 'missing_type' };
    if (type.length > MAX_DETAIL_TYPE_LENGTH) return { ok: false, reason: 'type_too_long' };
    return { ok: true, event: { id, type, time: parseTimestamp(createdAt), detail: text } };
  },
};

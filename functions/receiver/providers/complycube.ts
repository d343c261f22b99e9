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
 * Every event type ComplyCube documents. Types outside this list still flow through the receiver;
 * the list serves subscriptions (validation, the portal checklist) and fixtures.
 */
export const COMPLYCUBE_EVENT_TYPES = [
  'workflow.session.started',
  'workflow.session.cancelled',
  'workflow.session.processing',
  'workflow.session.completed',
  'workflow.session.updated',
  'check.pending',
  'check.completed',
  'check.completed.clear',
  'check.completed.attention',
  'check.completed.rejected',
  'check.completed.match_confirmed',
  'check.monitoring.attention',
  'check.failed',
  'check.updated',
  'client.created',
  'client.updated',
  'client.deleted',
  'document.created',
  'document.updated',
  'document.updated.image_uploaded',
  'document.updated.image_deleted',
  'document.deleted',
  'address.created',
  'address.updated',
  'address.deleted',
] as const;

export type ComplyCubeEventType = (typeof COMPLYCUBE_EVENT_TYPES)[number];

/** The EventBridge `Source` of every ComplyCube event this receiver publishes. */
export const COMPLYCUBE_SOURCE = 'com.complycube';

/**
 * ComplyCube signs the raw body with HMAC-SHA256 keyed by the webhook secret and sends the digest
 * as hex in `ComplyCube-Signature`: no timestamp, no prefix, one signature. The event envelope is
 * `{ id, type, resourceType, payload, createdAt }`; `id` is the idempotency key.
 */
export const complyCube: WebhookProvider = {
  name: 'complycube',
  source: COMPLYCUBE_SOURCE,
  quarantineSource: `${COMPLYCUBE_SOURCE}.quarantine`,
  eventTypes: COMPLYCUBE_EVENT_TYPES,
  signatureHeader: 'complycube-signature',
  decodeSignature: decodeStrictHex,
  signatureEncoding: '64 hex characters',
  // ComplyCube signs every delivery; an unsigned request is never one of its own.
  signingOptional: false,
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

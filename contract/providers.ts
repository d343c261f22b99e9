import { COMPLIANCELY_EVENT_TYPES, COMPLYCUBE_EVENT_TYPES } from './event-types.js';

/**
 * The static facts about a webhook provider that the construct and the receiver both rely on.
 * How a signature is decoded and how an event is read out of a body are code, and live with the
 * receiver (`functions/receiver/providers/`), which builds on these.
 */
export interface ProviderDescriptor {
  /** Stable short name. Prefixes every idempotency key and names the provider in logs. Never change it. */
  readonly name: string;
  /** Name for people: descriptions, outputs, messages. */
  readonly displayName: string;
  /** EventBridge `Source` of the provider's events. */
  readonly source: string;
  /** EventBridge `Source` of bodies that were authentic but not events (the quarantine). */
  readonly quarantineSource: string;
  /** Name of the header that carries the signature, lowercase (function URLs lowercase headers). */
  readonly signatureHeader: string;
  /** Every event type the provider documents. Others still flow through. */
  readonly eventTypes: readonly string[];
  /**
   * Whether the provider's portal asks which event types to send. When it does not, the provider
   * sends everything and the list of types only says what the subscriptions listen to.
   */
  readonly portalSelectsEventTypes: boolean;
  /**
   * Whether the provider can be set up to send unsigned deliveries. Only then may a receiver be
   * told to accept requests without a signature (`SIGNATURE_VERIFICATION=optional`).
   */
  readonly signingOptional: boolean;
  /**
   * Whether the provider documents an API for managing its webhooks, so `connect` (the construct
   * prop and the CLI) can register the receiver. @default false
   */
  readonly webhookApi?: boolean;
}

/** The EventBridge `Source` of every ComplyCube event the receiver publishes. */
export const COMPLYCUBE_SOURCE = 'com.complycube';

/** The EventBridge `Source` of every Compliancely event the receiver publishes. */
export const COMPLIANCELY_SOURCE = 'com.compliancely';

/**
 * The providers this project ships.
 *
 * @example
 * new WebhookReceiver(this, 'Compliancely', { provider: Providers.COMPLIANCELY });
 */
export const Providers = {
  /** Signs every delivery with `ComplyCube-Signature` (hex HMAC-SHA256 of the body). */
  COMPLYCUBE: {
    name: 'complycube',
    displayName: 'ComplyCube',
    source: COMPLYCUBE_SOURCE,
    quarantineSource: `${COMPLYCUBE_SOURCE}.quarantine`,
    signatureHeader: 'complycube-signature',
    eventTypes: COMPLYCUBE_EVENT_TYPES,
    portalSelectsEventTypes: true,
    signingOptional: false,
    // docs/connect.md: POST/GET/DELETE /webhooks, at most 20 per account.
    webhookApi: true,
  },
  /** TIN checks; event types are derived from the record's status (docs/compliancely.md). */
  COMPLIANCELY: {
    name: 'compliancely',
    displayName: 'Compliancely',
    source: COMPLIANCELY_SOURCE,
    quarantineSource: `${COMPLIANCELY_SOURCE}.quarantine`,
    signatureHeader: 'compliancely-signature',
    eventTypes: COMPLIANCELY_EVENT_TYPES,
    portalSelectsEventTypes: false,
    // Signing is a setting in the Compliancely app; an account may have it off.
    signingOptional: true,
  },
} as const satisfies Record<string, ProviderDescriptor>;

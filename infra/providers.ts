import { COMPLIANCELY_EVENT_TYPES, compliancely } from '../functions/receiver/providers/compliancely.js';
import { COMPLYCUBE_EVENT_TYPES, complyCube } from '../functions/receiver/providers/complycube.js';
import type { WebhookProvider } from '../functions/receiver/providers/provider.js';

/** A provider as the construct sees it: the runtime definition plus its documented event types. */
export interface ProviderSpec {
  /** The runtime definition; its `name` is what the function is told to serve. */
  readonly definition: WebhookProvider;
  /** Name for people: descriptions, outputs, messages. */
  readonly displayName: string;
  /** Every event type the provider documents. Others still flow through. */
  readonly eventTypes: readonly string[];
  /**
   * Whether the provider's portal asks which event types to send. When it does not, the provider
   * sends everything and the list of types only says what the subscriptions listen to.
   */
  readonly portalSelectsEventTypes: boolean;
}

/** The providers this project ships. */
export const Providers = {
  COMPLYCUBE: {
    definition: complyCube,
    displayName: 'ComplyCube',
    eventTypes: COMPLYCUBE_EVENT_TYPES,
    portalSelectsEventTypes: true,
  },
  /** TIN checks; event types are derived from the record's status (README, "Compliancely"). */
  COMPLIANCELY: {
    definition: compliancely,
    displayName: 'Compliancely',
    eventTypes: COMPLIANCELY_EVENT_TYPES,
    portalSelectsEventTypes: false,
  },
} as const satisfies Record<string, ProviderSpec>;

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
}

/** The providers this project ships. */
export const Providers = {
  COMPLYCUBE: {
    definition: complyCube,
    displayName: 'ComplyCube',
    eventTypes: COMPLYCUBE_EVENT_TYPES,
  },
} as const satisfies Record<string, ProviderSpec>;

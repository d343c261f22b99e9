/**
 * Names the construct, the connect function and the CLI share: stack outputs and environment
 * variables. No SDK, no CDK.
 */

/** Every part that calls ComplyCube's API honours it (docs/connect.md); http:// only on loopback. */
export const COMPLYCUBE_API_URL_ENV = 'COMPLYCUBE_API_URL';

/** The stack outputs `connect`, `status` and `disconnect --stack` read. */
export const CONNECT_OUTPUTS = {
  /** The receiver's function URL (already an output of the stack). */
  webhookUrl: 'WebhookUrl',
  /** The receiver's webhook secret (already an output of the stack). */
  webhookSecretArn: 'WebhookSecretArn',
  /** The events list to register, comma-separated; `*` for every type. Added with the `connect` prop. */
  webhookEvents: 'ComplyCubeWebhookEvents',
  /** The event types to tick in the portal (the fallback when `webhookEvents` is absent). */
  portalEventTypes: 'PortalEventTypes',
  /** The secret holding the ComplyCube API key. Added with the `connect` prop. */
  apiKeySecretArn: 'ComplyCubeApiKeySecretArn',
  /** The webhook id the custom resource connected. Added with the `connect` prop. */
  webhookId: 'ComplyCubeWebhookId',
} as const;

/** Where the CLI reads the API key when no secret is named. Never put it in argv. */
export const COMPLYCUBE_API_KEY_ENV = 'COMPLYCUBE_API_KEY';

/** Reads a comma-separated events output (`none` and empty mean no type). */
export function parseEventsList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  return trimmed
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

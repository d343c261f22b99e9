/**
 * What connect needs from the outside world. `ComplyCubeClient` is a `WebhookApi`; the Secrets
 * Manager adapters are the stores. Nothing here knows the AWS SDK or Lambda.
 */
import type { CreatedWebhook, Webhook, WebhookInput, WebhookUpdate } from '../../complycube-api/types.js';

/** The webhook part of ComplyCube's API. */
export interface WebhookApi {
  getWebhook(id: string): Promise<Webhook>;
  createWebhook(input: WebhookInput): Promise<CreatedWebhook>;
  updateWebhook(id: string, update: WebhookUpdate): Promise<Webhook>;
  deleteWebhook(id: string): Promise<void>;
  allWebhooks(): Promise<Webhook[]>;
}

/** A text secret: the receiver's webhook secret, or the API key's secret. */
export interface SecretStore {
  /** Names the secret in messages (its name or ARN), never its value. */
  readonly description: string;
  /** The value as stored; `undefined` when the secret has no value yet. */
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
}

/** Where the API key comes from: read-only. */
export type ApiKeySource = Pick<SecretStore, 'description' | 'read'>;

export interface ConnectPorts {
  readonly apiKey: ApiKeySource;
  /** Builds the API client for a key (the key is checked and trimmed first). */
  readonly api: (apiKey: string) => WebhookApi;
  readonly webhookSecret: SecretStore;
  /** @default Date.now */
  readonly now?: () => number;
}

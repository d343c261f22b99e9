import type { ComplyCubeClient } from '../../complycube-api/client.js';
import { ComplyCubeNotFoundError } from '../../complycube-api/errors.js';
import type { Webhook } from '../../complycube-api/types.js';
import type { WatchedWebhook, WebhookApi } from '../core/ports.js';

/** The watcher's webhook port on the project's ComplyCube client. */
export function complyCubeWebhookApi(
  client: Pick<ComplyCubeClient, 'getWebhook' | 'allWebhooks' | 'updateWebhook'>,
): WebhookApi {
  return {
    async get(id) {
      try {
        return watched(await client.getWebhook(id));
      } catch (error) {
        if (error instanceof ComplyCubeNotFoundError) return undefined;
        throw error;
      }
    },
    async list() {
      return (await client.allWebhooks()).map(watched);
    },
    async enable(id) {
      // The documented partial update: every other field stays as it is.
      return watched(await client.updateWebhook(id, { enabled: true }));
    },
  };
}

function watched(webhook: Webhook): WatchedWebhook {
  return { id: webhook.id, url: webhook.url, enabled: webhook.enabled, events: webhook.events };
}

/**
 * A `SecretStore` on Secrets Manager, through the SDK's own client (injected, so one client serves
 * both secrets and tests can point it anywhere).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../core/ports.js';

/**
 * @example
 * const store = secretsManagerStore(new SecretsManagerClient({}), process.env.WEBHOOK_SECRET_ARN, 'the webhook secret');
 */
export function secretsManagerStore(
  client: SecretsManagerClient,
  secretId: string,
  what: string,
): SecretStore {
  return {
    description: `${what} ${secretId}`,
    async read(): Promise<string | undefined> {
      try {
        const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        return SecretString;
      } catch (error) {
        // A secret created without a value has no AWSCURRENT version yet: not set, like a placeholder.
        if (error instanceof ResourceNotFoundException && /staging label|version/i.test(error.message)) {
          return undefined;
        }
        throw error;
      }
    },
    async write(value: string): Promise<void> {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    },
  };
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CallOptions } from '../core/deadline.js';
import type { SecretSource } from '../core/ports/secret-source.js';

export interface SecretsManagerSourceOptions {
  /** The SDK's client: endpoint, region, credentials, retries and user agent are its business. */
  readonly client: SecretsManagerClient;
  readonly secretArn: string;
}

/** Secrets Manager answered, and what it holds for the secret is no value at all. */
export class SecretHasNoValueError extends Error {
  override readonly name = 'SecretHasNoValueError';
  constructor(readonly secretArn: string) {
    super(`${secretArn} has neither SecretString nor SecretBinary.`);
  }
}

/**
 * Reads the webhook secret with GetSecretValue. The answer is never logged or put in a message:
 * errors carry the SDK's error (its name, code and request id), which holds no value.
 *
 * @example
 * const source = secretsManagerSource({ client: new SecretsManagerClient({}), secretArn });
 * const value = await source.fetch();
 */
export function secretsManagerSource(options: SecretsManagerSourceOptions): SecretSource {
  return {
    description: `the webhook secret ${options.secretArn}`,
    async fetch(call?: CallOptions): Promise<string> {
      const answer = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretArn }), {
        abortSignal: call?.signal,
      });
      if (answer.SecretString !== undefined) return answer.SecretString;
      if (answer.SecretBinary !== undefined) return Buffer.from(answer.SecretBinary).toString('utf8');
      throw new SecretHasNoValueError(options.secretArn);
    },
  };
}

import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { SecretSource } from '../core/ports/secret-source.js';
import { partitionDomain, resolveRegion, sendSigned } from './signed-request.js';

export interface SecretsManagerSourceOptions {
  readonly secretArn: string;
  readonly region: string | (() => Promise<string>);
  readonly credentials: AwsCredentialIdentityProvider;
  /** A custom endpoint, e.g. from `AWS_ENDPOINT_URL_SECRETS_MANAGER`. @default the regional endpoint */
  readonly endpoint?: string | undefined;
  /** Per attempt. @default 2_500 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly maxAttempts?: number;
  /** Called each time a request for the secret has been handed to the operating system. */
  readonly onSent?: () => void;
}

/** An answer Secrets Manager gave that says what went wrong; never holds the secret. */
export class SecretsManagerError extends Error {
  override readonly name = 'SecretsManagerError';
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(`Secrets Manager answered ${status} ${type}.`);
  }
}

const RETRYABLE = /Throttling|InternalServiceError|ServiceUnavailable/;

/**
 * Reads the webhook secret with one signed GetSecretValue call (the AWS JSON protocol), retried once
 * on a network failure, a 5xx or throttling. The whole Secrets Manager client would add its module
 * initialisation and endpoint rules to every cold start, for one call at init.
 */
export function secretsManagerSource(options: SecretsManagerSourceOptions): SecretSource {
  return {
    description: `the webhook secret ${options.secretArn}`,
    async fetch(): Promise<string> {
      const region = await resolveRegion(options.region);
      const url = new URL(options.endpoint ?? `https://secretsmanager.${region}.${partitionDomain(region)}/`);
      const attempts = options.maxAttempts ?? 2;
      for (let attempt = 1; ; attempt++) {
        try {
          return await getSecretValue(url, region, options);
        } catch (error) {
          const retryable =
            !(error instanceof SecretsManagerError) || error.status >= 500 || RETRYABLE.test(error.type);
          if (!retryable || attempt >= attempts) throw error;
        }
      }
    },
  };
}

async function getSecretValue(
  url: URL,
  region: string,
  options: SecretsManagerSourceOptions,
): Promise<string> {
  const response = await sendSigned({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body: Buffer.from(JSON.stringify({ SecretId: options.secretArn })),
    service: 'secretsmanager',
    region,
    credentials: options.credentials,
    timeoutMs: options.timeoutMs ?? 2_500,
    onSent: options.onSent,
  });
  const answer = parse(response.body);
  if (response.status !== 200) {
    const type = typeof answer.__type === 'string' ? (answer.__type.split('#').at(-1) ?? 'Error') : 'Error';
    throw new SecretsManagerError(response.status, type);
  }
  if (typeof answer.SecretString === 'string') return answer.SecretString;
  if (typeof answer.SecretBinary === 'string')
    return Buffer.from(answer.SecretBinary, 'base64').toString('utf8');
  throw new SecretsManagerError(response.status, 'NoSecretValue');
}

function parse(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SecretHasNoValueError,
  secretsManagerSource,
} from '../../functions/receiver/adapters/secrets-manager-source.js';

const ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:cc-AbCdEf';
const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
});

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A loopback Secrets Manager that gives the answers in order and records what it was asked. */
async function fakeSecretsManager(
  answers: { status: number; body: unknown }[],
): Promise<{ endpoint: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ headers: request.headers, body });
      const answer = answers[Math.min(seen.length, answers.length) - 1] ?? { status: 500, body: {} };
      response
        .writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

/** The SDK's client, as the handler configures it: two attempts, each bounded. */
function source(endpoint: string) {
  const client = new SecretsManagerClient({
    region: 'eu-west-2',
    credentials,
    endpoint,
    maxAttempts: 2,
    requestHandler: { requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  return secretsManagerSource({ client, secretArn: ARN });
}

describe('secretsManagerSource', () => {
  it('reads SecretString with one GetSecretValue call, signed by the SDK', async () => {
    const sm = await fakeSecretsManager([{ status: 200, body: { ARN, SecretString: 'whsec_value' } }]);

    const value = await source(sm.endpoint).fetch();

    expect(value).toBe('whsec_value');
    expect(sm.seen).toHaveLength(1);
    expect(sm.seen[0]?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(sm.seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(sm.seen[0]?.body ?? '')).toEqual({ SecretId: ARN });
    expect(String(sm.seen[0]?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-2\/secretsmanager\/aws4_request, /,
    );
  });

  it('decodes SecretBinary when the secret was stored as binary', async () => {
    const sm = await fakeSecretsManager([
      { status: 200, body: { SecretBinary: Buffer.from('bin-secret').toString('base64') } },
    ]);

    expect(await source(sm.endpoint).fetch()).toBe('bin-secret');
  });

  it('tries once more after a 5xx or throttling, and not after an error a retry cannot fix', async () => {
    const flaky = await fakeSecretsManager([
      { status: 500, body: { __type: 'InternalServiceError' } },
      { status: 200, body: { SecretString: 'second time lucky' } },
    ]);
    const missing = await fakeSecretsManager([
      {
        status: 400,
        body: { __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', Message: 'no such secret' },
      },
    ]);

    expect(await source(flaky.endpoint).fetch()).toBe('second time lucky');
    const error = await source(missing.endpoint)
      .fetch()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.seen).toHaveLength(1);
  });

  it('gives up after two attempts when Secrets Manager keeps failing', async () => {
    const down = await fakeSecretsManager([{ status: 503, body: { __type: 'ServiceUnavailable' } }]);

    await expect(source(down.endpoint).fetch()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(down.seen).toHaveLength(2);
  });

  it('says the secret has no value when Secrets Manager answers with neither form', async () => {
    const sm = await fakeSecretsManager([{ status: 200, body: { ARN } }]);

    const error = await source(sm.endpoint)
      .fetch()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretHasNoValueError);
  });

  it('hands its signal to the SDK: an aborted read fails at once, without a request', async () => {
    const sm = await fakeSecretsManager([{ status: 200, body: { SecretString: 'whsec_value' } }]);
    const controller = new AbortController();
    controller.abort(new Error('deadline'));

    await expect(source(sm.endpoint).fetch({ signal: controller.signal })).rejects.toThrow();
    expect(sm.seen).toHaveLength(0);
  });

  it('fails, without a value in the message, when nothing listens', async () => {
    await expect(source('http://127.0.0.1:9/').fetch()).rejects.toThrow(/ECONNREFUSED/);
  });
});

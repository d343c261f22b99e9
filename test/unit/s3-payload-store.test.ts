import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3PayloadStore, type SdkConfiguration } from '../../functions/receiver/adapters/s3-payload-store.js';
import { PayloadStoreError } from '../../functions/receiver/core/errors.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** The resolved configuration of an SDK client, as the handler hands the store DynamoDB's. */
function sdk(
  overrides: { region?: string; credentials?: SdkConfiguration['credentials'] } = {},
): SdkConfiguration {
  const config = new DynamoDBClient({
    region: overrides.region ?? 'eu-west-2',
    credentials: overrides.credentials ?? credentials,
    requestHandler: { requestTimeout: 2_000, throwOnRequestTimeout: true },
  }).config;
  return config;
}

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A loopback stand-in for S3 that records each request and gives the answers in order. */
async function fakeS3(
  answers: { status: number; code?: string }[] = [{ status: 200 }],
): Promise<{ endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const answer = answers[Math.min(received.length, answers.length) - 1] ?? { status: 500 };
      const body = answer.code === undefined ? '' : `<Error><Code>${answer.code}</Code></Error>`;
      response.writeHead(answer.status, { 'content-type': 'application/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('S3PayloadStore', () => {
  it('sends one PUT of the body, signed by the SDK signer with the region and credentials the SDK resolved', async () => {
    const s3 = await fakeS3();
    const store = new S3PayloadStore({ bucket: 'payloads', sdk: sdk(), endpoint: s3.endpoint });
    const body = Buffer.from('{"id":"big"}');

    const stored = await store.put('complycube/2026-01-01/abc', body, 'application/octet-stream');

    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(stored).toEqual({
      bucket: 'payloads',
      key: 'complycube/2026-01-01/abc',
      bytes: body.length,
      sha256,
    });
    expect(s3.received).toHaveLength(1);
    const [request] = s3.received;
    expect(request?.method).toBe('PUT');
    // S3's endpoint rules put the bucket in the path on an endpoint given by IP address.
    expect(request?.url).toBe('/payloads/complycube/2026-01-01/abc');
    expect(request?.body.equals(body)).toBe(true);
    expect(request?.headers['x-amz-content-sha256']).toBe(sha256);
    expect(String(request?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-2\/s3\/aws4_request, SignedHeaders=.*host.*x-amz-content-sha256.*, Signature=[0-9a-f]{64}$/,
    );
  });

  it("sends the SDK's user agent, naming S3 as the API", async () => {
    const s3 = await fakeS3();
    const store = new S3PayloadStore({ bucket: 'payloads', sdk: sdk(), endpoint: s3.endpoint });

    await store.put('k', Buffer.from('x'), 'text/plain');

    const agent = String(s3.received[0]?.headers['user-agent']);
    expect(agent).toMatch(/^aws-sdk-js\/\d+\.\d+\.\d+ /);
    expect(agent).toContain(' api/s3');
    expect(agent).not.toContain('api/dynamodb');
  });

  it('escapes each segment of the key, keeping its slashes', async () => {
    const s3 = await fakeS3();
    const store = new S3PayloadStore({ bucket: 'payloads', sdk: sdk(), endpoint: s3.endpoint });

    await store.put("quarantine/a b/c'd", Buffer.from('x'), 'text/plain');

    expect(s3.received[0]?.url).toBe('/payloads/quarantine/a%20b/c%27d');
  });

  it('tries once more after a 503 SlowDown, and stores the body then', async () => {
    const s3 = await fakeS3([{ status: 503, code: 'SlowDown' }, { status: 200 }]);
    const store = new S3PayloadStore({ bucket: 'payloads', sdk: sdk(), endpoint: s3.endpoint });

    await store.put('k', Buffer.from('x'), 'text/plain');

    expect(s3.received).toHaveLength(2);
  });

  it('does not try again after an answer no retry can change (403), and says what S3 answered', async () => {
    const s3 = await fakeS3([{ status: 403, code: 'AccessDenied' }, { status: 200 }]);
    const store = new S3PayloadStore({ bucket: 'payloads', sdk: sdk(), endpoint: s3.endpoint });

    const error = await store.put('k', Buffer.from('x'), 'text/plain').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadStoreError);
    expect((error as PayloadStoreError).message).toBe('Could not store the body in s3://payloads/k.');
    expect(String((error as PayloadStoreError).cause)).toContain('S3 answered 403 AccessDenied.');
    expect(s3.received).toHaveLength(1);
  });

  it('gives up when its signal aborts, without another attempt', async () => {
    const server = createServer(() => {
      // Never answers: a stalled S3.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push({ close: () => server.closeAllConnections() });
    servers.push(server);
    let requests = 0;
    server.on('request', () => {
      requests++;
    });
    const store = new S3PayloadStore({
      bucket: 'payloads',
      sdk: sdk(),
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    const controller = new AbortController();

    const pending = store.put('k', Buffer.from('x'), 'text/plain', { signal: controller.signal });
    await vi.waitFor(() => expect(requests).toBe(1));
    controller.abort(new Error('deadline'));

    await expect(pending).rejects.toBeInstanceOf(PayloadStoreError);
    expect(requests).toBe(1);
  });

  it('turns any other failure (here, credentials that cannot be read) into a PayloadStoreError', async () => {
    const store = new S3PayloadStore({
      bucket: 'payloads',
      sdk: sdk({
        credentials: async () => {
          throw new Error('no credentials');
        },
      }),
      endpoint: 'http://127.0.0.1:9',
    });

    const error = await store.put('k', Buffer.from('x'), 'text/plain').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadStoreError);
    expect((error as PayloadStoreError).cause).toBeInstanceOf(Error);
  });
});

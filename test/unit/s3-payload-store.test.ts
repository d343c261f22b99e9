import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { objectUrl, S3PayloadStore } from '../../functions/receiver/adapters/s3-payload-store.js';
import { PayloadStoreError } from '../../functions/receiver/core/errors.js';

const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
});

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

/** A loopback stand-in for S3 that records the request and answers `status`. */
async function fakeS3(status = 200): Promise<{ endpoint: string; received: Received[] }> {
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
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('objectUrl', () => {
  it('is virtual-hosted on the regional endpoint without a custom one', () => {
    expect(objectUrl({ bucket: 'b-1', key: 'complycube/2026-01-01/ab', region: 'eu-west-2' }).href).toBe(
      'https://b-1.s3.eu-west-2.amazonaws.com/complycube/2026-01-01/ab',
    );
  });

  it('uses the China partition’s domain in a China region', () => {
    expect(objectUrl({ bucket: 'b', key: 'k', region: 'cn-north-1' }).host).toBe(
      'b.s3.cn-north-1.amazonaws.com.cn',
    );
  });

  it('is path-style on a custom endpoint', () => {
    expect(
      objectUrl({ bucket: 'b', key: 'a/b', region: 'us-east-1', endpoint: 'http://127.0.0.1:5000/' }).href,
    ).toBe('http://127.0.0.1:5000/b/a/b');
  });

  it('refuses a region that is not one, instead of building a host out of it', () => {
    expect(() => objectUrl({ bucket: 'b', key: 'k', region: 'async () => region' })).toThrow(
      PayloadStoreError,
    );
  });
});

describe('S3PayloadStore', () => {
  it('sends one signed PUT of the body, resolving the region when it is a provider (as SDK clients give it)', async () => {
    const s3 = await fakeS3();
    const store = new S3PayloadStore({
      bucket: 'payloads',
      region: async () => 'eu-west-2',
      credentials,
      endpoint: s3.endpoint,
    });
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
    expect(request?.url).toBe('/payloads/complycube/2026-01-01/abc');
    expect(request?.body.equals(body)).toBe(true);
    expect(request?.headers['x-amz-content-sha256']).toBe(sha256);
    expect(String(request?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-2\/s3\/aws4_request, SignedHeaders=.*host.*x-amz-content-sha256.*, Signature=[0-9a-f]{64}$/,
    );
  });

  it('fails with a PayloadStoreError when S3 answers anything but 200', async () => {
    const s3 = await fakeS3(403);
    const store = new S3PayloadStore({
      bucket: 'payloads',
      region: 'eu-west-2',
      credentials,
      endpoint: s3.endpoint,
    });

    await expect(store.put('k', Buffer.from('x'), 'text/plain')).rejects.toThrow(
      'S3 answered 403 to storing the body in s3://payloads/k.',
    );
  });

  it('turns any other failure (here, credentials that cannot be read) into a PayloadStoreError', async () => {
    const store = new S3PayloadStore({
      bucket: 'payloads',
      region: 'eu-west-2',
      credentials: async () => {
        throw new Error('no credentials');
      },
      endpoint: 'http://127.0.0.1:9',
    });

    const error = await store.put('k', Buffer.from('x'), 'text/plain').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadStoreError);
    expect((error as PayloadStoreError).cause).toBeInstanceOf(Error);
  });
});

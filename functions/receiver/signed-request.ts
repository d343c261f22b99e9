import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

/**
 * One SigV4-signed HTTP request, for the two calls the receiver makes without an SDK client (reading
 * the secret at init, storing an oversized body): a client each would weigh more than the receiver
 * and cost a cold start its own middleware and endpoint-rule setup. Uses the signer the SDK
 * clients already carry, and the credentials and region they resolved.
 */
export interface SignedRequest {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The signing name: `s3`, `secretsmanager`. */
  readonly service: string;
  readonly region: string | (() => Promise<string>);
  readonly credentials: AwsCredentialIdentityProvider;
  /** The whole request, from connecting to the last byte of the answer. */
  readonly timeoutMs: number;
}

export interface SignedResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** SHA-256 (or, given a key, HMAC-SHA256) for the signer, from node:crypto. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    const secret = this.secret;
    if (secret === undefined) return createHash('sha256');
    if (typeof secret === 'string') return createHmac('sha256', secret);
    const key = ArrayBuffer.isView(secret)
      ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
      : Buffer.from(secret);
    return createHmac('sha256', key);
  }
}

/** Resolves a region given as the SDK clients give it (a string or an async provider). */
export async function resolveRegion(region: string | (() => Promise<string>)): Promise<string> {
  const value = typeof region === 'function' ? await region() : region;
  if (!/^[a-z0-9-]+$/.test(value)) throw new Error(`"${value}" is not an AWS region.`);
  return value;
}

/** The DNS suffix of a region's partition. */
export function partitionDomain(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Signs and sends the request; resolves with the status and body of any answer, rejects on none. */
export async function sendSigned(request: SignedRequest): Promise<SignedResponse> {
  const { url } = request;
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: await resolveRegion(request.region),
    service: request.service,
    sha256: Sha256,
    uriEscapePath: request.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { ...request.headers, host: url.host, 'content-length': String(request.body.length) },
    body: request.body,
  });
  return new Promise<SignedResponse>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: request.method, headers: signed.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`${request.service} did not answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    outgoing.on('close', () => clearTimeout(timer));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

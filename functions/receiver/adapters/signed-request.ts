import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { signRequest } from './sigv4.js';

/**
 * One SigV4-signed HTTP request, for the two calls the receiver makes without an SDK client (reading
 * the secret, storing an oversized body): a client each would weigh more than the receiver and cost
 * a cold start its own middleware and endpoint-rule setup. Signs with `sigv4.ts`, with the
 * credentials and region the SDK clients resolved (or, at load, the ones Lambda puts in the
 * environment).
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
  /** Called once the whole request has been handed to the operating system. */
  readonly onSent?: (() => void) | undefined;
}

export interface SignedResponse {
  readonly status: number;
  readonly body: Buffer;
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
  const headers = signRequest({
    method: request.method,
    url,
    headers: { ...request.headers, 'content-length': String(request.body.length) },
    body: request.body,
    service: request.service,
    region: await resolveRegion(request.region),
    credentials: await request.credentials(),
  });
  return new Promise<SignedResponse>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: request.method, headers }, (response) => {
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
    if (request.onSent !== undefined) outgoing.once('finish', request.onSent);
    outgoing.end(request.body);
  });
}

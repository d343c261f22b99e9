import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { PayloadStoreError } from './errors.js';
import type { PayloadStore, StoredPayload } from './payload-store.js';

export interface S3PayloadStoreOptions {
  readonly bucket: string;
  readonly region: string | (() => Promise<string>);
  readonly credentials: AwsCredentialIdentityProvider;
  /** A custom endpoint (path-style), e.g. from `AWS_ENDPOINT_URL_S3`. @default the regional S3 endpoint */
  readonly endpoint?: string;
  /** @default 3_000 */
  readonly timeoutMs?: number;
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
    if (this.secret === undefined) return createHash('sha256');
    const secret = this.secret;
    if (typeof secret === 'string') return createHmac('sha256', secret);
    const key = ArrayBuffer.isView(secret)
      ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
      : Buffer.from(secret);
    return createHmac('sha256', key);
  }
}

/**
 * The object's URL: virtual-hosted on the region's S3 endpoint (in its partition's domain), or
 * path-style on a custom endpoint such as an emulator.
 */
export function objectUrl(options: {
  bucket: string;
  key: string;
  region: string;
  endpoint?: string | undefined;
}): URL {
  const path = `/${options.key.split('/').map(encodeURIComponent).join('/')}`;
  if (options.endpoint !== undefined) {
    return new URL(`${options.endpoint.replace(/\/+$/, '')}/${options.bucket}${path}`);
  }
  if (!/^[a-z0-9-]+$/.test(options.region))
    throw new PayloadStoreError(`"${options.region}" is not an AWS region.`);
  const domain = options.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${options.bucket}.s3.${options.region}.${domain}${path}`);
}

/**
 * Stores bodies in S3 with one signed PUT. Written against the signer the AWS SDK clients already
 * carry rather than the S3 client, which would add more to the bundle (and the cold start) than
 * the whole receiver weighs, for a call that almost never happens.
 */
export class S3PayloadStore implements PayloadStore {
  private readonly signer: SignatureV4;

  constructor(private readonly options: S3PayloadStoreOptions) {
    this.signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  async put(key: string, body: Buffer, contentType: string): Promise<StoredPayload> {
    try {
      return await this.store(key, body, contentType);
    } catch (error) {
      // Whatever went wrong, the answer is a 503 and the provider's retry stores it again.
      if (error instanceof PayloadStoreError) throw error;
      throw new PayloadStoreError(`Could not store the body in s3://${this.options.bucket}/${key}.`, {
        cause: error,
      });
    }
  }

  private async store(key: string, body: Buffer, contentType: string): Promise<StoredPayload> {
    const { bucket } = this.options;
    const sha256 = createHash('sha256').update(body).digest('hex');
    const region =
      typeof this.options.region === 'function' ? await this.options.region() : this.options.region;
    const url = objectUrl({ bucket, key, region, endpoint: this.options.endpoint });
    const signed = await this.signer.sign({
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': contentType,
        'content-length': String(body.length),
        'x-amz-content-sha256': sha256,
      },
      body,
    });
    const status = await new Promise<number>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        { method: 'PUT', headers: signed.headers, timeout: this.options.timeoutMs ?? 3_000 },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('S3 PutObject timed out')));
      outgoing.on('error', reject);
      outgoing.end(body);
    }).catch((error: unknown) => {
      throw new PayloadStoreError(`Could not store the body in s3://${bucket}/${key}.`, { cause: error });
    });
    if (status !== 200) {
      throw new PayloadStoreError(`S3 answered ${status} to storing the body in s3://${bucket}/${key}.`);
    }
    return { bucket, key, bytes: body.length, sha256 };
  }
}

import { createHash } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { PayloadStoreError } from '../core/errors.js';
import type { PayloadStore, StoredPayload } from '../core/ports/payload-store.js';
import { partitionDomain, sendSigned } from './signed-request.js';

export interface S3PayloadStoreOptions {
  readonly bucket: string;
  readonly region: string | (() => Promise<string>);
  readonly credentials: AwsCredentialIdentityProvider;
  /** A custom endpoint (path-style), e.g. from `AWS_ENDPOINT_URL_S3`. @default the regional S3 endpoint */
  readonly endpoint?: string;
  /** @default 3_000 */
  readonly timeoutMs?: number;
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
  return new URL(`https://${options.bucket}.s3.${options.region}.${partitionDomain(options.region)}${path}`);
}

/**
 * Stores bodies in S3 with one signed PUT (`signed-request.ts`, signed by `sigv4.ts`) rather than
 * through the S3 client, which would add more to the bundle (and the cold start) than the whole
 * receiver weighs, for a call that almost never happens.
 */
export class S3PayloadStore implements PayloadStore {
  constructor(private readonly options: S3PayloadStoreOptions) {}

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
    const { status } = await sendSigned({
      method: 'PUT',
      url: objectUrl({ bucket, key, region, endpoint: this.options.endpoint }),
      headers: { 'content-type': contentType, 'x-amz-content-sha256': sha256 },
      body,
      service: 's3',
      region,
      credentials: this.options.credentials,
      timeoutMs: this.options.timeoutMs ?? 3_000,
    });
    if (status !== 200) {
      throw new PayloadStoreError(`S3 answered ${status} to storing the body in s3://${bucket}/${key}.`);
    }
    return { bucket, key, bytes: body.length, sha256 };
  }
}

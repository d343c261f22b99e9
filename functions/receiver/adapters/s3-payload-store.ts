import { createHash } from 'node:crypto';
import { defaultEndpointResolver } from '@aws-sdk/client-s3/dist-es/endpoint/endpointResolver.js';
import { extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import {
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentityProvider,
  ChecksumConstructor,
  HashConstructor,
  HttpHandlerOptions,
  HttpResponse,
  Provider,
  RetryErrorType,
  RetryStrategyV2,
  UserAgent,
} from '@smithy/types';
import type { CallOptions } from '../core/deadline.js';
import { PayloadStoreError } from '../core/errors.js';
import type { PayloadStore, StoredPayload } from '../core/ports/payload-store.js';

/**
 * What the store takes from an SDK client of the same function: its resolved configuration, so
 * region, credentials, FIPS and dual-stack settings, the HTTP handler (with its timeouts) and the
 * user agent are resolved once, the SDK's way. A `DynamoDBClient`'s `config` is one.
 */
export interface SdkConfiguration {
  readonly region: Provider<string>;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly useFipsEndpoint: Provider<boolean>;
  readonly useDualstackEndpoint: Provider<boolean>;
  readonly sha256: ChecksumConstructor | HashConstructor;
  readonly defaultUserAgentProvider: Provider<UserAgent>;
  readonly requestHandler: {
    handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
  };
}

export interface S3PayloadStoreOptions {
  readonly bucket: string;
  readonly sdk: SdkConfiguration;
  /** A custom endpoint, e.g. from `AWS_ENDPOINT_URL_S3`. @default the one S3's endpoint rules give */
  readonly endpoint?: string | undefined;
  /**
   * Decides whether a failed PUT is tried again, and after how long (the SDK's backoff with
   * jitter). @default the SDK's standard strategy with 2 attempts
   */
  readonly retryStrategy?: RetryStrategyV2;
}

/** S3 answered the PUT with an error. */
export class S3RequestError extends Error {
  override readonly name: string;
  readonly $metadata: { readonly httpStatusCode: number };
  constructor(status: number, code: string) {
    super(`S3 answered ${status} ${code}.`);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Stores bodies in S3 with one PUT, made of the SDK's own parts: S3's endpoint rules (the ones the
 * S3 client runs: partitions, FIPS, dual-stack, path-style where a bucket name or a custom endpoint
 * needs it), the SDK's SigV4 signer, its HTTP handler, and its retry strategy (backoff with jitter).
 * Not the S3 client itself: it would add about 160 KB to a bundle of about 240 KB (its schemas of
 * every S3 operation and the middleware for features a PUT of a few MB never uses), and every cold
 * start would load it for a call that almost never happens.
 *
 * @example
 * const store = new S3PayloadStore({ bucket, sdk: new DynamoDBClient({}).config });
 * await store.put('complycube/2026-01-01/<sha256>', body, 'application/octet-stream');
 */
export class S3PayloadStore implements PayloadStore {
  private readonly retryStrategy: RetryStrategyV2;

  constructor(private readonly options: S3PayloadStoreOptions) {
    this.retryStrategy = options.retryStrategy ?? new StandardRetryStrategy(2);
  }

  async put(key: string, body: Buffer, contentType: string, call?: CallOptions): Promise<StoredPayload> {
    try {
      return await this.store(key, body, contentType, call?.signal);
    } catch (error) {
      // Whatever went wrong, the answer is a 503 and the provider's retry stores it again.
      throw new PayloadStoreError(`Could not store the body in s3://${this.options.bucket}/${key}.`, {
        cause: error,
      });
    }
  }

  private async store(
    key: string,
    body: Buffer,
    contentType: string,
    signal: AbortSignal | undefined,
  ): Promise<StoredPayload> {
    const { bucket, sdk } = this.options;
    const sha256 = createHash('sha256').update(body).digest('hex');
    const region = await sdk.region();
    const endpoint = defaultEndpointResolver({
      Bucket: bucket,
      Region: region,
      UseFIPS: await sdk.useFipsEndpoint(),
      UseDualStack: await sdk.useDualstackEndpoint(),
      Endpoint: this.options.endpoint,
      ForcePathStyle: false,
      Accelerate: false,
      UseArnRegion: false,
      DisableMultiRegionAccessPoints: false,
      UseGlobalEndpoint: false,
    });
    const scheme = endpoint.properties?.authSchemes?.[0] as
      | { readonly signingName?: string; readonly signingRegion?: string }
      | undefined;
    const signer = new SignatureV4({
      service: scheme?.signingName ?? 's3',
      region: scheme?.signingRegion ?? region,
      credentials: sdk.credentials,
      sha256: sdk.sha256,
      // S3 signs the path as sent, without escaping it a second time.
      uriEscapePath: false,
    });
    const url = endpoint.url;
    const path = `${url.pathname.replace(/\/$/, '')}/${key.split('/').map(extendedEncodeURIComponent).join('/')}`;
    const userAgent = formatUserAgent(await sdk.defaultUserAgentProvider());
    const request = new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      method: 'PUT',
      path,
      headers: {
        host: url.host,
        'content-type': contentType,
        'content-length': String(body.length),
        'x-amz-content-sha256': sha256,
        'user-agent': userAgent,
        'x-amz-user-agent': userAgent,
      },
      body,
    });

    let token = await this.retryStrategy.acquireInitialRetryToken('s3');
    for (;;) {
      try {
        const signed = await signer.sign(request);
        const { response } = await sdk.requestHandler.handle(signed as HttpRequest, { abortSignal: signal });
        const text = await readBody(response);
        if (response.statusCode !== 200) {
          throw new S3RequestError(response.statusCode, /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? 'Error');
        }
        this.retryStrategy.recordSuccess(token);
        return { bucket, key, bytes: body.length, sha256 };
      } catch (error) {
        const errorType = retryErrorType(error);
        if (errorType === undefined || signal?.aborted === true) throw error;
        // Throws (ending the loop) when the strategy allows no further attempt.
        token = await this.retryStrategy.refreshRetryTokenForRetry(token, { errorType }).catch(() => {
          throw error;
        });
      }
    }
  }
}

/** How the SDK classifies an error for its retry strategy; `undefined` for one no retry can fix. */
function retryErrorType(error: unknown): RetryErrorType | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const sdkError = error as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError)) return 'THROTTLING';
  if (isTransientError(sdkError)) return 'TRANSIENT';
  if (isServerError(sdkError)) return 'SERVER_ERROR';
  return undefined;
}

/**
 * The SDK's user agent pairs of the client the configuration came from, as its header spells them
 * (`name/version`, space-separated), with that client's `api/<service>` pair saying S3 instead.
 */
function formatUserAgent(pairs: UserAgent): string {
  const clean = (part: string) => part.replace(/[^!#$%&'*+\-.^_`|~\w/]/g, '-');
  return [...pairs.filter(([name]) => !name.startsWith('api/')), ['api/s3'] as const]
    .map(([name, version]) => (version === undefined ? clean(name) : `${clean(name)}/${clean(version)}`))
    .join(' ');
}

async function readBody(response: HttpResponse): Promise<string> {
  const stream = response.body as AsyncIterable<Uint8Array> | undefined;
  if (stream === undefined || typeof stream[Symbol.asyncIterator] !== 'function') return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The modules `infra/bundling.ts` puts in place of SDK packages in the deployed bundles. */

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../functions/bundle-substitutes/lambda-credentials.js';
import {
  EndpointCache,
  EndpointCacheNotBundledError,
} from '../../functions/bundle-substitutes/no-endpoint-cache.js';
import {
  EventStreamSerde,
  EventStreamsNotBundledError,
  eventStreamSerdeProvider,
  resolveEventStreamSerdeConfig,
} from '../../functions/bundle-substitutes/no-event-streams.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('lambda-credentials (for @aws-sdk/credential-provider-node)', () => {
  it('resolves the role credentials Lambda puts in the environment, session token included', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLEKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'example-token');

    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEY',
      secretAccessKey: 'example-secret',
      sessionToken: 'example-token',
    });
  });

  it('fails, as the SDK chain does when it runs out, when the environment holds no credentials', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');

    await expect(defaultProvider()()).rejects.toThrow(/environment variable credentials/);
  });
});

describe('no-event-streams (for @smithy/core/event-streams)', () => {
  it('refuses with a message naming the substitute, from every entry point', () => {
    expect(() => eventStreamSerdeProvider({})).toThrow(EventStreamsNotBundledError);
    expect(() => new EventStreamSerde({})).toThrow(
      /infra\/bundling\.ts substitutes @smithy\/core\/event-streams/,
    );
  });

  it('lets a client whose construction resolves the event-stream config (S3) construct, and refuses the marshaller only when read', () => {
    const config = resolveEventStreamSerdeConfig({ region: 'us-east-1' });

    expect(config.region).toBe('us-east-1');
    expect(() => config.eventStreamMarshaller).toThrow(EventStreamsNotBundledError);
  });
});

describe('no-endpoint-cache (for @aws-sdk/endpoint-cache)', () => {
  it('can be constructed, as every DynamoDB client does, and refuses any use', () => {
    const cache = new EndpointCache();

    expect(() => cache.getEndpoint('key')).toThrow(EndpointCacheNotBundledError);
    expect(() => cache.get('key')).toThrow(/substitutes @aws-sdk\/endpoint-cache/);
    expect(() => cache.set('key', [])).toThrow(EndpointCacheNotBundledError);
  });
});

describe('node-http.cjs (for node:http)', () => {
  it("is node:http itself, so any export a bundled module reads is the built-in's own", () => {
    const require = createRequire(import.meta.url);

    const substitute: unknown = require('../../functions/bundle-substitutes/node-http.cjs');

    expect(substitute).toBe(require('node:http'));
  });
});

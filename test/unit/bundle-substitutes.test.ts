/** The modules `infra/bundling.ts` puts in place of SDK packages in the deployed bundles. */

import * as nodeCrypto from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as nodeFsPromises from 'node:fs/promises';
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import * as nodeOs from 'node:os';
import * as nodePath from 'node:path';
import * as nodeStream from 'node:stream';
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
import * as cryptoSubstitute from '../../functions/bundle-substitutes/node-crypto.js';
import * as fsSubstitute from '../../functions/bundle-substitutes/node-fs.js';
import * as fsPromisesSubstitute from '../../functions/bundle-substitutes/node-fs-promises.js';
import * as httpSubstitute from '../../functions/bundle-substitutes/node-http.js';
import * as httpsSubstitute from '../../functions/bundle-substitutes/node-https.js';
import * as osSubstitute from '../../functions/bundle-substitutes/node-os.js';
import * as pathSubstitute from '../../functions/bundle-substitutes/node-path.js';
import * as processSubstitute from '../../functions/bundle-substitutes/node-process.js';
import * as streamSubstitute from '../../functions/bundle-substitutes/node-stream.js';

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

describe('node-http (for node:http)', () => {
  it("exports node:http's own functions and classes, loaded with require", () => {
    expect(httpSubstitute.request).toBe(nodeHttp.request);
    expect(httpSubstitute.Agent).toBe(nodeHttp.Agent);
    expect(httpSubstitute.STATUS_CODES).toBe(nodeHttp.STATUS_CODES);
  });
});

describe('node-* (the built-ins the receiver loads with require)', () => {
  const cases: ReadonlyArray<readonly [string, object, object]> = [
    ['node:crypto', cryptoSubstitute, nodeCrypto],
    ['node:fs', fsSubstitute, nodeFs],
    ['node:fs/promises', fsPromisesSubstitute, nodeFsPromises],
    ['node:http', httpSubstitute, nodeHttp],
    ['node:https', httpsSubstitute, nodeHttps],
    ['node:os', osSubstitute, nodeOs],
    ['node:path', pathSubstitute, nodePath],
    ['node:process', processSubstitute, { ...process, default: process }],
    ['node:stream', streamSubstitute, nodeStream],
  ];

  it.each(cases)(
    "%s: every export is the built-in's own, a default export the module itself",
    (_name, substitute, builtin) => {
      const exported = (module: object, name: string): unknown => (module as Record<string, unknown>)[name];
      const names = Object.keys(substitute).filter((name) => name !== 'default');
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(exported(substitute, name), name).toBe(exported(builtin, name));
      if ('default' in substitute) expect(exported(substitute, 'default')).toBe(exported(builtin, 'default'));
    },
  );
});

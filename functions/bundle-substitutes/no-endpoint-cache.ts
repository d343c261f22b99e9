/**
 * Stands in for `@aws-sdk/endpoint-cache` in the deployed bundles (see `infra/bundling.ts`).
 *
 * Every DynamoDB client constructs an endpoint-discovery cache (an LRU from `mnemonist`, 8 KB of
 * CommonJS in the bundle), but only commands that carry the endpoint-discovery plugin read it, and
 * no DynamoDB command does: discovery is optional for DynamoDB and off unless configured, which we
 * never do. The cache is therefore built and never touched. Should that change, each method says
 * so instead of failing obscurely.
 */

const MESSAGE =
  'Endpoint discovery is not in this bundle: infra/bundling.ts substitutes @aws-sdk/endpoint-cache. ' +
  'Remove that substitute to enable endpoint discovery.';

/** Thrown by every method: this cache holds nothing. */
export class EndpointCacheNotBundledError extends Error {
  constructor() {
    super(MESSAGE);
    this.name = 'EndpointCacheNotBundledError';
  }
}

/**
 * The SDK's endpoint cache: constructible (each client builds one), unusable.
 *
 * @example
 * const cache = new EndpointCache(); // fine (the SDK passes a capacity, which is ignored)
 * cache.getEndpoint('key'); // throws EndpointCacheNotBundledError
 */
export class EndpointCache {
  getEndpoint(_key: string): never {
    throw new EndpointCacheNotBundledError();
  }

  get(_key: string): never {
    throw new EndpointCacheNotBundledError();
  }

  set(_key: string, _endpoints: unknown): never {
    throw new EndpointCacheNotBundledError();
  }

  delete(_key: string): never {
    throw new EndpointCacheNotBundledError();
  }

  has(_key: string): never {
    throw new EndpointCacheNotBundledError();
  }

  clear(): never {
    throw new EndpointCacheNotBundledError();
  }
}

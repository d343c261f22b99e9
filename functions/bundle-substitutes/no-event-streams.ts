/**
 * Stands in for `@smithy/core/event-streams` in the deployed bundles (see `infra/bundling.ts`).
 *
 * The SDK imports that module lazily, only for an operation with an event-stream member, and none
 * of the operations our functions call has one (GetSecretValue, PutItem, UpdateItem, DeleteItem,
 * PutEvents). A bundle has no lazy loading, though: esbuild inlines the dynamic import, 19 KB that
 * every cold start would parse. Should an operation ever need it, this says so instead of failing
 * obscurely.
 */

const MESSAGE =
  'Event streams are not in this bundle: infra/bundling.ts substitutes @smithy/core/event-streams. ' +
  'Remove that substitute to call an operation with an event stream.';

/** Thrown by every entry point: nothing here can serialize or read an event stream. */
export class EventStreamsNotBundledError extends Error {
  constructor() {
    super(MESSAGE);
    this.name = 'EventStreamsNotBundledError';
  }
}

/**
 * The provider the SDK asks for a marshaller; refuses.
 *
 * @example
 * eventStreamSerdeProvider({}); // throws EventStreamsNotBundledError
 */
export function eventStreamSerdeProvider(_options: unknown): never {
  throw new EventStreamsNotBundledError();
}

/**
 * The SDK's event-stream (de)serializer; cannot be constructed.
 *
 * @example
 * new EventStreamSerde({}); // throws EventStreamsNotBundledError
 */
export class EventStreamSerde {
  constructor(_options: unknown) {
    throw new EventStreamsNotBundledError();
  }
}

/**
 * The config resolver the S3 client runs when it is constructed (`S3Client.js`). The marshaller
 * it would build is only read by an event-stream operation (SelectObjectContent), so here it is
 * a getter that refuses: the client constructs, GetObject and PutObject work, and only an
 * event-stream call fails, saying why.
 *
 * @example
 * resolveEventStreamSerdeConfig({}).eventStreamMarshaller; // throws EventStreamsNotBundledError
 */
export function resolveEventStreamSerdeConfig<T extends object>(
  input: T,
): T & { readonly eventStreamMarshaller: never } {
  return Object.defineProperty(input, 'eventStreamMarshaller', {
    get(): never {
      throw new EventStreamsNotBundledError();
    },
    enumerable: true,
    configurable: true,
  }) as T & { readonly eventStreamMarshaller: never };
}

/**
 * Stands in for `@smithy/node-http-handler` in the warm bench's bundle (never in the stack's): every
 * SDK client the receiver builds gets a request handler that answers at once with what the service
 * says on success, so a request runs all of the receiver's code and all of the SDK's (middleware,
 * serialization, signing, parsing the answer) and no network.
 */
import { Readable } from 'node:stream';

export { streamCollector } from '@smithy/core/serde';

interface SdkRequest {
  readonly headers: Readonly<Record<string, string>>;
}

let answers: Readonly<Record<string, string>> = {};

/**
 * Sets what each operation answers, by `X-Amz-Target`, before the receiver is loaded.
 *
 * @example
 * answerWith({ 'DynamoDB_20120810.PutItem': '{}' });
 */
export function answerWith(byTarget: Readonly<Record<string, string>>): void {
  answers = byTarget;
}

/** Calls answered so far, by `X-Amz-Target`: the bench checks the receiver really called AWS. */
export const answered = new Map<string, number>();

const instant = {
  metadata: { handlerProtocol: 'http/1.1' },
  handle(request: SdkRequest) {
    const target = request.headers['x-amz-target'] ?? '';
    const answer = answers[target];
    if (answer === undefined) {
      return Promise.reject(new Error(`The warm bench has no answer for ${JSON.stringify(target)}.`));
    }
    answered.set(target, (answered.get(target) ?? 0) + 1);
    return Promise.resolve({
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench' },
        // A stream, as a socket's response is, so the SDK collects the body as it would.
        body: Readable.from([Buffer.from(answer, 'utf8')]),
      },
    });
  },
  updateHttpClientConfig(): void {},
  httpHandlerConfigs(): Record<string, never> {
    return {};
  },
  destroy(): void {},
};

/** What the SDK's runtime config asks for: `NodeHttpHandler.create(options)`. */
export const NodeHttpHandler = {
  create(_options?: unknown): typeof instant {
    return instant;
  },
};

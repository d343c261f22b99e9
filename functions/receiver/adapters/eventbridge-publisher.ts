import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { CallOptions } from '../core/deadline.js';
import { PublishError } from '../core/errors.js';
import type { BusEntry, Publisher, PublishReceipt } from '../core/ports/publisher.js';

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** The bus name or ARN. */
  readonly eventBusName: string;
}

/**
 * Per-entry PutEvents errors that no retry will fix: the entry itself is unacceptable to the bus.
 * Throttling, internal failures and permission errors are not among them.
 */
const PERMANENT_ENTRY_ERRORS: ReadonlySet<string> = new Set(['InvalidArgument', 'MalformedDetail']);

/**
 * Whether a failed PutEvents call was refused for what we sent (a ValidationException, or a
 * request too large): then the same call will fail the same way however often it is retried.
 * Throttling, credentials, permissions and a missing bus are left to retries and operators.
 */
function refusesTheEntry(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'ValidationException' || $metadata?.httpStatusCode === 413;
}

/** How many requests the SDK sent before giving up, from the error it threw. */
function attemptsOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : undefined;
}

/** Publishes one entry per call with PutEvents; a failed entry is a failure, not a partial success. */
export class EventBridgePublisher implements Publisher {
  constructor(private readonly options: EventBridgePublisherOptions) {}

  async publish(entry: BusEntry, options?: CallOptions): Promise<PublishReceipt> {
    const command = new PutEventsCommand({
      Entries: [
        {
          EventBusName: this.options.eventBusName,
          Source: entry.source,
          DetailType: entry.detailType,
          Detail: entry.detail,
          Time: entry.time,
        },
      ],
    });
    const result = await this.options.client
      .send(command, { abortSignal: options?.signal })
      .catch((error: unknown) => {
        throw new PublishError(`PutEvents to ${this.options.eventBusName} failed.`, undefined, {
          cause: error,
          permanent: refusesTheEntry(error),
          attempts: attemptsOf(error),
        });
      });
    if ((result.FailedEntryCount ?? 0) > 0) {
      const failed = result.Entries?.find((e) => e.ErrorCode !== undefined);
      throw new PublishError(
        `PutEvents to ${this.options.eventBusName} rejected the entry: ${failed?.ErrorCode ?? 'unknown error'}.`,
        failed?.ErrorCode,
        { permanent: failed?.ErrorCode !== undefined && PERMANENT_ENTRY_ERRORS.has(failed.ErrorCode) },
      );
    }
    // $metadata is always there from the SDK; stubs in tests may leave it out.
    return { attempts: result.$metadata?.attempts ?? 1 };
  }
}

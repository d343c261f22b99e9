import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishError } from './errors.js';
import type { BusEntry, Publisher, PublishReceipt } from './publisher.js';

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** The bus name or ARN. */
  readonly eventBusName: string;
}

/** Publishes one entry per call with PutEvents; a failed entry is a failure, not a partial success. */
export class EventBridgePublisher implements Publisher {
  constructor(private readonly options: EventBridgePublisherOptions) {}

  async publish(entry: BusEntry): Promise<PublishReceipt> {
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
    const result = await this.options.client.send(command).catch((error: unknown) => {
      throw new PublishError(`PutEvents to ${this.options.eventBusName} failed.`, undefined, {
        cause: error,
      });
    });
    if ((result.FailedEntryCount ?? 0) > 0) {
      const failed = result.Entries?.find((e) => e.ErrorCode !== undefined);
      throw new PublishError(
        `PutEvents to ${this.options.eventBusName} rejected the entry: ${failed?.ErrorCode ?? 'unknown error'}.`,
        failed?.ErrorCode,
      );
    }
    // $metadata is always there from the SDK; stubs in tests may leave it out.
    return { attempts: result.$metadata?.attempts ?? 1 };
  }
}

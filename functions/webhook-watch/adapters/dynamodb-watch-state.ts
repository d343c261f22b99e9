import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LEDGER_ATTRIBUTES } from '../../../contract/ledger.js';
import type { WatchState, WatchStateStore } from '../core/ports.js';

export interface DynamoDbWatchStateOptions {
  readonly client: DynamoDBClient;
  /** The receiver's idempotency table: the state is one item beside the ledger, under its own key. */
  readonly tableName: string;
  /** `<provider>`: the item is `<provider>#webhook-watch`, apart from every ledger key. */
  readonly provider: string;
}

/**
 * The watcher's memory as one item. No expiry: the time the webhook was last seen enabled must
 * outlive any gap. The schedule runs one watcher at a time (a run takes seconds, the period minutes).
 */
export class DynamoDbWatchState implements WatchStateStore {
  constructor(private readonly options: DynamoDbWatchStateOptions) {}

  private get key(): Record<string, { S: string }> {
    return { [LEDGER_ATTRIBUTES.partitionKey]: { S: `${this.options.provider}#webhook-watch` } };
  }

  async load(): Promise<WatchState | undefined> {
    const { Item } = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }),
    );
    const text = Item?.state?.S;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as WatchState;
    } catch (error) {
      throw new Error(
        `The webhook watch state ${this.options.provider}#webhook-watch is not JSON; delete the item to start over.`,
        { cause: error },
      );
    }
  }

  async save(state: WatchState): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: { ...this.key, state: { S: JSON.stringify(state) } },
      }),
    );
  }
}

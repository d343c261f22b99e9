import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LEDGER_ATTRIBUTES } from '../../../contract/ledger.js';
import type { CatchUpCursor, CursorStore } from '../core/cursor.js';

export interface DynamoDbCursorStoreOptions {
  readonly client: DynamoDBClient;
  /** The receiver's idempotency table: cursors live beside the ledger under their own keys. */
  readonly tableName: string;
  /** `<provider>`: cursors are `<provider>#catch-up-cursor#<window>`, apart from every ledger key. */
  readonly provider: string;
  /** How long a cursor is kept after its last save, in seconds (the table's TTL). */
  readonly retentionSeconds: number;
  readonly now?: () => number;
}

/**
 * Catch-up cursors in the ledger table: one item per window, written whole after every page. Two
 * runs of one window at once may overwrite each other's cursor; that only makes one re-read pages,
 * which the ledger makes harmless.
 */
export class DynamoDbCursorStore implements CursorStore {
  constructor(private readonly options: DynamoDbCursorStoreOptions) {}

  private key(windowKey: string): string {
    return `${this.options.provider}#catch-up-cursor#${windowKey}`;
  }

  async load(windowKey: string): Promise<CatchUpCursor | undefined> {
    const result = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { [LEDGER_ATTRIBUTES.partitionKey]: { S: this.key(windowKey) } },
        ConsistentRead: true,
      }),
    );
    const text = result.Item?.cursor?.S;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as CatchUpCursor;
    } catch (error) {
      throw new Error(
        `The catch-up cursor ${this.key(windowKey)} is not JSON; delete the item to start over.`,
        {
          cause: error,
        },
      );
    }
  }

  async save(windowKey: string, cursor: CatchUpCursor): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          [LEDGER_ATTRIBUTES.partitionKey]: { S: this.key(windowKey) },
          cursor: { S: JSON.stringify(cursor) },
          phase: { S: cursor.phase },
          [LEDGER_ATTRIBUTES.ttl]: { N: String(Math.floor(now / 1000) + this.options.retentionSeconds) },
        },
      }),
    );
  }
}

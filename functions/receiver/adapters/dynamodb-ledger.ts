import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { LEDGER_ATTRIBUTES } from '../../../contract/ledger.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { CallOptions } from '../core/deadline.js';
import { LedgerError } from '../core/errors.js';
import type { Claim, ClaimRequest, ClaimResult, CompleteResult, Ledger } from '../core/ports/ledger.js';

export interface DynamoDbLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a completed id is remembered, in seconds. */
  readonly retentionSeconds: number;
  /** How long an in-progress claim blocks other attempts, in seconds. Longer than the function timeout. */
  readonly leaseSeconds: number;
  readonly clock?: Clock;
  readonly newToken?: () => string;
}

/** The key and TTL attributes, whose names the construct gives the table. */
const { partitionKey: PK, ttl: TTL } = LEDGER_ATTRIBUTES;
const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';

/**
 * The ledger on DynamoDB: one item per key, claimed with a conditional put.
 *
 * The claim succeeds when no live record stands in the way:
 *
 *   attribute_not_exists(pk)                        nobody has seen this id
 *   OR expiresAt < :nowSeconds                      remembered once, forgotten since (TTL lags)
 *   OR (status = IN_PROGRESS AND leaseExpiresAt < :nowMs)   a crashed attempt's lease ran out
 *
 * Otherwise DynamoDB hands back the record that stood in the way (ALL_OLD), which says whether it is
 * a duplicate or an attempt still in progress, without a second read.
 */
export class DynamoDbLedger implements Ledger {
  private readonly options: DynamoDbLedgerOptions;
  private readonly clock: Clock;
  private readonly newToken: () => string;

  constructor(options: DynamoDbLedgerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.newToken = options.newToken ?? randomUUID;
  }

  async claim(request: ClaimRequest, options?: CallOptions): Promise<ClaimResult> {
    const now = this.clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const leaseExpiresAt = now + this.options.leaseSeconds * 1000;
    const token = this.newToken();
    try {
      const result = await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            [PK]: { S: request.key },
            status: { S: IN_PROGRESS },
            claimToken: { S: token },
            leaseExpiresAt: { N: String(leaseExpiresAt) },
            // An abandoned claim is eventually cleaned up by TTL as well.
            [TTL]: { N: String(nowSeconds + this.options.retentionSeconds) },
            eventType: { S: request.eventType },
            bodySha256: { S: request.bodySha256 },
            claimedAt: { N: String(now) },
          },
          ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} < :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :nowMs)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':nowSeconds': { N: String(nowSeconds) },
            ':nowMs': { N: String(now) },
            ':inProgress': { S: IN_PROGRESS },
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: options?.signal },
      );
      const tookOver = result.Attributes !== undefined;
      return { outcome: 'claimed', claim: { key: request.key, token, tookOver } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new LedgerError(`Could not claim ${request.key} in ${this.options.tableName}.`, {
          cause: error,
        });
      }
      const old = error.Item;
      if (old?.claimToken?.S === token && old.status?.S === IN_PROGRESS) {
        // Our own claim: the first attempt landed but its answer was lost, and the SDK retried.
        return { outcome: 'claimed', claim: { key: request.key, token, tookOver: false } };
      }
      if (old?.status?.S === COMPLETED) {
        return { outcome: 'duplicate', bodySha256: old.bodySha256?.S };
      }
      const lease = Number(old?.leaseExpiresAt?.N);
      // Without the old record (not expected) assume a short wait rather than a duplicate.
      return { outcome: 'in_progress', leaseExpiresAt: Number.isFinite(lease) ? lease : now + 1000 };
    }
  }

  async complete(claim: Claim, options?: CallOptions): Promise<CompleteResult> {
    const now = this.clock.now();
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [PK]: { S: claim.key } },
          UpdateExpression: `SET #status = :completed, ${TTL} = :expiresAt, completedAt = :now REMOVE leaseExpiresAt`,
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':completed': { S: COMPLETED },
            ':expiresAt': { N: String(Math.floor(now / 1000) + this.options.retentionSeconds) },
            ':now': { N: String(now) },
            ':token': { S: claim.token },
          },
        }),
        { abortSignal: options?.signal },
      );
      return 'completed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'lease_lost';
      throw new LedgerError(`Could not mark ${claim.key} completed.`, { cause: error });
    }
  }

  async release(claim: Claim, options?: CallOptions): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { [PK]: { S: claim.key } },
          // Never delete a claim someone else holds.
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':token': { S: claim.token } },
        }),
        { abortSignal: options?.signal },
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new LedgerError(`Could not release the claim on ${claim.key}.`, { cause: error });
    }
  }
}

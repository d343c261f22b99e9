import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  ClaimEventResult,
  ClaimPositionResult,
  EventClaim,
  Position,
  SubscriberLedger,
} from './ledger.js';

export interface DynamoDbSubscriberLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a completed event id is remembered, in seconds. */
  readonly eventRetentionSeconds: number;
  /** How long a resource's position is remembered, in seconds. */
  readonly positionRetentionSeconds: number;
  readonly now?: () => number;
  readonly newToken?: () => string;
}

/** Thrown when the table could not be read or written; the invocation fails and Lambda retries it. */
export class SubscriberLedgerError extends Error {
  override readonly name = 'SubscriberLedgerError';
}

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';

/**
 * The subscriber's table on DynamoDB: the receiver's ledger pattern (functions/receiver/dynamodb-ledger.ts)
 * for event ids, plus one compare-and-set item per resource.
 *
 * An event claim succeeds when no live record stands in the way:
 *
 *   attribute_not_exists(pk)                                 nobody has seen this id
 *   OR expiresAt < :nowSeconds                               remembered once, forgotten since (TTL lags)
 *   OR (status = IN_PROGRESS AND leaseExpiresAt < :nowMs)    the holder's invocation has ended
 *
 * A position moves when
 *
 *   attribute_not_exists(pk) OR expiresAt < :nowSeconds      nothing known about the resource
 *   OR orderAt < :at                                         this event's state is newer
 *   OR (orderAt = :at AND eventId = :eventId)                this event holds it (a retry of it)
 *
 * so on equal times the first event to get there keeps the position and the others are stale.
 */
export class DynamoDbSubscriberLedger implements SubscriberLedger {
  private readonly now: () => number;
  private readonly newToken: () => string;

  constructor(private readonly options: DynamoDbSubscriberLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.newToken = options.newToken ?? randomUUID;
  }

  async claimEvent(key: string, leaseExpiresAt: number): Promise<ClaimEventResult> {
    const now = this.now();
    const nowSeconds = Math.floor(now / 1000);
    const token = this.newToken();
    try {
      const result = await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            pk: { S: key },
            status: { S: IN_PROGRESS },
            claimToken: { S: token },
            leaseExpiresAt: { N: String(leaseExpiresAt) },
            expiresAt: { N: String(nowSeconds + this.options.eventRetentionSeconds) },
            claimedAt: { N: String(now) },
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :nowMs)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':nowSeconds': { N: String(nowSeconds) },
            ':nowMs': { N: String(now) },
            ':inProgress': { S: IN_PROGRESS },
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'claimed', claim: { key, token }, tookOver: result.Attributes !== undefined };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new SubscriberLedgerError(`Could not claim ${key} in ${this.options.tableName}.`, {
          cause: error,
        });
      }
      const old = error.Item;
      if (old?.claimToken?.S === token && old.status?.S === IN_PROGRESS) {
        // Our own claim: the first attempt landed, its answer was lost, and the SDK retried.
        return { outcome: 'claimed', claim: { key, token }, tookOver: false };
      }
      if (old?.status?.S === COMPLETED) {
        const completedAt = Number(old.completedAt?.N);
        return { outcome: 'duplicate', completedAt: Number.isFinite(completedAt) ? completedAt : undefined };
      }
      const lease = Number(old?.leaseExpiresAt?.N);
      return { outcome: 'in_progress', leaseExpiresAt: Number.isFinite(lease) ? lease : now };
    }
  }

  async completeEvent(claim: EventClaim): Promise<'completed' | 'lease_lost'> {
    const now = this.now();
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: claim.key } },
          UpdateExpression:
            'SET #status = :completed, expiresAt = :expiresAt, completedAt = :now REMOVE leaseExpiresAt',
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':completed': { S: COMPLETED },
            ':expiresAt': { N: String(Math.floor(now / 1000) + this.options.eventRetentionSeconds) },
            ':now': { N: String(now) },
            ':token': { S: claim.token },
          },
        }),
      );
      return 'completed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'lease_lost';
      throw new SubscriberLedgerError(`Could not mark ${claim.key} completed.`, { cause: error });
    }
  }

  async releaseEvent(claim: EventClaim): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: claim.key } },
          // Never delete a claim someone else holds (powertools-lambda-typescript #5675).
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':token': { S: claim.token } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw new SubscriberLedgerError(`Could not release the claim on ${claim.key}.`, { cause: error });
    }
  }

  async claimPosition(key: string, position: Position): Promise<ClaimPositionResult> {
    const now = this.now();
    const nowSeconds = Math.floor(now / 1000);
    try {
      const result = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: key } },
          UpdateExpression: 'SET orderAt = :at, eventId = :eventId, expiresAt = :expiresAt, movedAt = :now',
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR orderAt < :at OR (orderAt = :at AND eventId = :eventId)',
          ExpressionAttributeValues: {
            ':at': { N: String(position.at) },
            ':eventId': { S: position.eventId },
            ':expiresAt': { N: String(nowSeconds + this.options.positionRetentionSeconds) },
            ':now': { N: String(now) },
            ':nowSeconds': { N: String(nowSeconds) },
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'newest', previous: readPosition(result.Attributes) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new SubscriberLedgerError(
          `Could not move the position of ${key} in ${this.options.tableName}.`,
          {
            cause: error,
          },
        );
      }
      const held = readPosition(error.Item);
      // The condition failed, so a position stood in the way; without its copy, say so plainly.
      return { outcome: 'stale', held: held ?? { at: Number.NaN, eventId: 'unknown' } };
    }
  }
}

function readPosition(item: Record<string, { N?: string; S?: string }> | undefined): Position | undefined {
  if (item === undefined) return undefined;
  const at = Number(item.orderAt?.N);
  const eventId = item.eventId?.S;
  return Number.isFinite(at) && eventId !== undefined ? { at, eventId } : undefined;
}

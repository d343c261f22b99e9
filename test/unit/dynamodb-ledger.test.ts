import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/receiver/adapters/dynamodb-ledger.js';
import { LedgerError } from '../../functions/receiver/core/errors.js';
import type { Claim } from '../../functions/receiver/core/ports/ledger.js';
import { FAKE_EPOCH, FakeClock } from '../helpers/fakes.js';

const TABLE = 'complycube-webhook-idempotency';
const KEY = 'complycube#5ed170fe99c81a0007b9a3d3';
const DIGEST = 'a'.repeat(64);
const RETENTION_SECONDS = 30 * 86_400;
const LEASE_SECONDS = 30;
const CLAIM: Claim = { key: KEY, token: 'token-1', tookOver: false };
const REQUEST = { key: KEY, eventType: 'check.completed.clear', bodySha256: DIGEST };

const dynamo = mockClient(DynamoDBClient);

function conditionFailed(item?: ConditionalCheckFailedException['Item']): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item === undefined ? {} : { Item: item }),
  });
}

function throttled(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput.',
    $metadata: { httpStatusCode: 400 },
  });
}

function ledger(clock = new FakeClock()): DynamoDbLedger {
  return new DynamoDbLedger({
    client: new DynamoDBClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    }),
    tableName: TABLE,
    retentionSeconds: RETENTION_SECONDS,
    leaseSeconds: LEASE_SECONDS,
    clock,
    newToken: () => 'token-1',
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

beforeEach(() => {
  dynamo.reset();
});

afterEach(() => {
  dynamo.reset();
});

describe('DynamoDbLedger.claim', () => {
  it('puts the claim with a condition that allows only an absent, expired or abandoned record', async () => {
    dynamo.on(PutItemCommand).resolves({});

    await ledger().claim(REQUEST);

    const [call] = dynamo.commandCalls(PutItemCommand);
    const input = call?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :nowMs)',
    );
    expect(input?.ConditionExpression).toContain('attribute_not_exists(pk)');
    expect(input?.ExpressionAttributeNames).toEqual({ '#status': 'status' });
    expect(input?.ExpressionAttributeValues).toEqual({
      ':nowSeconds': { N: String(FAKE_EPOCH / 1000) },
      ':nowMs': { N: String(FAKE_EPOCH) },
      ':inProgress': { S: 'IN_PROGRESS' },
    });
    expect(input?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('writes an in-progress item with a lease, an expiry and the digest', async () => {
    dynamo.on(PutItemCommand).resolves({});

    await ledger().claim(REQUEST);

    const input = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input?.TableName).toBe(TABLE);
    expect(input?.Item).toEqual({
      pk: { S: KEY },
      status: { S: 'IN_PROGRESS' },
      claimToken: { S: 'token-1' },
      leaseExpiresAt: { N: String(FAKE_EPOCH + LEASE_SECONDS * 1000) },
      expiresAt: { N: String(FAKE_EPOCH / 1000 + RETENTION_SECONDS) },
      eventType: { S: 'check.completed.clear' },
      bodySha256: { S: DIGEST },
      claimedAt: { N: String(FAKE_EPOCH) },
    });
  });

  it('returns a fresh claim when no record stood in the way', async () => {
    dynamo.on(PutItemCommand).resolves({});

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'claimed', claim: { key: KEY, token: 'token-1', tookOver: false } });
  });

  it('returns a take-over claim when it replaced an old record', async () => {
    dynamo.on(PutItemCommand).resolves({ Attributes: { pk: { S: KEY }, status: { S: 'IN_PROGRESS' } } });

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'claimed', claim: { key: KEY, token: 'token-1', tookOver: true } });
  });

  it('reports a duplicate with the stored digest when the record in the way is COMPLETED', async () => {
    dynamo
      .on(PutItemCommand)
      .rejects(
        conditionFailed({ pk: { S: KEY }, status: { S: 'COMPLETED' }, bodySha256: { S: 'b'.repeat(64) } }),
      );

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'duplicate', bodySha256: 'b'.repeat(64) });
  });

  it('reports a duplicate without a digest when the COMPLETED record has none', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed({ pk: { S: KEY }, status: { S: 'COMPLETED' } }));

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'duplicate', bodySha256: undefined });
  });

  it('reports in progress with the lease expiry when the record in the way is IN_PROGRESS', async () => {
    const lease = FAKE_EPOCH + 17_000;
    dynamo.on(PutItemCommand).rejects(
      conditionFailed({
        pk: { S: KEY },
        status: { S: 'IN_PROGRESS' },
        leaseExpiresAt: { N: String(lease) },
      }),
    );

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'in_progress', leaseExpiresAt: lease });
  });

  it('recognises its own claim when a retried put finds the item its lost first attempt wrote', async () => {
    dynamo.on(PutItemCommand).rejects(
      conditionFailed({
        pk: { S: KEY },
        status: { S: 'IN_PROGRESS' },
        claimToken: { S: 'token-1' },
        leaseExpiresAt: { N: String(FAKE_EPOCH + 30_000) },
      }),
    );

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'claimed', claim: CLAIM });
  });

  it('assumes a short wait when the condition failed without the old record', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed());

    const result = await ledger().claim(REQUEST);

    expect(result).toEqual({ outcome: 'in_progress', leaseExpiresAt: FAKE_EPOCH + 1000 });
  });

  it('turns any other SDK error into a LedgerError with the cause', async () => {
    const cause = throttled();
    dynamo.on(PutItemCommand).rejects(cause);

    const error = await rejection(ledger().claim(REQUEST));

    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ statusCode: 503, cause });
  });

  it('turns a network failure into a LedgerError with the cause', async () => {
    const cause = new Error('connect ETIMEDOUT');
    dynamo.on(PutItemCommand).rejects(cause);

    const error = await rejection(ledger().claim(REQUEST));

    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ cause });
  });
});

describe('DynamoDbLedger.complete', () => {
  it('marks the claim completed only if the token still matches', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    const clock = new FakeClock();
    clock.advance(5_000);

    const result = await ledger(clock).complete(CLAIM);

    expect(result).toBe('completed');
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: { S: KEY } });
    expect(input?.ConditionExpression).toBe('claimToken = :token');
    expect(input?.UpdateExpression).toContain('REMOVE leaseExpiresAt');
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':completed': { S: 'COMPLETED' },
      ':token': { S: 'token-1' },
      ':expiresAt': { N: String(FAKE_EPOCH / 1000 + 5 + RETENTION_SECONDS) },
    });
  });

  it("returns lease_lost when the condition fails (someone else's claim, or no record)", async () => {
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());

    const result = await ledger().complete(CLAIM);

    expect(result).toBe('lease_lost');
  });

  it('turns any other SDK error into a LedgerError with the cause', async () => {
    const cause = throttled();
    dynamo.on(UpdateItemCommand).rejects(cause);

    const error = await rejection(ledger().complete(CLAIM));

    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ cause });
  });
});

describe('DynamoDbLedger.release', () => {
  it('deletes the item only if the token still matches', async () => {
    dynamo.on(DeleteItemCommand).resolves({});

    await ledger().release(CLAIM);

    const input = dynamo.commandCalls(DeleteItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { pk: { S: KEY } },
      ConditionExpression: 'claimToken = :token',
      ExpressionAttributeValues: { ':token': { S: 'token-1' } },
    });
  });

  it('ignores a ConditionalCheckFailedException (the claim is no longer ours)', async () => {
    dynamo.on(DeleteItemCommand).rejects(conditionFailed());

    await expect(ledger().release(CLAIM)).resolves.toBeUndefined();
  });

  it('turns any other SDK error into a LedgerError with the cause', async () => {
    const cause = throttled();
    dynamo.on(DeleteItemCommand).rejects(cause);

    const error = await rejection(ledger().release(CLAIM));

    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ cause });
  });
});

/**
 * The subscriber runtime against DynamoDB Local (the `once` and `order: 'latest'` records), moto's
 * SQS (the dead-letter queue) and moto's S3 (bodies too large for the bus): duplicates, stale
 * states, the failure windows, and invalid events.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDeadLetter } from '../../cli/commands/redrive.js';
import { LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { loadFixture, newEventId } from '../../fixtures/complycube.js';
import { DynamoDbSubscriberLedger } from '../../functions/subscriber/dynamodb-subscriber-ledger.js';
import type { EventFor } from '../../functions/subscriber/events.js';
import type { Position, SubscriberLedger } from '../../functions/subscriber/ledger.js';
import { S3StoredPayloads } from '../../functions/subscriber/s3-stored-payloads.js';
import { SqsDeadLetters } from '../../functions/subscriber/sqs-dead-letters.js';
import {
  createSubscriber,
  EventInProgressError,
  InvalidEventError,
  type InvocationContext,
  type OnEventsOptions,
} from '../../functions/subscriber/subscriber.js';
import {
  busEvent,
  compliancelyBusEvent,
  complyCubeBusEvent,
  fixtureBusEvent,
} from '../helpers/bus-events.js';
import { loadCompliancelyFixture } from '../helpers/compliancely.js';
import {
  createQueue,
  createTable,
  drainMessages,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  emulatorEndpoints,
  uniqueName,
  useEmulatorEnv,
} from '../support/aws-env.js';

let tableName: string;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  useEmulatorEnv();
  dynamodb = new DynamoDBClient({});
  tableName = await createTable('subscriber');
});

/** A clock the test moves; starts at the real time so DynamoDB Local's TTL sweep leaves records alone. */
function testClock(): { now: () => number; advance: (ms: number) => void } {
  let now = Date.now();
  return { now: () => now, advance: (ms) => (now += ms) };
}

function context(remainingMs = 30_000): InvocationContext {
  return {
    getRemainingTimeInMillis: () => remainingMs,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:subscriber',
    awsRequestId: randomUUID(),
  };
}

interface Harness<P extends string> {
  readonly invoke: (event: unknown, ctx?: InvocationContext) => Promise<void>;
  /** The events the handler ran for, in order. */
  readonly ran: EventFor<P>[];
  /** Each log line's message, in order. */
  readonly outcomes: () => string[];
  readonly lines: Record<string, unknown>[];
  readonly subscription: string;
  readonly clock: ReturnType<typeof testClock>;
  readonly ledger: DynamoDbSubscriberLedger;
}

function harness<const P extends string>(
  options: OnEventsOptions<P>,
  extra: {
    readonly work?: (event: EventFor<P>) => Promise<void> | void;
    readonly ledger?: (real: DynamoDbSubscriberLedger) => SubscriberLedger;
    readonly deadLetterQueueUrl?: string;
    readonly storedPayloads?: S3StoredPayloads;
  } = {},
): Harness<P> {
  const clock = testClock();
  const subscription = uniqueName('sub');
  const ledger = new DynamoDbSubscriberLedger({
    client: dynamodb,
    tableName,
    eventRetentionSeconds: 3600,
    positionRetentionSeconds: 3600,
    now: clock.now,
  });
  const lines: Record<string, unknown>[] = [];
  const ran: EventFor<P>[] = [];
  const handler = createSubscriber(
    options,
    async (event) => {
      ran.push(event);
      await extra.work?.(event);
    },
    {
      subscription,
      ledger: extra.ledger?.(ledger) ?? ledger,
      deadLetters:
        extra.deadLetterQueueUrl === undefined ? undefined : new SqsDeadLetters(extra.deadLetterQueueUrl),
      storedPayloads: extra.storedPayloads,
      now: clock.now,
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  return {
    invoke: (event, ctx = context()) => handler(event, ctx),
    ran,
    lines,
    outcomes: () => lines.map((line) => String(line.message)),
    subscription,
    clock,
    ledger,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** The ComplyCube event id a bus event carries. */
function idOf(event: { readonly detail: unknown } | undefined): string {
  const id = (event?.detail as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') throw new Error('the bus event carries no event id');
  return id;
}

function freshCheck(type = 'check.completed.clear', payload: Record<string, unknown> = {}) {
  return fixtureBusEvent(type, { id: newEventId(), payload: { id: newEventId(), ...payload } });
}

describe('once: the handler runs once per event id', () => {
  it('skips sequential copies, a retry after success among them', async () => {
    const h = harness({ once: true });
    const event = freshCheck();

    await h.invoke(event);
    await h.invoke({ ...event, id: randomUUID() }); // EventBridge's second delivery: a new bus id
    await h.invoke(event, context()); // Lambda's retry of an invocation that failed after the handler

    expect(h.ran).toHaveLength(1);
    expect(h.outcomes()).toEqual(['ran', 'skipped: duplicate', 'skipped: duplicate']);
    expect(h.lines[1]).toMatchObject({
      eventId: idOf(event),
      EventsSkippedDuplicate: 1,
    });
  });

  it('runs the handler once for concurrent copies; the others are retried and then skip', async () => {
    const gate = deferred();
    const entered = deferred();
    const h = harness(
      { once: true },
      {
        work: async () => {
          entered.resolve();
          await gate.promise;
        },
      },
    );
    const event = freshCheck();

    const copies = 8;
    const settled = deferred();
    let count = 0;
    const results = Array.from({ length: copies }, () => h.invoke(event));
    const tick = () => {
      count += 1;
      if (count === copies - 1) settled.resolve();
    };
    for (const result of results) result.then(tick, tick);
    await entered.promise;
    await settled.promise; // every copy but the one in the handler has its answer
    gate.resolve();
    const outcomes = await Promise.allSettled(results);

    expect(h.ran).toHaveLength(1);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(copies - 1);
    for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(EventInProgressError);
    // Lambda retries each refused copy later: by then the work is recorded, so they skip.
    await h.invoke(event);
    expect(h.ran).toHaveLength(1);
    expect(h.outcomes()).toEqual(['ran', 'skipped: duplicate']);
  });

  it('runs a retry again when the handler failed, so a failure loses nothing', async () => {
    let attempts = 0;
    const h = harness(
      { once: true },
      {
        work: () => {
          attempts += 1;
          if (attempts === 1) throw new Error('downstream unavailable');
        },
      },
    );
    const event = freshCheck();

    await expect(h.invoke(event)).rejects.toThrow('downstream unavailable');
    await h.invoke(event);
    await h.invoke(event);

    expect(attempts).toBe(2);
    expect(h.outcomes()).toEqual(['ran', 'skipped: duplicate']);
  });

  it('takes over the claim of an invocation that ended without a word, once its lease has passed', async () => {
    const h = harness({ once: true });
    const event = freshCheck();
    const id = idOf(event);
    // A copy claimed it with 1 s left, then its invocation timed out.
    await h.ledger.claimEvent(`${h.subscription}#event#complycube#${id}`, h.clock.now() + 1000);

    await expect(h.invoke(event)).rejects.toBeInstanceOf(EventInProgressError);
    h.clock.advance(1001);
    await h.invoke(event);

    expect(h.ran).toHaveLength(1);
    expect(h.lines.at(-1)).toMatchObject({ message: 'ran', tookOver: true });
  });

  it('leases the claim for the invocation’s remaining time and the clock margin', async () => {
    const gate = deferred();
    const entered = deferred();
    const h = harness(
      { once: true },
      {
        work: async () => {
          entered.resolve();
          await gate.promise;
        },
      },
    );
    const event = freshCheck();
    const id = idOf(event);

    const running = h.invoke(event, context(42_000));
    await entered.promise;
    const claim = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `${h.subscription}#event#complycube#${id}` } },
      }),
    );
    gate.resolve();
    await running;

    expect(claim.Item?.status?.S).toBe('IN_PROGRESS');
    expect(Number(claim.Item?.leaseExpiresAt?.N)).toBe(h.clock.now() + 42_000 + LEASE_MARGIN_SECONDS * 1000);
  });
});

describe('once: a failure after the handler ran but before its record was written', () => {
  it('answers success (no retry), and leaves the claim to block copies until its lease ends; a copy after that runs again', async () => {
    let failCompletion = true;
    const h = harness(
      { once: true },
      {
        ledger: (real) => ({
          claimEvent: (key, lease) => real.claimEvent(key, lease),
          releaseEvent: (claim) => real.releaseEvent(claim),
          claimPosition: (key, position) => real.claimPosition(key, position),
          completeEvent: async (claim) => {
            if (failCompletion) throw new Error('DynamoDB is unreachable');
            return real.completeEvent(claim);
          },
        }),
      },
    );
    const event = freshCheck();

    await h.invoke(event, context(10_000)); // resolves: Lambda does not retry it
    expect(h.ran).toHaveLength(1);
    expect(h.lines[0]).toMatchObject({
      level: 'error',
      message: 'ran',
      recordFailed: 'Error: DynamoDB is unreachable',
    });

    failCompletion = false;
    // A copy within the lease: refused as in progress (Lambda retries it later), not run.
    await expect(h.invoke(event)).rejects.toBeInstanceOf(EventInProgressError);
    expect(h.ran).toHaveLength(1);

    // A copy after the lease: the record never said "done", so the handler runs a second time.
    h.clock.advance(10_000 + LEASE_MARGIN_SECONDS * 1000 + 1);
    await h.invoke(event);
    expect(h.ran).toHaveLength(2);
  });
});

describe("order: 'latest'", () => {
  it('skips an older state after a newer one, and counts and logs the skip', async () => {
    const h = harness({ order: 'latest' });
    const checkId = newEventId();
    const newer = freshCheck('check.completed.clear', { id: checkId, updatedAt: '2026-01-01T10:00:05.000Z' });
    const older = freshCheck('check.pending', {
      id: checkId,
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-01T10:00:00.000Z',
    });

    await h.invoke(newer);
    await h.invoke(older);

    expect(h.ran.map((event) => event.type)).toEqual(['check.completed.clear']);
    expect(h.lines[1]).toMatchObject({
      message: 'skipped: stale',
      eventType: 'check.pending',
      eventAt: '2026-01-01T10:00:00.000Z',
      newestAt: '2026-01-01T10:00:05.000Z',
      newestEventId: idOf(newer),
      EventsSkippedStale: 1,
    });
  });

  it('runs every newer state in turn', async () => {
    const h = harness({ order: 'latest' });
    const checkId = newEventId();
    await h.invoke(freshCheck('check.pending', { id: checkId, updatedAt: '2026-01-01T10:00:00.000Z' }));
    await h.invoke(
      freshCheck('check.completed.clear', { id: checkId, updatedAt: '2026-01-01T10:00:01.000Z' }),
    );
    expect(h.outcomes()).toEqual(['ran', 'ran']);
  });

  it('on equal times runs the first event to get there and skips the others as stale (check.completed and check.completed.clear)', async () => {
    const h = harness({ order: 'latest' });
    const checkId = newEventId();
    const at = '2026-01-01T10:00:05.000Z';
    await h.invoke(freshCheck('check.completed', { id: checkId, updatedAt: at }));
    await h.invoke(freshCheck('check.completed.clear', { id: checkId, updatedAt: at }));
    expect(h.outcomes()).toEqual(['ran', 'skipped: stale']);
    expect(h.ran.map((event) => event.type)).toEqual(['check.completed']);
  });

  it('lets the event that holds the position run again when it is retried', async () => {
    let attempts = 0;
    const h = harness(
      { order: 'latest' },
      {
        work: () => {
          attempts += 1;
          if (attempts === 1) throw new Error('try again');
        },
      },
    );
    const event = freshCheck();
    await expect(h.invoke(event)).rejects.toThrow('try again');
    await h.invoke(event);
    expect(attempts).toBe(2);
  });

  it('orders by the event’s createdAt when the payload has no updatedAt (a delete)', async () => {
    const h = harness({ order: 'latest' });
    const clientId = newEventId();
    const update = fixtureBusEvent('client.updated', {
      id: newEventId(),
      payload: { id: clientId, updatedAt: '2026-01-01T10:00:05.000Z' },
    });
    const earlierDelete = fixtureBusEvent('client.deleted', {
      id: newEventId(),
      createdAt: '2026-01-01T10:00:01.000Z',
      payload: { id: clientId },
    });
    await h.invoke(update);
    await h.invoke(earlierDelete);
    expect(h.outcomes()).toEqual(['ran', 'skipped: stale']);
  });

  it('orders Compliancely records by their updated_date, one record id being one resource', async () => {
    const h = harness({ once: true, order: 'latest' });
    const record = { ...loadCompliancelyFixture('did_not_match'), id: randomInt(1, 2 ** 40) };
    await h.invoke(compliancelyBusEvent({ ...record, updated_date: '2026-01-01T10:00:05Z' }));
    await h.invoke(
      compliancelyBusEvent({ ...record, status: 'In Review', updated_date: '2026-01-01T10:00:01Z' }),
    );
    await h.invoke(
      compliancelyBusEvent({ ...record, status: 'TIN Matched', updated_date: '2026-01-01T10:00:09Z' }),
    );
    expect(h.outcomes()).toEqual(['ran', 'skipped: stale', 'ran']);
    expect(h.ran.map((event) => event.type)).toEqual(['tin_check.did_not_match', 'tin_check.tin_matched']);
  });

  it('keeps resources apart: the same id under another resource type is another resource', async () => {
    const h = harness({ order: 'latest' });
    const id = newEventId();
    await h.invoke(
      fixtureBusEvent('client.updated', {
        id: newEventId(),
        payload: { id, updatedAt: '2026-01-02T00:00:00.000Z' },
      }),
    );
    await h.invoke(
      fixtureBusEvent('address.updated', {
        id: newEventId(),
        payload: { id, updatedAt: '2026-01-01T00:00:00.000Z' },
      }),
    );
    expect(h.outcomes()).toEqual(['ran', 'ran']);
  });

  it('lets exactly one of many concurrent deliveries of one state win', async () => {
    const h = harness({ order: 'latest' });
    const checkId = newEventId();
    const at = '2026-01-01T10:00:05.000Z';
    const events = Array.from({ length: 10 }, () =>
      freshCheck('check.completed.clear', { id: checkId, updatedAt: at }),
    );

    await Promise.all(events.map((event) => h.invoke(event)));

    expect(h.ran).toHaveLength(1);
    expect(h.outcomes().filter((outcome) => outcome === 'skipped: stale')).toHaveLength(9);
  });

  it('never lets an older state win over a newer one delivered at the same moment', async () => {
    const moves: (Position & { readonly previous: Position | undefined })[] = [];
    const h = harness(
      { order: 'latest' },
      {
        ledger: (real) => ({
          claimEvent: (key, lease) => real.claimEvent(key, lease),
          completeEvent: (claim) => real.completeEvent(claim),
          releaseEvent: (claim) => real.releaseEvent(claim),
          claimPosition: async (key, position) => {
            const result = await real.claimPosition(key, position);
            if (result.outcome === 'newest') moves.push({ ...position, previous: result.previous });
            return result;
          },
        }),
      },
    );
    const checkId = newEventId();
    const times = Array.from({ length: 10 }, (_, i) => `2026-01-01T10:00:${String(10 + i)}.000Z`);
    const events = times.map((updatedAt) => freshCheck('check.completed.clear', { id: checkId, updatedAt }));

    await Promise.all(events.map((event) => h.invoke(event)));

    const newestId = idOf(events[events.length - 1]);
    expect(h.ran.map((event) => event.id)).toContain(newestId);
    const position = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `${h.subscription}#latest#complycube#check#${checkId}` } },
      }),
    );
    expect(position.Item?.eventId?.S).toBe(newestId);
    // Every state that ran was checked against the newest one checked before it: the moves, in the
    // order DynamoDB made them, form one chain of ever newer states. (When each handler starts is
    // not part of it: the check and the start are two steps, see docs/subscribers.md, "Concurrency".)
    const chain = [...moves].sort((a, b) => a.at - b.at);
    expect(chain.map((move) => move.previous?.eventId)).toEqual([
      undefined,
      ...chain.slice(0, -1).map((move) => move.eventId),
    ]);
    expect(h.ran.map((event) => event.id).sort()).toEqual(chain.map((move) => move.eventId).sort());
  });

  it('runs a caught-up event and the live event of the same state only once, whichever comes first', async () => {
    const h = harness({ once: true, order: 'latest' });
    const checkId = newEventId();
    const at = '2026-01-01T10:00:05.000Z';
    const live = freshCheck('check.completed.clear', { id: checkId, updatedAt: at });
    const fixture = loadFixture('check.completed.clear');
    const caughtUp = complyCubeBusEvent({
      ...fixture,
      id: newEventId(),
      createdAt: '2026-01-03T00:00:00.000Z',
      payload: { ...fixture.payload, id: checkId, updatedAt: at },
      catchUp: {
        runId: 'run-1',
        since: '2026-01-01T00:00:00.000Z',
        until: '2026-01-03T00:00:00.000Z',
        basis: 'current_state',
      },
    });

    await h.invoke(caughtUp);
    await h.invoke(live);
    await h.invoke(live);

    expect(h.outcomes()).toEqual(['ran', 'skipped: stale', 'skipped: duplicate']);
    expect(h.lines[0]).toMatchObject({ catchUp: true });
  });
});

describe('an event that is not valid', () => {
  it('goes to the dead-letter queue with its reason, at once: the invocation succeeds so Lambda does not retry it', async () => {
    const queueUrl = await createQueue('subscriber-dlq');
    const h = harness({ once: true }, { deadLetterQueueUrl: queueUrl });
    const fixture = loadFixture('check.completed.clear');
    const invalid = complyCubeBusEvent({ ...fixture, payload: { ...fixture.payload, outcome: 'rejected' } });

    await h.invoke(invalid);

    expect(h.ran).toHaveLength(0);
    expect(h.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'rejected: invalid event',
        reason: "detail.payload.outcome is 'rejected', not 'clear'",
        busEventId: invalid.id,
        EventsRejected: 1,
      }),
    ]);
    const messages = await drainMessages(queueUrl);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.attributes).toEqual({
      ERROR_CODE: 'InvalidEventError',
      ERROR_MESSAGE: "detail.payload.outcome is 'rejected', not 'clear'",
    });
    // The operators' tools read it like any dead letter of a Lambda subscriber.
    const letter = readDeadLetter({ Body: message?.body });
    expect(letter.body).toBe(JSON.stringify(invalid));
    expect(letter.target).toBe('arn:aws:lambda:us-east-1:123456789012:function:subscriber');
    expect(letter.failedWith).toBe('Lambda RejectedInvalidEvent, 1 attempts (InvalidEventError)');
  });

  it('goes to the dead-letter queue when its type is not among the handler’s', async () => {
    const queueUrl = await createQueue('subscriber-dlq');
    const h = harness({ types: ['check.completed*'] }, { deadLetterQueueUrl: queueUrl });

    await h.invoke(fixtureBusEvent('client.created', { id: newEventId() }));

    expect(h.ran).toHaveLength(0);
    const [message] = await drainMessages(queueUrl);
    expect(message?.attributes.ERROR_MESSAGE).toBe(
      "type 'client.created' is not among this handler's types (check.completed*)",
    );
  });

  it('is thrown, for Lambda’s retries and on-failure destination, when no dead-letter queue is configured', async () => {
    const h = harness({});
    await expect(h.invoke(busEvent('com.complycube', 'x', { id: 'e' }))).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    expect(h.ran).toHaveLength(0);
  });

  it('is thrown when the dead-letter queue refuses it, so it is not lost', async () => {
    const h = harness(
      {},
      { deadLetterQueueUrl: `${(await createQueue('gone')).replace(/[^/]+$/, '')}no-such-queue` },
    );
    await expect(h.invoke(busEvent('com.complycube', 'x', { id: 'e' }))).rejects.toThrow(
      /dead-letter queue refused it/,
    );
  });
});

describe('an event too large for the bus', () => {
  let s3: S3Client;
  const bucket = uniqueName('payloads').toLowerCase();

  beforeAll(async () => {
    s3 = new S3Client({
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      endpoint: emulatorEndpoints().moto,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  async function store(
    body: string,
  ): Promise<{ bucket: string; key: string; bytes: number; sha256: string }> {
    const key = `complycube/2026-01-01/${randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return {
      bucket,
      key,
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    };
  }

  it('is fetched from S3 and handled like any other', async () => {
    const h = harness({ once: true }, { storedPayloads: new S3StoredPayloads(s3) });
    const event = fixtureBusEvent('document.updated.image_uploaded', { id: newEventId() });
    const detail = event.detail as { id: string; type: string };
    const pointer = await store(JSON.stringify(detail));

    await h.invoke(
      busEvent('com.complycube', detail.type, { id: detail.id, type: detail.type, payloadStored: pointer }),
    );

    expect(h.ran).toEqual([
      expect.objectContaining({
        id: detail.id,
        type: detail.type,
        payload: (event.detail as { payload: unknown }).payload,
      }),
    ]);
  });

  it('is refused when the stored body is not the one the pointer names', async () => {
    const queueUrl = await createQueue('subscriber-dlq');
    const h = harness({}, { storedPayloads: new S3StoredPayloads(s3), deadLetterQueueUrl: queueUrl });
    const pointer = await store('{"id":"x"}');

    await h.invoke(
      busEvent('com.complycube', 'check.pending', {
        id: 'x',
        type: 'check.pending',
        payloadStored: { ...pointer, sha256: 'f'.repeat(64) },
      }),
    );

    expect(h.ran).toHaveLength(0);
    const [message] = await drainMessages(queueUrl);
    expect(message?.attributes.ERROR_MESSAGE).toMatch(/is not the one the event points at/);
  });
});

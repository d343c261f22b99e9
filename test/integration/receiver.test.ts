/**
 * The real handler against DynamoDB Local and moto: verification, the idempotency table, PutEvents,
 * and rules delivering to SQS queues that stand in for subscribers. Faults are injected at the
 * network level by proxies in front of the emulators; the code under test is not patched.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  functionUrlEvent,
  listFixtureTypes,
  loadFixture,
  sign,
  withFreshId,
} from '../../fixtures/complycube.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import {
  createTestResources,
  drainQueue,
  type EventBridgeEnvelope,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import {
  itemCount,
  type LoadedReceiver,
  ledgerStatus,
  loadReceiver,
  type ReceiverHandler,
  tableClient,
} from '../support/receiver-under-test.js';

const SECRET = 'whsec_integration_fictional_7f3a9c';

let resources: TestResources;
let dynamodbProxy: FaultProxy;
let eventBridgeProxy: FaultProxy;
let handler: ReceiverHandler;
let everyEvent: string;
let checkCompletedFamily: string;
let quarantine: string;
let logs: LoadedReceiver['logs'];

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  // Without TTL an expired record stays in place, as it does in real DynamoDB (deletion lags by
  // days); DynamoDB Local would delete it within a second and hide the code path under test.
  resources = await createTestResources('receiver', { secretValue: SECRET, enableTtl: false });
  [dynamodbProxy, eventBridgeProxy] = await Promise.all([
    startFaultProxy(endpoints.dynamodb),
    startFaultProxy(endpoints.moto),
  ]);
  [everyEvent, checkCompletedFamily, quarantine] = await Promise.all([
    subscribeQueue(resources.eventBusName, { source: ['com.complycube'] }),
    subscribeQueue(resources.eventBusName, {
      source: ['com.complycube'],
      'detail-type': [{ prefix: 'check.completed' }],
    }),
    subscribeQueue(resources.eventBusName, { source: ['com.complycube.quarantine'] }),
  ]);
  // The handler reaches DynamoDB and EventBridge through the proxies, by the SDK's standard variables.
  ({ handler, logs } = await loadReceiver(resources, {
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamodbProxy.url, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeProxy.url },
  }));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all([dynamodbProxy?.stop(), eventBridgeProxy?.stop()]);
});

beforeEach(async () => {
  await Promise.all([dynamodbProxy.setMode('forward'), eventBridgeProxy.setMode('forward')]);
  // Start every test with empty subscriber queues, so each counts only its own deliveries.
  await Promise.all([drainQueue(everyEvent), drainQueue(checkCompletedFamily), drainQueue(quarantine)]);
  logs.clear();
});

function signedEvent(body: string, options: { secret?: string; isBase64Encoded?: boolean } = {}) {
  return functionUrlEvent({
    body,
    secret: options.secret ?? SECRET,
    ...(options.isBase64Encoded === undefined ? {} : { isBase64Encoded: options.isBase64Encoded }),
  });
}

function freshEvent(type = 'check.completed.clear') {
  const event = withFreshId(loadFixture(type));
  return { event, body: JSON.stringify(event) };
}

/** The request log lines written so far in this test. */
function requestLogs(): Record<string, unknown>[] {
  return logs.lines().filter((line) => line.message === 'webhook');
}

function parseBody(result: FunctionUrlResponse): Record<string, unknown> {
  return JSON.parse(String(result.body)) as Record<string, unknown>;
}

function withId(envelopes: readonly EventBridgeEnvelope[], id: string): EventBridgeEnvelope[] {
  return envelopes.filter((e) => (e.detail as { id?: unknown }).id === id);
}

async function ledgerItem(eventId: string): Promise<string | undefined> {
  return ledgerStatus(resources.tableName, `complycube#${eventId}`);
}

describe('the receiver against DynamoDB Local and moto', () => {
  it('delivers a new event once, with the event exactly as sent as its detail', async () => {
    const { event, body } = freshEvent('check.completed.clear');

    const result = await handler(signedEvent(body));

    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toEqual({ status: 'accepted', eventId: event.id });
    const delivered = await drainQueue(everyEvent);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'com.complycube',
      'detail-type': 'check.completed.clear',
      time: event.createdAt.replace(/\.\d+Z$/, 'Z'),
      detail: event,
    });
    expect(await ledgerItem(event.id)).toBe('COMPLETED');
  });

  it('acknowledges a redelivery as a duplicate and delivers it zero more times', async () => {
    const { event, body } = freshEvent();
    await handler(signedEvent(body));
    await drainQueue(everyEvent);

    const again = await handler(signedEvent(body));

    expect(again.statusCode).toBe(200);
    expect(parseBody(again)).toEqual({ status: 'duplicate', eventId: event.id });
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('delivers 50 concurrent deliveries of one id exactly once, and never answers 5xx', async () => {
    const { event, body } = freshEvent('client.created');

    const results = await Promise.all(Array.from({ length: 50 }, () => handler(signedEvent(body))));

    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(results.filter((r) => parseBody(r).status === 'accepted')).toHaveLength(1);
    for (const busy of results.filter((r) => r.statusCode === 409)) {
      expect(Number(busy.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
    // The ones told to come back later find it done.
    expect(parseBody(await handler(signedEvent(body))).status).toBe('duplicate');
  });

  it('refuses a forged request with 401, writing nothing and publishing nothing', async () => {
    const { body } = freshEvent();
    const before = await itemCount(resources.tableName);

    const forged = await handler(signedEvent(body, { secret: 'not-the-secret' }));
    const unsigned = await handler(functionUrlEvent({ body }));

    expect(forged.statusCode).toBe(401);
    expect(unsigned.statusCode).toBe(401);
    expect(await itemCount(resources.tableName)).toBe(before);
    expect(await drainQueue(everyEvent)).toEqual([]);
    expect(String(forged.body)).not.toContain(sign(body, 'not-the-secret'));
  });

  it('verifies a body the function URL delivered base64-encoded', async () => {
    const { event, body } = freshEvent('document.created');

    const delivery = functionUrlEvent({ body, isBase64Encoded: true, secret: SECRET });

    const result = await handler(delivery);

    expect(delivery.body).toBe(Buffer.from(body).toString('base64'));

    expect(result.statusCode).toBe(200);
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
  });

  it('answers 503 when EventBridge is unreachable, leaves no claim, and the retry delivers exactly once', async () => {
    const { event, body } = freshEvent();
    await eventBridgeProxy.setMode('refuse');

    const failed = await handler(signedEvent(body));

    expect(failed.statusCode).toBe(503);
    expect(await ledgerItem(event.id)).toBeUndefined();
    await eventBridgeProxy.setMode('forward');
    const retried = await handler(signedEvent(body));
    expect(retried.statusCode).toBe(200);
    expect(parseBody(retried).status).toBe('accepted');
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
  });

  it('answers 503 when EventBridge throttles, and the retry delivers exactly once', async () => {
    const { event, body } = freshEvent();
    await eventBridgeProxy.setMode('throttle');

    const failed = await handler(signedEvent(body));

    expect(failed.statusCode).toBe(503);
    expect(await ledgerItem(event.id)).toBeUndefined();
    await eventBridgeProxy.setMode('forward');
    expect((await handler(signedEvent(body))).statusCode).toBe(200);
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
  });

  it('answers 503 when DynamoDB is unreachable, publishes nothing, and the retry delivers exactly once', async () => {
    const { event, body } = freshEvent();
    await dynamodbProxy.setMode('refuse');

    const failed = await handler(signedEvent(body));

    expect(failed.statusCode).toBe(503);
    expect(await drainQueue(everyEvent)).toEqual([]);
    await dynamodbProxy.setMode('forward');
    expect((await handler(signedEvent(body))).statusCode).toBe(200);
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
  });

  it('says nothing about the failure in a 5xx answer', async () => {
    const { body } = freshEvent();
    await dynamodbProxy.setMode('http500');

    const failed = await handler(signedEvent(body));

    expect(failed.statusCode).toBe(503);
    expect(parseBody(failed)).toEqual({
      status: 'failed',
      message:
        'The event was not taken in because of a failure on our side. Retry the delivery; nothing was kept.',
    });
  });

  it('delivers an event type nobody has heard of to the catch-all subscriber', async () => {
    const event = { ...withFreshId(loadFixture('check.pending')), type: 'risk.profile.escalated' };

    const result = await handler(signedEvent(JSON.stringify(event)));

    expect(result.statusCode).toBe(200);
    const delivered = withId(await drainQueue(everyEvent), event.id);
    expect(delivered.map((e) => e['detail-type'])).toEqual(['risk.profile.escalated']);
  });

  it('routes by event type: the check.completed family sees its own types only', async () => {
    const completed = freshEvent('check.completed.attention');
    const pending = freshEvent('check.pending');

    await handler(signedEvent(completed.body));
    await handler(signedEvent(pending.body));

    const family = await drainQueue(checkCompletedFamily);
    expect(family.map((e) => (e.detail as { id: string }).id)).toEqual([completed.event.id]);
  });

  it('delivers every documented event type once', async () => {
    const sent = listFixtureTypes().map((type) => freshEvent(type));

    // One after another: the emulators, not the receiver, are what slows down under concurrency.
    const results: FunctionUrlResponse[] = [];
    for (const { body } of sent) results.push(await handler(signedEvent(body)));

    expect(results.map((r) => r.statusCode)).toEqual(sent.map(() => 200));
    const delivered = await drainQueue(everyEvent);
    expect(delivered.map((e) => e['detail-type']).sort()).toEqual(listFixtureTypes());
  });

  it('keeps an authentic body that is not an event in quarantine, acknowledges it, and keeps it once', async () => {
    const body = 'status=ok&this=is-not-json';

    const first = await handler(signedEvent(body));
    const second = await handler(signedEvent(body));

    expect(first.statusCode).toBe(202);
    expect(parseBody(first)).toEqual({ status: 'quarantined', reason: 'not_json' });
    expect(second.statusCode).toBe(200);
    const kept = await drainQueue(quarantine);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      source: 'com.complycube.quarantine',
      'detail-type': 'Webhook Quarantined',
      detail: { provider: 'complycube', reason: 'not_json', body },
    });
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('treats a completed record whose expiry has passed as absent, before TTL deletes it', async () => {
    const { event, body } = freshEvent();
    await tableClient().send(
      new PutItemCommand({
        TableName: resources.tableName,
        Item: {
          pk: { S: `complycube#${event.id}` },
          status: { S: 'COMPLETED' },
          claimToken: { S: 'an-old-attempt' },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) },
        },
      }),
    );

    const result = await handler(signedEvent(body));

    expect(parseBody(result).status).toBe('accepted');
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
    expect(requestLogs().at(-1)).toMatchObject({ eventId: event.id, tookOver: true });
  });

  it('answers 409 with Retry-After while another attempt holds a live claim, and takes over an expired one', async () => {
    const { event, body } = freshEvent();
    const claim = (leaseExpiresAt: number) =>
      tableClient().send(
        new PutItemCommand({
          TableName: resources.tableName,
          Item: {
            pk: { S: `complycube#${event.id}` },
            status: { S: 'IN_PROGRESS' },
            claimToken: { S: 'another-attempt' },
            leaseExpiresAt: { N: String(leaseExpiresAt) },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
          },
        }),
      );
    await claim(Date.now() + 20_000);

    const busy = await handler(signedEvent(body));

    expect(busy.statusCode).toBe(409);
    expect(Number(busy.headers?.['retry-after'])).toBeGreaterThan(15);
    expect(await drainQueue(everyEvent)).toEqual([]);
    await claim(Date.now() - 1);
    const takenOver = await handler(signedEvent(body));
    expect(parseBody(takenOver).status).toBe('accepted');
    expect(requestLogs().at(-1)).toMatchObject({ eventId: event.id, tookOver: true });
    expect(withId(await drainQueue(everyEvent), event.id)).toHaveLength(1);
  });

  it('writes one JSON log line per request with id, type, verdict and duration, and no secret, signature or payload', async () => {
    const { event, body } = freshEvent('client.created');
    const signature = sign(body, SECRET);

    await handler(signedEvent(body));
    await handler(signedEvent(body, { secret: 'wrong' }));

    const requests = requestLogs();
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      eventId: event.id,
      eventType: 'client.created',
      verdict: 'accepted',
      status: 200,
    });
    expect(typeof requests[0]?.durationMs).toBe('number');
    expect(requests[1]).toMatchObject({ verdict: 'forged', status: 401, reason: 'mismatch' });
    const everything = logs.text();
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(signature);
    expect(everything).not.toContain(sign(body, 'wrong'));
    expect(everything).not.toContain(String(event.payload.email ?? 'no-email-in-fixture'));
  });
});

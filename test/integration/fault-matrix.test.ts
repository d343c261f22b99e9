/**
 * Every fault at every step of the receive path, injected at the network level in front of the
 * emulators, followed by ComplyCube's retries: after them, nothing is lost, and nothing is on the
 * bus twice except in the one window no design closes (the bus took the event but the record was
 * not completed: a crash, a lost PutEvents answer, or a failed completion), where it is at most
 * twice. Time between retries is virtual: the receiver's clock jumps ahead as ComplyCube's would.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionUrlEvent, loadFixture, withFreshId } from '../../fixtures/complycube.js';
import { COMPLYCUBE_RETRY_DELAYS_SECONDS } from '../../fixtures/complycube-retry-schedule.js';
import {
  createTestResources,
  drainQueue,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultInjector, type FaultRule, startFaultInjector } from '../support/aws-fault-injector.js';
import { ledgerStatus, loadReceiver, type ReceiverHandler } from '../support/receiver-under-test.js';

const SECRET = 'whsec_fault_matrix_fictional_31c';

let resources: TestResources;
let dynamodb: FaultInjector;
let eventBridge: FaultInjector;
let queue: string;
let handler: ReceiverHandler;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  resources = await createTestResources('faults', { secretValue: SECRET, enableTtl: false });
  [dynamodb, eventBridge] = await Promise.all([
    startFaultInjector(endpoints.dynamodb),
    startFaultInjector(endpoints.moto),
  ]);
  queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  ({ handler } = await loadReceiver(resources, {
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url },
  }));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all([dynamodb?.stop(), eventBridge?.stop()]);
});

beforeEach(async () => {
  dynamodb.clear();
  eventBridge.clear();
  await drainQueue(queue);
});

afterEach(() => {
  vi.useRealTimers();
});

interface Outcome {
  /** Status of each attempt, in order. */
  readonly statuses: number[];
  /** How many times the event reached the subscriber. */
  readonly onBus: number;
  /** The idempotency record's status at the end. */
  readonly record: string | undefined;
}

/**
 * Delivers one fresh event the way ComplyCube does: retries every non-2xx on its schedule (the
 * receiver's clock jumps ahead by each delay), and optionally delivers it once more, later, as
 * ComplyCube now and then does.
 */
async function deliver(options: { redeliverAfterSeconds?: number } = {}): Promise<Outcome> {
  const event = withFreshId(loadFixture('check.completed.clear'));
  const body = JSON.stringify(event);
  let now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'], now });
  const statuses: number[] = [];
  const send = async () => {
    const result = await handler(functionUrlEvent({ body, secret: SECRET }));
    statuses.push(result.statusCode);
    return result.statusCode;
  };
  let status = await send();
  for (const delay of COMPLYCUBE_RETRY_DELAYS_SECONDS) {
    if (status >= 200 && status < 300) break;
    now += delay * 1000;
    vi.setSystemTime(now);
    status = await send();
  }
  if (options.redeliverAfterSeconds !== undefined) {
    vi.setSystemTime(now + options.redeliverAfterSeconds * 1000);
    await send();
  }
  const delivered = (await drainQueue(queue)).filter((e) => (e.detail as { id?: string }).id === event.id);
  const record = await ledgerStatus(resources.tableName, `complycube#${event.id}`);
  return { statuses, onBus: delivered.length, record };
}

/**
 * The fault answered 5xx and a retry was acknowledged. (On a loaded machine a retry can meet a slow
 * emulator and get another 503 before the 200; what matters is where the sequence starts and ends.)
 */
function expectFailedThenAcknowledged(statuses: readonly number[]): void {
  expect(statuses[0]).toBe(503);
  expect(statuses.at(-1)).toBe(200);
  expect(statuses.slice(1, -1).every((status) => status >= 500)).toBe(true);
}

function inject(injector: FaultInjector, ...rules: FaultRule[]): void {
  for (const rule of rules) injector.inject(rule);
}

// The SDK makes 2 attempts per call, so a fault on 2 consecutive requests fails the call.
const faultsThatFailACall = ['http500', 'throttle', 'reset', 'stall'] as const;

describe('fault matrix: nothing lost, nothing published twice', () => {
  describe.each(faultsThatFailACall)('%s', (fault) => {
    it('before the claim (DynamoDB PutItem): answers 5xx, then the retry publishes exactly once', async () => {
      inject(dynamodb, { operation: 'PutItem', fault, times: 2 });

      const outcome = await deliver();

      expectFailedThenAcknowledged(outcome.statuses);
      expect(outcome.onBus).toBe(1);
      expect(outcome.record).toBe('COMPLETED');
    });

    it('during PutEvents: releases the claim, answers 5xx, and the retry publishes exactly once', async () => {
      inject(eventBridge, { operation: 'PutEvents', fault, times: 2 });

      const outcome = await deliver();

      expectFailedThenAcknowledged(outcome.statuses);
      expect(outcome.onBus).toBe(1);
      expect(outcome.record).toBe('COMPLETED');
    });

    it('during PutEvents and the release: the claim waits out its lease, then the retry publishes exactly once', async () => {
      inject(eventBridge, { operation: 'PutEvents', fault, times: 2 });
      inject(dynamodb, { operation: 'DeleteItem', fault, times: 2 });

      const outcome = await deliver();

      // ComplyCube's first retry comes 60 s later, after the 30 s lease has run out.
      expectFailedThenAcknowledged(outcome.statuses);
      expect(outcome.onBus).toBe(1);
    });

    it('during the completion: acknowledges the published event; a redelivery before the lease ends gets 409', async () => {
      inject(dynamodb, { operation: 'UpdateItem', fault, times: 2 });

      const outcome = await deliver({ redeliverAfterSeconds: 10 });

      expect(outcome.statuses).toEqual([200, 409]);
      expect(outcome.onBus).toBe(1);
      expect(outcome.record).toBe('IN_PROGRESS');
    });

    it('during the completion, redelivered after the lease: the documented window, at most twice on the bus', async () => {
      inject(dynamodb, { operation: 'UpdateItem', fault, times: 2 });

      const outcome = await deliver({ redeliverAfterSeconds: 600 });

      expect(outcome.statuses).toEqual([200, 200]);
      expect(outcome.onBus).toBeGreaterThanOrEqual(1);
      expect(outcome.onBus).toBeLessThanOrEqual(2);
      expect(outcome.record).toBe('COMPLETED');
    });
  });

  it('a fault the SDK retries away inside one call is invisible: one attempt, one event', async () => {
    inject(dynamodb, { operation: 'PutItem', fault: 'throttle', times: 1 });
    inject(eventBridge, { operation: 'PutEvents', fault: 'http500', times: 1 });

    const outcome = await deliver();

    expect(outcome.statuses).toEqual([200]);
    expect(outcome.onBus).toBe(1);
  });

  it('a PutEvents partial failure (FailedEntryCount 1) is a failure: 5xx, then exactly once', async () => {
    inject(eventBridge, { operation: 'PutEvents', fault: 'partial-failure', times: 1 });

    const outcome = await deliver();

    expectFailedThenAcknowledged(outcome.statuses);
    expect(outcome.onBus).toBe(1);
  });

  it('a PutEvents answer lost after the bus took the event: the documented window, at most twice', async () => {
    inject(eventBridge, { operation: 'PutEvents', fault: 'lost-response', times: 1 });

    const outcome = await deliver();

    expect(outcome.statuses.at(-1)).toBe(200);
    expect(outcome.onBus).toBeGreaterThanOrEqual(1);
    expect(outcome.onBus).toBeLessThanOrEqual(2);
  });

  it('DynamoDB failing for the whole first day of retries still loses nothing once it is back', async () => {
    // 7 attempts of 2 requests each fail; ComplyCube's 8th attempt comes about 4 hours in.
    inject(dynamodb, { operation: 'PutItem', fault: 'http500', times: 14 });

    const outcome = await deliver();

    expect(outcome.statuses).toEqual([503, 503, 503, 503, 503, 503, 503, 200]);
    expect(outcome.onBus).toBe(1);
  });
});

/**
 * The receiver's process dies mid-invocation, as a Lambda environment can: the provider sees a
 * failed attempt (a function URL answers 502) and retries on its schedule, in a new process that
 * lives that much later. The claim's lease decides what happens next.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture, sign, withFreshId } from '../../fixtures/complycube.js';
import { COMPLYCUBE_RETRY_DELAYS_SECONDS } from '../../fixtures/complycube-retry-schedule.js';
import {
  createTestResources,
  drainQueue,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultInjector, startFaultInjector } from '../support/aws-fault-injector.js';
import { type ReceiverChild, startReceiverChild } from '../support/receiver-child.js';
import { ledgerStatus, receiverEnv } from '../support/receiver-under-test.js';

const SECRET = 'whsec_crash_fictional_5d0';

let resources: TestResources;
let dynamodb: FaultInjector;
let eventBridge: FaultInjector;
let queue: string;
const children: ReceiverChild[] = [];

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  resources = await createTestResources('crash', { secretValue: SECRET, enableTtl: false });
  [dynamodb, eventBridge] = await Promise.all([
    startFaultInjector(endpoints.dynamodb),
    startFaultInjector(endpoints.moto),
  ]);
  queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
});

afterAll(async () => {
  for (const child of children) child.crash();
  await Promise.all(children.map((child) => child.exited()));
  await Promise.all([dynamodb?.stop(), eventBridge?.stop()]);
});

beforeEach(async () => {
  dynamodb.clear();
  eventBridge.clear();
  dynamodb.onCrash = undefined;
  eventBridge.onCrash = undefined;
  await drainQueue(queue);
});

async function receiverAt(offsetMs: number): Promise<ReceiverChild> {
  const child = await startReceiverChild({
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
    ...receiverEnv(resources),
    CLOCK_OFFSET_MS: String(offsetMs),
  });
  children.push(child);
  return child;
}

/** One attempt; a connection that dies with the process counts as the 502 a function URL gives. */
async function attempt(url: string, body: string): Promise<number> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'complycube-signature': sign(body, SECRET) },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 502;
  }
}

/**
 * Delivers a fresh event to a receiver that crashes when `injector` lets `operation` through,
 * then retries on ComplyCube's schedule, each retry in a new process as far in the future as
 * ComplyCube's delay.
 */
async function crashAt(injector: FaultInjector, operation: string) {
  const event = withFreshId(loadFixture('check.completed.clear'));
  const body = JSON.stringify(event);
  const first = await receiverAt(0);
  injector.inject({ operation, fault: 'crash', times: 1 });
  injector.onCrash = () => first.crash();
  const statuses = [await attempt(first.url, body)];
  await first.exited();

  let elapsed = 0;
  for (const delay of COMPLYCUBE_RETRY_DELAYS_SECONDS) {
    const last = statuses.at(-1) ?? 0;
    if (last >= 200 && last < 300) break;
    elapsed += delay * 1000;
    const next = await receiverAt(elapsed);
    statuses.push(await attempt(next.url, body));
    next.crash();
    await next.exited();
  }
  const onBus = (await drainQueue(queue)).filter((e) => (e.detail as { id?: string }).id === event.id).length;
  const record = await ledgerStatus(resources.tableName, `complycube#${event.id}`);
  return { statuses, onBus, record };
}

describe('the process dies mid-invocation', () => {
  it('after the claim, before PutEvents: the retry after the lease takes the claim over and publishes exactly once', async () => {
    const outcome = await crashAt(dynamodb, 'PutItem');

    expect(outcome.statuses).toEqual([502, 200]);
    expect(outcome.onBus).toBe(1);
    expect(outcome.record).toBe('COMPLETED');
  });

  it('after PutEvents, before the completion: the documented window, at most twice on the bus', async () => {
    const outcome = await crashAt(eventBridge, 'PutEvents');

    expect(outcome.statuses).toEqual([502, 200]);
    expect(outcome.onBus).toBeGreaterThanOrEqual(1);
    expect(outcome.onBus).toBeLessThanOrEqual(2);
    expect(outcome.record).toBe('COMPLETED');
  });

  it('after the completion was written: the retry is a duplicate and the event is on the bus once', async () => {
    const outcome = await crashAt(dynamodb, 'UpdateItem');

    expect(outcome.statuses).toEqual([502, 200]);
    expect(outcome.onBus).toBe(1);
    expect(outcome.record).toBe('COMPLETED');
  });
});

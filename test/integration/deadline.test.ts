/**
 * An answer of our own before the function's timeout, whatever stalls: the shipped bundle, invoked
 * with a context whose remaining time this test sets, meets a dependency that accepts the request
 * and never answers, at each step of the receive path. It answers by itself (a 503 of its own, or
 * the 200 the event has earned) before the time is up, and the provider's retry then takes the
 * event in exactly once: nothing lost, nothing doubled.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionUrlEvent, loadFixture, withFreshId } from '../../fixtures/complycube.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultInjector, type FaultRule, startFaultInjector } from '../support/aws-fault-injector.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import {
  invocationContext,
  ledgerStatus,
  loadReceiver,
  type ReceiverHandler,
} from '../support/receiver-under-test.js';

const SECRET = 'whsec_deadline_fictional_5d0';
const BUCKET = `deadline-${randomBytes(4).toString('hex')}`;
/** The remaining time each first attempt is invoked with: shorter than the stalls could take. */
const TIMEOUT_MS = 4_000;
/** The construct's claim lease (CLAIM_LEASE_SECONDS' default). */
const LEASE_MS = 30_000;

let resources: TestResources;
let dynamodb: FaultInjector;
let moto: FaultInjector;
let s3Proxy: FaultProxy;
let queue: string;
let handler: ReceiverHandler;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  resources = await createTestResources('deadline', { secretValue: SECRET, enableTtl: false });
  const s3 = new S3Client({
    endpoint: endpoints.moto,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  [dynamodb, moto, s3Proxy] = await Promise.all([
    startFaultInjector(endpoints.dynamodb),
    startFaultInjector(endpoints.moto),
    startFaultProxy(endpoints.moto),
  ]);
  queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all([dynamodb?.stop(), moto?.stop(), s3Proxy?.stop()]);
});

beforeEach(async () => {
  dynamodb.clear();
  moto.clear();
  await s3Proxy.setMode('forward');
  await drainQueue(queue);
  // A fresh environment each time: nothing cached from the test before.
  ({ handler } = await loadReceiver(resources, {
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: moto.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
      AWS_ENDPOINT_URL_S3: s3Proxy.url,
      LARGE_PAYLOAD_BUCKET: BUCKET,
      MAX_BUS_ENTRY_BYTES: '4096',
    },
  }));
});

afterEach(() => {
  vi.useRealTimers();
});

function stall(injector: FaultInjector, operation: string): void {
  const rule: FaultRule = { operation, fault: 'stall', times: 10 };
  injector.inject(rule);
}

function newEvent(size: 'small' | 'large' = 'small'): { id: string; body: string } {
  const event = withFreshId(loadFixture('client.created'));
  const payload = size === 'large' ? { ...event.payload, notes: 'n'.repeat(20_000) } : event.payload;
  return { id: event.id, body: JSON.stringify({ ...event, payload }) };
}

/** The first attempt, with `TIMEOUT_MS` left: its answer and how long it took. */
async function firstAttempt(
  body: string,
  timeoutMs = TIMEOUT_MS,
): Promise<{ response: FunctionUrlResponse; ms: number }> {
  const started = performance.now();
  const response = await handler(functionUrlEvent({ body, secret: SECRET }), invocationContext(timeoutMs));
  return { response, ms: performance.now() - started };
}

/** The provider's retry, `afterMs` later on the receiver's clock, with nothing stalling any more. */
async function retry(body: string, afterMs: number): Promise<number> {
  dynamodb.clear();
  moto.clear();
  await s3Proxy.setMode('forward');
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + afterMs });
  const response = await handler(functionUrlEvent({ body, secret: SECRET }));
  return response.statusCode;
}

async function onBus(id: string): Promise<number> {
  return (await drainQueue(queue)).filter((e) => (e.detail as { id?: string }).id === id).length;
}

function expectOwn503(attempt: { response: FunctionUrlResponse; ms: number }, timeoutMs = TIMEOUT_MS): void {
  expect(attempt.response.statusCode).toBe(503);
  expect(JSON.parse(attempt.response.body)).toMatchObject({ status: 'failed' });
  expect(attempt.ms).toBeLessThan(timeoutMs);
}

describe('a stalled dependency: the receiver answers by itself before the timeout', () => {
  it('reading the secret: 503, nothing written, and the retry takes the event in once', async () => {
    // Unreachable at init (the prefetch fails at once), then stalled when the request reads it.
    await s3Proxy.setMode('refuse');
    ({ handler } = await loadReceiver(resources, {
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: s3Proxy.url },
    }));
    await s3Proxy.setMode('stall');
    const event = newEvent();

    const attempt = await firstAttempt(event.body);

    expectOwn503(attempt);
    expect(await ledgerStatus(resources.tableName, `complycube#${event.id}`)).toBeUndefined();
    // After the minute a failed read is remembered for.
    expect(await retry(event.body, 61_000)).toBe(200);
    expect(await onBus(event.id)).toBe(1);
  });

  it('claiming (PutItem): 503, and the retry takes the event in once', async () => {
    stall(dynamodb, 'PutItem');
    const event = newEvent();

    const attempt = await firstAttempt(event.body);

    expectOwn503(attempt);
    // The stalled claim never reached DynamoDB: nothing stands in the retry's way.
    expect(await retry(event.body, 60_000)).toBe(200);
    expect(await onBus(event.id)).toBe(1);
  });

  it('publishing (PutEvents): 503 with the claim released, and the retry publishes once', async () => {
    stall(moto, 'PutEvents');
    const event = newEvent();

    const attempt = await firstAttempt(event.body);

    expectOwn503(attempt);
    expect(await ledgerStatus(resources.tableName, `complycube#${event.id}`)).toBeUndefined();
    expect(await retry(event.body, 60_000)).toBe(200);
    expect(await onBus(event.id)).toBe(1);
  });

  it('publishing and then releasing the claim: 503, and the retry after the lease publishes once', async () => {
    stall(moto, 'PutEvents');
    stall(dynamodb, 'DeleteItem');
    const event = newEvent();

    const attempt = await firstAttempt(event.body);

    expectOwn503(attempt);
    expect(await ledgerStatus(resources.tableName, `complycube#${event.id}`)).toBe('IN_PROGRESS');
    expect(await retry(event.body, LEASE_MS + 1_000)).toBe(200);
    expect(await onBus(event.id)).toBe(1);
  });

  it('storing a large body (S3 PUT): 503 with the claim released, and the retry publishes once', async () => {
    await s3Proxy.setMode('stall');
    const event = newEvent('large');

    const attempt = await firstAttempt(event.body);

    expectOwn503(attempt);
    expect(await ledgerStatus(resources.tableName, `complycube#${event.id}`)).toBeUndefined();
    expect(await retry(event.body, 60_000)).toBe(200);
    expect(await onBus(event.id)).toBe(1);
  });

  it('completing the claim (UpdateItem): 200, for the event is on the bus, and a retry is a duplicate', async () => {
    stall(dynamodb, 'UpdateItem');
    const event = newEvent();

    const attempt = await firstAttempt(event.body);

    expect(attempt.response.statusCode).toBe(200);
    expect(attempt.ms).toBeLessThan(TIMEOUT_MS);
    expect(await onBus(event.id)).toBe(1);
    // Within the lease, a redelivery waits (409) rather than publishing again.
    expect(await retry(event.body, 1_000)).toBe(409);
    expect(await onBus(event.id)).toBe(0);
  });

  it('starts no second PutEvents attempt that could not finish before the deadline', async () => {
    // 6 s: room for one whole attempt (2.5 s) but not for a second one before the release's share.
    stall(moto, 'PutEvents');
    const before = moto.seen.PutEvents ?? 0;

    const attempt = await firstAttempt(newEvent().body, 6_000);

    expectOwn503(attempt, 6_000);
    expect((moto.seen.PutEvents ?? 0) - before).toBe(1);
    // It gave up when the first attempt timed out, not when the deadline came.
    expect(attempt.ms).toBeLessThan(4_000);
  });
});

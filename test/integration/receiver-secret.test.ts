/**
 * The webhook secret in moto's Secrets Manager: not reachable at start, not set yet, rotated.
 * Each test loads a fresh copy of the handler module, so each starts with a cold cache.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionUrlEvent, loadFixture, withFreshId } from '../../fixtures/complycube.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type EmulatorEndpoints,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { loadBundledHandler } from '../support/receiver-under-test.js';

const OLD = 'whsec_fictional_old_4b1d';
const NEW = 'whsec_fictional_new_9e2c';
const PLACEHOLDER = JSON.stringify({ note: 'replace this whole value', placeholder: 'Zx81' });

type Handler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>;

let endpoints: EmulatorEndpoints;
let secretsProxy: FaultProxy;
let secretsManager: SecretsManagerClient;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  endpoints = useEmulatorEnv();
  secretsProxy = await startFaultProxy(endpoints.moto);
  secretsManager = new SecretsManagerClient({
    endpoint: endpoints.moto,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
  dynamodb = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
});

afterAll(async () => {
  await secretsProxy?.stop();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The receiver's environment for these resources, reading the secret through the proxy. */
function useReceiverEnv(resources: TestResources): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsProxy.url,
    WEBHOOK_PROVIDER: 'complycube',
    EVENT_BUS_NAME: resources.eventBusName,
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    WEBHOOK_SECRET_ARN: resources.secretArn,
  });
}

/** A cold start: a fresh module, its init-time secret fetch done, reading the secret through the proxy. */
async function coldStart(resources: TestResources): Promise<Handler> {
  useReceiverEnv(resources);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return loadBundledHandler();
}

async function setUp(secretValue: string) {
  await secretsProxy.setMode('forward');
  const resources = await createTestResources('secret', { secretValue });
  const queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  return { resources, queue };
}

function delivery(secret: string) {
  const event = withFreshId(loadFixture('check.completed.clear'));
  return functionUrlEvent({ body: JSON.stringify(event), secret });
}

async function items(tableName: string): Promise<number> {
  const { Count } = await dynamodb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

async function putSecret(resources: TestResources, value: string): Promise<void> {
  await secretsManager.send(
    new PutSecretValueCommand({ SecretId: resources.secretArn, SecretString: value }),
  );
}

/** Moves the clock the receiver reads (Date only: the SDK's own timers keep running). */
function advanceClock(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
}

describe('the webhook secret', () => {
  it('answers 503 while Secrets Manager is unreachable, writes nothing, and recovers without a restart', async () => {
    const { resources, queue } = await setUp(OLD);
    await secretsProxy.setMode('refuse');
    const handler = await coldStart(resources);

    const during = await handler(delivery(OLD));

    expect(during.statusCode).toBe(503);
    expect(await items(resources.tableName)).toBe(0);
    await secretsProxy.setMode('forward');
    advanceClock(61_000);
    const after = await handler(delivery(OLD));
    expect(after.statusCode).toBe(200);
    expect(await drainQueue(queue)).toHaveLength(1);
  });

  it('answers 503, not 401, while the secret still holds the placeholder, and accepts once it is set', async () => {
    const { resources, queue } = await setUp(PLACEHOLDER);
    const handler = await coldStart(resources);

    const before = await handler(delivery(OLD));

    expect(before.statusCode).toBe(503);
    expect(await items(resources.tableName)).toBe(0);
    await putSecret(resources, OLD);
    advanceClock(61_000);
    expect((await handler(delivery(OLD))).statusCode).toBe(200);
    expect(await drainQueue(queue)).toHaveLength(1);
  });

  it('takes a rotated secret without a redeploy once the cached copy is a minute old', async () => {
    const { resources } = await setUp(OLD);
    const handler = await coldStart(resources);
    await putSecret(resources, NEW);

    const tooSoon = await handler(delivery(NEW));
    advanceClock(61_000);
    const later = await handler(delivery(NEW));

    expect(tooSoon.statusCode).toBe(401);
    expect(later.statusCode).toBe(200);
  });

  it('keeps verifying with the cached secret while a refresh cannot reach Secrets Manager, and takes the new one once it can', async () => {
    const { resources, queue } = await setUp(OLD);
    const handler = await coldStart(resources);
    await putSecret(resources, NEW);
    await secretsProxy.setMode('refuse');
    advanceClock(61_000);

    const oldDuringOutage = await handler(delivery(OLD));
    const newDuringOutage = await handler(delivery(NEW));
    await secretsProxy.setMode('forward');
    advanceClock(61_000 + 61_000);
    const newAfter = await handler(delivery(NEW));

    expect(oldDuringOutage.statusCode).toBe(200);
    // Cannot be verified until the new secret can be read: refused, and ComplyCube retries it.
    expect(newDuringOutage.statusCode).toBe(401);
    expect(newAfter.statusCode).toBe(200);
    expect(await drainQueue(queue)).toHaveLength(2);
  });

  it('accepts both secrets while both are stored, and only the new one within 5 minutes of removing the old', async () => {
    const { resources } = await setUp(JSON.stringify({ current: OLD, next: NEW }));
    const handler = await coldStart(resources);

    const withOld = await handler(delivery(OLD));
    const withNew = await handler(delivery(NEW));
    await putSecret(resources, NEW);
    advanceClock(5 * 60_000 + 1_000);
    const oldAfterRemoval = await handler(delivery(OLD));
    const newAfterRemoval = await handler(delivery(NEW));

    expect([withOld.statusCode, withNew.statusCode]).toEqual([200, 200]);
    expect([oldAfterRemoval.statusCode, newAfterRemoval.statusCode]).toEqual([401, 200]);
  });
});

/**
 * GetSecretValue requests this process has finished sending, from Node's own record of HTTP client
 * requests (`http.client.request.start` is published once a request has been handed to its socket):
 * requests, not connections, which keep-alive would share.
 */
function secretReads(): { readonly count: () => number; readonly stop: () => void } {
  const channel = 'http.client.request.start';
  let count = 0;
  const onStart = (message: unknown): void => {
    const request = (message as { request?: ClientRequest }).request;
    if (request?.getHeader('x-amz-target') === 'secretsmanager.GetSecretValue') count++;
  };
  subscribe(channel, onStart);
  return { count: () => count, stop: () => unsubscribe(channel, onStart) };
}

describe('the secret read at init', () => {
  it('is read once for the init and the first request: one GetSecretValue', async () => {
    const { resources, queue } = await setUp(OLD);
    const reads = secretReads();

    const handler = await coldStart(resources);
    const response = await handler(delivery(OLD));
    reads.stop();

    expect(response.statusCode).toBe(200);
    expect(await drainQueue(queue)).toHaveLength(1);
    expect(reads.count()).toBe(1);
  });
});

/**
 * The two Lambda handlers as Lambda loads them: configured by the environment the construct sets,
 * the API key read from Secrets Manager (moto), the ComplyCube API emulator behind
 * COMPLYCUBE_API_URL, the ledger on DynamoDB Local and the bus on moto.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ComplyCubeClient } from '../../functions/complycube-api/client.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';

let api: ComplyCubeApiEmulator;
let resources: TestResources;
let queueUrl: string;
const lines: string[] = [];

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  api = await startComplyCubeApiEmulator({
    apiKeys: [`test_${randomBytes(12).toString('hex')}`],
    allowHttpLoopbackWebhookUrls: true,
  });
  resources = await createTestResources('catch-up-handlers');
  queueUrl = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  const secrets = new SecretsManagerClient({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoint: endpoints.moto,
  });
  const key = await secrets.send(
    new CreateSecretCommand({ Name: `api-key-${randomBytes(6).toString('hex')}`, SecretString: api.apiKey }),
  );
  Object.assign(process.env, {
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    EVENT_BUS_NAME: resources.eventBusName,
    COMPLYCUBE_API_KEY_SECRET_ID: key.ARN,
    COMPLYCUBE_API_URL: api.url,
    CATCH_UP_EVENT_TYPES: 'check.completed,check.completed.clear',
    RECEIVER_URL: 'http://127.0.0.1:9/',
    CATCH_UP_FUNCTION_NAME: 'catch-up',
    METRICS_NAMESPACE: 'CatchUpTest',
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await api?.close();
});

function logged(message: string): Record<string, unknown>[] {
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === message);
}

describe('the Lambda handlers', () => {
  it('the catch-up publishes a window, logs its summary with metrics, and publishes nothing the second time', async () => {
    const since = new Date(Date.now() - 60_000);
    for (let i = 0; i < 3; i++) {
      api.createObject('checks', { clientId: 'k', status: 'complete', result: { outcome: 'clear' } });
    }
    const until = new Date(Date.now() + 5);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { handler } = await import('../../functions/catch-up/handler.js');
    const context = { getRemainingTimeInMillis: () => 900_000, functionName: 'catch-up' };
    const event = { since: since.toISOString(), until: until.toISOString() };

    const first = await handler(event, context);
    const second = await handler(event, context);

    expect(first).toMatchObject({ status: 'complete', counts: { published: 6 } });
    expect(second).toMatchObject({ status: 'complete', counts: { published: 0, alreadyKnown: 6 } });
    expect(await drainQueue(queueUrl)).toHaveLength(6);
    const [summary] = logged('catch-up');
    expect(summary).toMatchObject({
      status: 'complete',
      published: 6,
      CatchUpPublished: 6,
      Provider: 'complycube',
    });
    expect(lines.join('')).not.toContain(api.apiKey);
  });

  it('the watcher reports an enabled webhook as a metric and remembers it', async () => {
    const created = await new ComplyCubeClient({ apiKey: api.apiKey, baseUrl: api.url }).createWebhook({
      url: 'http://127.0.0.1:9/',
      events: ['check.completed'],
      enabled: true,
    });
    const { handler } = await import('../../functions/webhook-watch/handler.js');

    await handler();

    const [line] = logged('webhook watch');
    expect(line).toMatchObject({
      webhook: 'enabled',
      webhookId: created.id,
      WebhookEnabled: 1,
      WebhookEventsMissing: 1,
    });
    expect(line?.missingEventTypes).toBe('check.completed.clear');
    expect(lines.join('')).not.toContain(api.apiKey);
  });
});

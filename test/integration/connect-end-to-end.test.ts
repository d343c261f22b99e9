/**
 * End to end: connect registers the receiver with the ComplyCube API emulator and stores the secret
 * it issued; the emulator then signs an event with that secret and delivers it to the local function
 * URL; the event is on the bus once, even when delivered twice.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, withFreshId } from '../../fixtures/complycube.js';
import { ComplyCubeClient } from '../../functions/complycube-api/client.js';
import { secretsManagerStore } from '../../functions/connect/adapters/secrets-manager-store.js';
import { connect } from '../../functions/connect/core/connect.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import { type FunctionUrlServer, startFunctionUrlServer } from '../../local/function-url-server.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { loadReceiver, type ReceiverHandler } from '../support/receiver-under-test.js';

const PLACEHOLDER = JSON.stringify({
  note: 'replace this whole value with the webhook secret',
  placeholder: 'p',
});

let api: ComplyCubeApiEmulator;
let server: FunctionUrlServer;
let secrets: SecretsManagerClient;
let receiver: ReceiverHandler | undefined;

beforeAll(async () => {
  const { moto } = useEmulatorEnv();
  secrets = new SecretsManagerClient({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoint: moto,
  });
  api = await startComplyCubeApiEmulator({ rateLimit: false, allowHttpLoopbackWebhookUrls: true });
  // The receiver is loaded after connect, as a fresh Lambda instance would be after the deployment.
  server = await startFunctionUrlServer(async (event): Promise<FunctionUrlResponse> => {
    if (receiver === undefined) return { statusCode: 503, headers: {}, body: 'not loaded yet' };
    return receiver(event);
  });
});

afterAll(async () => {
  await server.close();
  await api.close();
  secrets.destroy();
});

describe('connect, then a delivery signed with the issued secret', () => {
  it('puts the event on the bus once', async () => {
    const resources = await createTestResources('connect-e2e', { secretValue: PLACEHOLDER });
    const queueUrl = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });

    const result = await connect(
      { url: server.url, events: ['check.completed'] },
      {
        apiKey: { description: 'the emulator key', read: async () => api.apiKey },
        webhookSecret: secretsManagerStore(secrets, resources.secretArn, 'the webhook secret'),
        api: (key) => new ComplyCubeClient({ apiKey: key, baseUrl: api.url, requestsPerSecond: false }),
      },
    );
    expect(result.action).toBe('created');

    receiver = (await loadReceiver(resources)).handler;
    const event = withFreshId(loadFixture('check.completed'));
    const first = await api.deliver(event);
    const again = await api.deliver(event);

    expect(first.map((d) => d.status)).toEqual([200]);
    expect(again.map((d) => d.status)).toEqual([200]);
    const delivered = await drainQueue(queueUrl);
    expect(delivered.map((e) => (e.detail as { id: string }).id)).toEqual([event.id]);
  });
});

/**
 * The connect custom resource's handler against moto's Secrets Manager and the ComplyCube API
 * emulator: what a deployment does to ComplyCube and to the webhook secret.
 */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectResourceResponse,
  createConnectHandler,
  NOT_CONNECTED,
} from '../../functions/connect/handler.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, uniqueName, useEmulatorEnv } from '../support/aws-env.js';
import { startFaultInjector } from '../support/aws-fault-injector.js';

const PLACEHOLDER = JSON.stringify({
  note: 'replace this whole value with the webhook secret',
  placeholder: 'x1',
});
const WEBHOOK_URL = 'https://abc123.lambda-url.eu-west-1.on.aws/';

let motoUrl = '';
let secrets: SecretsManagerClient;
let api: ComplyCubeApiEmulator;
const logLines: string[] = [];

beforeAll(() => {
  motoUrl = useEmulatorEnv().moto;
  secrets = new SecretsManagerClient({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoint: motoUrl,
  });
});

afterAll(() => {
  secrets.destroy();
});

afterEach(async () => {
  await api?.close();
  logLines.length = 0;
  delete process.env.COMPLYCUBE_API_URL;
});

async function secret(prefix: string, value: string): Promise<string> {
  const { ARN } = await secrets.send(
    new CreateSecretCommand({ Name: uniqueName(prefix), SecretString: value }),
  );
  if (ARN === undefined) throw new Error('moto created a secret without an ARN');
  return ARN;
}

async function storedValue(secretId: string): Promise<string | undefined> {
  return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
}

interface Stage {
  readonly apiKeySecretId: string;
  readonly webhookSecretId: string;
  readonly run: (event: CloudFormationCustomResourceEvent) => Promise<ConnectResourceResponse>;
}

async function stage(options: { apiKey?: string; client?: SecretsManagerClient } = {}): Promise<Stage> {
  api = await startComplyCubeApiEmulator({ rateLimit: false });
  process.env.COMPLYCUBE_API_URL = api.url;
  const apiKeySecretId = await secret('connect-api-key', options.apiKey ?? api.apiKey);
  const webhookSecretId = await secret('connect-webhook', PLACEHOLDER);
  const handler = createConnectHandler({
    secretsManager: options.client ?? secrets,
    apiOptions: { sleep: async () => {} },
    log: (line) => logLines.push(line),
  });
  return { apiKeySecretId, webhookSecretId, run: handler };
}

function event(
  stage: Stage,
  type: 'Create' | 'Update' | 'Delete',
  overrides: { events?: string[]; physicalId?: string; removalPolicy?: string } = {},
): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    WebhookUrl: WEBHOOK_URL,
    Events: overrides.events ?? ['check.completed'],
    ApiKeySecretId: stage.apiKeySecretId,
    WebhookSecretId: stage.webhookSecretId,
    ...(overrides.removalPolicy === undefined ? {} : { RemovalPolicy: overrides.removalPolicy }),
  };
  const common = {
    ServiceToken: ResourceProperties.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/test/1',
    RequestId: 'request-1',
    LogicalResourceId: 'ComplyCubeConnection',
    ResourceType: 'Custom::ComplyCubeWebhook',
    ResourceProperties,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  const PhysicalResourceId = overrides.physicalId ?? NOT_CONNECTED;
  if (type === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId,
      OldResourceProperties: ResourceProperties,
    };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId };
}

describe('the connect custom resource', () => {
  it('creates the webhook and stores its secret, which appears in no output or log line', async () => {
    const s = await stage();
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) =>
      printed.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) =>
      printed.push(String(chunk)) > 0) as typeof process.stderr.write;
    let response: ConnectResourceResponse;
    try {
      response = await s.run(event(s, 'Create'));
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    const [webhook] = api.state.webhooks;
    expect(response.PhysicalResourceId).toBe(webhook?.id);
    expect(JSON.parse((await storedValue(s.webhookSecretId)) ?? '')).toEqual({
      current: webhook?.secret,
      webhookId: webhook?.id,
    });
    const everything = JSON.stringify([response, logLines, printed]);
    expect(everything).not.toContain(String(webhook?.secret));
    expect(everything).not.toContain(api.apiKey);
  });

  it('makes no second webhook on an update, and the events follow the subscriptions', async () => {
    const s = await stage();
    const created = await s.run(event(s, 'Create'));
    const updated = await s.run(
      event(s, 'Update', {
        physicalId: created.PhysicalResourceId,
        events: ['check.completed', 'client.created'],
      }),
    );
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(updated.Data.Action).toBe('updated');
    expect(api.state.webhooks.map((w) => w.events)).toEqual([['check.completed', 'client.created']]);
  });

  it('does not fail the deployment while the API key is the placeholder, and says what to do', async () => {
    const s = await stage({ apiKey: JSON.stringify({ note: 'replace', placeholder: 'p' }) });
    const response = await s.run(event(s, 'Create'));
    expect(response).toMatchObject({ PhysicalResourceId: NOT_CONNECTED, Data: { Action: 'skipped' } });
    expect(response.Data.Status).toMatch(/not set yet.*deploy again/);
    expect(api.state.webhooks).toHaveLength(0);
  });

  it('keeps the physical id of a connected webhook when the key has become the placeholder', async () => {
    const s = await stage();
    const created = await s.run(event(s, 'Create'));
    await secrets.send(
      new PutSecretValueCommand({ SecretId: s.apiKeySecretId, SecretString: '{"placeholder":"p"}' }),
    );
    const updated = await s.run(event(s, 'Update', { physicalId: created.PhysicalResourceId }));
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(api.state.webhooks).toHaveLength(1);
  });

  it('fails the deployment on a refused key, saying what to fix', async () => {
    const s = await stage({ apiKey: 'test_refusedkey123456' });
    await expect(s.run(event(s, 'Create'))).rejects.toThrow(/refused the API key.*ComplyCube API key secret/);
  });

  it('backs off on 429 mid-run and succeeds', async () => {
    const s = await stage();
    api.failNext(2, 429);
    const response = await s.run(event(s, 'Create'));
    expect(response.Data.Action).toBe('created');
    expect(api.state.webhooks).toHaveLength(1);
  });

  it('deletes the webhook it created when Secrets Manager fails to store the secret, and says so', async () => {
    const injector = await startFaultInjector(motoUrl);
    const client = new SecretsManagerClient({
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      endpoint: injector.url,
      maxAttempts: 2,
    });
    try {
      const s = await stage({ client });
      injector.inject({ operation: 'PutSecretValue', fault: 'http500', times: 5 });
      await expect(s.run(event(s, 'Create'))).rejects.toThrow(
        /Could not write the webhook secret.*deleted again/,
      );
      expect(api.state.webhooks).toHaveLength(0);
      expect(await storedValue(s.webhookSecretId)).toBe(PLACEHOLDER);
    } finally {
      client.destroy();
      await injector.stop();
    }
  });

  it('removes the webhook on delete', async () => {
    const s = await stage();
    const created = await s.run(event(s, 'Create'));
    const deleted = await s.run(event(s, 'Delete', { physicalId: created.PhysicalResourceId }));
    expect(deleted.Data.Action).toBe('deleted');
    expect(api.state.webhooks).toHaveLength(0);
  });

  it('keeps the webhook on delete when the removal policy is retain', async () => {
    const s = await stage();
    const created = await s.run(event(s, 'Create'));
    await s.run(event(s, 'Delete', { physicalId: created.PhysicalResourceId, removalPolicy: 'retain' }));
    expect(api.state.webhooks).toHaveLength(1);
  });

  it('does not block the stack deletion when ComplyCube cannot be reached', async () => {
    const s = await stage();
    const created = await s.run(event(s, 'Create'));
    api.failNext(50, 503);
    const deleted = await s.run(event(s, 'Delete', { physicalId: created.PhysicalResourceId }));
    expect(deleted.Data.Status).toMatch(/Could not delete ComplyCube webhook.*portal/);
  });
});

/**
 * `connect`, `status` and `disconnect` from the command line, against moto's Secrets Manager and
 * the ComplyCube API emulator: explicit --url/--secret-id, --stack (outputs injected), and the
 * local stack (its server.json).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runConnectCommand } from '../../cli/commands/connect/run.js';
import { CONNECT_HELP } from '../../cli/commands/connect.js';
import { STATUS_HELP } from '../../cli/commands/status.js';
import type { CliIo } from '../../cli/kit/io.js';
import { runCli } from '../../cli/main.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import { LOCAL_CREDENTIALS } from '../../local/provision.js';
import { LOCAL_REGION } from '../../local/template.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, uniqueName, useEmulatorEnv } from '../support/aws-env.js';

const PLACEHOLDER = JSON.stringify({ note: 'replace this whole value', placeholder: 'x1' });
const URL_ = 'https://abc123.lambda-url.eu-west-1.on.aws/';

let motoUrl = '';
let dynamodbUrl = '';
let secrets: SecretsManagerClient;
let api: ComplyCubeApiEmulator;
let webhookSecretId = '';

beforeAll(() => {
  ({ moto: motoUrl, dynamodb: dynamodbUrl } = useEmulatorEnv());
  secrets = new SecretsManagerClient({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoint: motoUrl,
  });
});

afterAll(() => secrets.destroy());

beforeEach(async () => {
  api = await startComplyCubeApiEmulator({ rateLimit: false });
  webhookSecretId = await secret('cli-webhook', PLACEHOLDER);
});

afterEach(async () => {
  await api.close();
});

async function secret(prefix: string, value: string): Promise<string> {
  const { ARN } = await secrets.send(
    new CreateSecretCommand({ Name: uniqueName(prefix), SecretString: value }),
  );
  if (ARN === undefined) throw new Error('moto created a secret without an ARN');
  return ARN;
}

async function stored(secretId: string): Promise<string | undefined> {
  return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function io(env: Record<string, string | undefined>): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (text: string) => out.push(text) > 0 },
    stderr: { write: (text: string) => err.push(text) > 0 },
    env,
  };
}

async function cli(argv: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const streams = io({ COMPLYCUBE_API_KEY: api.apiKey, COMPLYCUBE_API_URL: api.url, ...env });
  const code = await runCli(argv, streams);
  return { code, stdout: streams.out.join(''), stderr: streams.err.join('') };
}

const explicit = () => [
  '--url',
  URL_,
  '--secret-id',
  webhookSecretId,
  '--events',
  'check.completed,client.created',
];

describe('complycube-webhooks connect', () => {
  it('creates the webhook, stores its secret, and prints neither the secret nor the key', async () => {
    const run = await cli(['connect', ...explicit()]);
    const [webhook] = api.state.webhooks;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Created ComplyCube webhook/);
    expect(JSON.parse((await stored(webhookSecretId)) ?? '')).toEqual({
      current: webhook?.secret,
      webhookId: webhook?.id,
    });
    expect(`${run.stdout}${run.stderr}`).not.toContain(String(webhook?.secret));
    expect(`${run.stdout}${run.stderr}`).not.toContain(api.apiKey);
  });

  it('makes no second webhook on a second run, and reports it as JSON', async () => {
    await cli(['connect', ...explicit()]);
    const run = await cli(['connect', ...explicit(), '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ event: 'result', action: 'unchanged' });
    expect(api.state.webhooks).toHaveLength(1);
  });

  it('exits 3 with what to do while the API key secret is the placeholder', async () => {
    const keySecret = await secret('cli-api-key', PLACEHOLDER);
    const run = await cli(['connect', ...explicit(), '--api-key-secret-id', keySecret], {
      COMPLYCUBE_API_KEY: undefined,
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/not set yet.*put-secret-value/);
    expect(api.state.requests).toHaveLength(0);
  });

  it('exits 1 on a refused key, saying so without printing it', async () => {
    const run = await cli(['connect', ...explicit()], { COMPLYCUBE_API_KEY: 'test_refused0123456789' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused the API key.*COMPLYCUBE_API_KEY/);
    expect(run.stderr).not.toContain('refused0123456789');
  });

  it('refuses the API key as an argument (exit 2), doing nothing', async () => {
    const run = await cli(['connect', ...explicit(), '--api-key', 'test_abcdefghijkl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/never taken as an argument/);
    expect(run.stderr).not.toContain('test_abcdefghijkl');
    expect(api.state.requests).toHaveLength(0);
  });

  it('asks for --events when the receiver is given by URL alone (exit 2)', async () => {
    const run = await cli(['connect', '--url', URL_, '--secret-id', webhookSecretId]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--events/);
  });

  it('shows its help with examples', async () => {
    const run = await cli(['connect', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(CONNECT_HELP);
    expect(run.stdout).toMatch(/Examples/);
  });
});

describe('complycube-webhooks status', () => {
  it('exits 0 when all is as expected, 1 when the webhook is disabled', async () => {
    await cli(['connect', ...explicit()]);
    const healthy = await cli(['status', ...explicit()]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/All as expected/);
    api.disableWebhook(String(api.state.webhooks[0]?.id));
    const disabled = await cli(['status', ...explicit(), '--json']);
    expect(disabled.code).toBe(1);
    expect(JSON.parse(disabled.stdout.trim())).toMatchObject({
      event: 'status',
      webhook: { enabled: false },
    });
    expect(disabled.stdout).not.toContain(String(api.state.webhooks[0]?.secret));
  });

  it('reports event drift when the subscriptions changed', async () => {
    await cli(['connect', ...explicit()]);
    const run = await cli([
      'status',
      '--url',
      URL_,
      '--secret-id',
      webhookSecretId,
      '--events',
      'check.completed',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/also sends client\.created/);
  });
});

describe('complycube-webhooks disconnect', () => {
  it('deletes the webhook', async () => {
    await cli(['connect', ...explicit()]);
    const run = await cli(['disconnect', '--url', URL_, '--secret-id', webhookSecretId]);
    expect(run.code).toBe(0);
    expect(api.state.webhooks).toHaveLength(0);
  });
});

describe('finding the receiver', () => {
  it('reads a deployed stack from its outputs (--stack)', async () => {
    const keySecret = await secret('cli-api-key', api.apiKey);
    const streams = io({ COMPLYCUBE_API_URL: api.url });
    const code = await runConnectCommand(
      'connect',
      ['--stack', 'ComplyCubeWebhooks'],
      streams,
      CONNECT_HELP,
      {
        stackOutputs: async () => ({
          WebhookUrl: URL_,
          WebhookSecretArn: webhookSecretId,
          ComplyCubeWebhookEvents: '*',
          PortalEventTypes: 'check.completed',
          ComplyCubeApiKeySecretArn: keySecret,
        }),
      },
    );
    expect(code).toBe(0);
    expect(api.state.webhooks.map((w) => w.events)).toEqual([['*']]);
  });

  it('finds the running local stack by itself, with its emulator and its local secret', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'connect-local-'));
    try {
      const local = await startComplyCubeApiEmulator({
        rateLimit: false,
        allowHttpLoopbackWebhookUrls: true,
      });
      writeFileSync(
        join(stateDir, 'server.json'),
        JSON.stringify({
          pid: process.pid,
          startedAt: new Date().toISOString(),
          receivers: [
            {
              provider: 'complycube',
              url: 'http://127.0.0.1:8642/',
              webhookSecretArn: webhookSecretId,
              webhookEvents: ['check.completed'],
            },
          ],
          emulators: { dynamodb: 'http://127.0.0.1:1', moto: motoUrl },
          complyCubeApi: { url: local.url, apiKey: local.apiKey },
        }),
      );
      const streams = io({});
      const code = await runConnectCommand('connect', [], streams, CONNECT_HELP, { stateDir });
      expect(streams.err.join('')).toMatch(/plain HTTP on loopback/);
      expect(code).toBe(0);
      expect(local.state.webhooks).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:8642/' })]);
      await local.close();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("reports when the local stack's receiver last accepted a delivery, from its ledger", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'status-local-'));
    // As the local stack's own provisioning does: DynamoDB Local keeps one database per key.
    const dynamodb = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: dynamodbUrl,
    });
    const local = await startComplyCubeApiEmulator({ rateLimit: false, allowHttpLoopbackWebhookUrls: true });
    try {
      const tableName = uniqueName('status-ledger');
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const record = (pk: string, status: string, completedAt: number) =>
        dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { pk: { S: pk }, status: { S: status }, completedAt: { N: String(completedAt) } },
          }),
        );
      await record('complycube#evt_1', 'COMPLETED', Date.parse('2026-12-05T09:00:00Z'));
      await record('complycube#evt_2', 'COMPLETED', Date.parse('2026-12-05T10:30:00Z'));
      // Neither was accepted: a claim still in progress, and a quarantined body.
      await record('complycube#evt_3', 'IN_PROGRESS', Date.parse('2026-12-05T11:00:00Z'));
      await record('complycube#quarantine#abc', 'COMPLETED', Date.parse('2026-12-05T12:00:00Z'));
      writeFileSync(
        join(stateDir, 'server.json'),
        JSON.stringify({
          pid: process.pid,
          startedAt: new Date().toISOString(),
          receivers: [
            {
              provider: 'complycube',
              url: 'http://127.0.0.1:8642/',
              webhookSecretArn: webhookSecretId,
              webhookEvents: ['check.completed'],
              tableName,
            },
          ],
          emulators: { dynamodb: dynamodbUrl, moto: motoUrl },
          complyCubeApi: { url: local.url, apiKey: local.apiKey },
        }),
      );

      const json = io({});
      await runConnectCommand('status', ['--json'], json, STATUS_HELP, { stateDir });
      const text = io({});
      await runConnectCommand('status', [], text, STATUS_HELP, { stateDir });

      expect(JSON.parse(json.out.join('').trim())).toMatchObject({
        event: 'status',
        lastAccepted: { state: 'seen', from: '2026-12-05T10:30:00.000Z', until: '2026-12-05T10:30:00.000Z' },
      });
      expect(text.out.join('')).toMatch(/last accepted: 2026-12-05T10:30:00\.000Z/);
    } finally {
      await local.close();
      dynamodb.destroy();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

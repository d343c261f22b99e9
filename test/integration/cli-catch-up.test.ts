/**
 * `complycube-webhooks catch-up` against a local stack as `npm run dev` describes it in server.json:
 * DynamoDB Local and moto (with the local stack's credentials), and the ComplyCube API emulator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCatchUpCli } from '../../cli/commands/catch-up.js';
import type { CliIo } from '../../cli/kit/io.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import { LOCAL_CREDENTIALS } from '../../local/provision.js';
import { writeStackState } from '../../local/state.js';
import { LOCAL_REGION } from '../../local/template.js';
import { createTestResources, drainQueue, subscribeQueue, useEmulatorEnv } from '../support/aws-env.js';

let api: ComplyCubeApiEmulator;
let stateDir: string;
let queueUrl: string;

function io(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (t: string) => {
        out += t;
        return true;
      },
    },
    stderr: {
      write: (t: string) => {
        err += t;
        return true;
      },
    },
    env: {},
    out: () => out,
    err: () => err,
  };
}

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  api = await startComplyCubeApiEmulator({ apiKeys: [`test_${randomBytes(12).toString('hex')}`] });
  const bus = await createTestResources('cli-catch-up');
  queueUrl = await subscribeQueue(bus.eventBusName, { source: ['com.complycube'] });
  // The local stack's tables belong to its own credentials (DynamoDB Local keeps them apart).
  const tableName = `cli-catch-up-${randomBytes(6).toString('hex')}`;
  const dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: endpoints.dynamodb,
  });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists(
    { client: dynamodb, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { TableName: tableName },
  );
  stateDir = mkdtempSync(join(tmpdir(), 'cli-catch-up-'));
  writeStackState(stateDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    receivers: [
      {
        provider: 'complycube',
        url: 'http://127.0.0.1:9/',
        tableName,
        eventBusName: bus.eventBusName,
        webhookEvents: ['check.completed'],
      },
    ],
    emulators: endpoints,
    complyCubeApi: { url: api.url, apiKey: api.apiKey },
  });
});

afterAll(async () => {
  await api?.close();
});

describe('complycube-webhooks catch-up on the local stack', () => {
  it('publishes what changed, prints progress and a summary, and publishes nothing the second time', async () => {
    for (let i = 0; i < 2; i++)
      api.createObject('checks', { clientId: 'k', status: 'complete', result: { outcome: 'clear' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = io();
    const second = io();

    const code = await runCatchUpCli(['--since', '10m', '--json'], first, { stateDir });
    const again = await runCatchUpCli(['--since', '10m'], second, { stateDir });

    expect(code).toBe(0);
    const events = first
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ event: 'summary', status: 'complete', counts: { published: 2 } });
    expect(events.some((e) => e.event === 'progress')).toBe(true);
    expect(await drainQueue(queueUrl)).toHaveLength(2);
    expect(again).toBe(0);
    expect(second.out()).toMatch(/Caught up: 2 listed, 0 published, 2 already known/);
    expect(first.out() + first.err() + second.out() + second.err()).not.toContain(api.apiKey);
  });

  it('says what to start when no local stack runs, and exits 2', async () => {
    const out = io();

    await expect(
      runCatchUpCli(['--since', '1h'], out, { stateDir: mkdtempSync(join(tmpdir(), 'no-stack-')) }),
    ).rejects.toThrow(/No local stack is running/);
  });
});

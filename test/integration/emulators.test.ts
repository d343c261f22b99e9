/**
 * Smoke test of the integration harness: the emulators answer, events flow from a bus to a queue,
 * secrets round-trip, and the fault proxy breaks and restores SDK calls.
 */

import { execFileSync } from 'node:child_process';
import {
  ConditionalCheckFailedException,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MOTO_JSONPATH_CACHE } from '../../local/emulators.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import {
  DYNAMODB_THROTTLING_BODY,
  type FaultMode,
  type FaultProxy,
  startFaultProxy,
} from '../support/fault-proxy.js';

const endpoints = useEmulatorEnv();
let resources: TestResources;

beforeAll(async () => {
  resources = await createTestResources('smoke', { secretValue: 'whsec_smoke' });
});

describe('emulators', () => {
  it('DynamoDB Local answers ListTables with the created table, TTL on', async () => {
    // Configured through the environment only, as the code under test is.
    const client = new DynamoDBClient({});
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(resources.tableName);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: resources.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
    client.destroy();
  });

  it('DynamoDB Local returns the old item on a failed condition (ReturnValuesOnConditionCheckFailure)', async () => {
    const client = new DynamoDBClient({});
    const put = (status: string) =>
      client.send(
        new PutItemCommand({
          TableName: resources.tableName,
          Item: { pk: { S: 'condition-check' }, status: { S: status } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    await put('first');
    const error = await put('second').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toEqual({
      pk: { S: 'condition-check' },
      status: { S: 'first' },
    });
    client.destroy();
  });

  it('delivers PutEvents on a created bus to an SQS queue through a rule', async () => {
    const queueUrl = await subscribeQueue(resources.eventBusName, { source: [{ prefix: 'smoke.' }] });
    const client = new EventBridgeClient({});
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: resources.eventBusName,
            Source: 'smoke.test',
            DetailType: 'smoke.ping',
            Detail: JSON.stringify({ n: 1 }),
          },
          {
            EventBusName: resources.eventBusName,
            Source: 'other.test',
            DetailType: 'smoke.ignored',
            Detail: JSON.stringify({ n: 2 }),
          },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    client.destroy();

    const envelopes = await drainQueue(queueUrl);
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]).toMatchObject({
      source: 'smoke.test',
      'detail-type': 'smoke.ping',
      detail: { n: 1 },
    });
    expect(await drainQueue(queueUrl)).toEqual([]);
  });

  it('round-trips a secret', async () => {
    const client = new SecretsManagerClient({});
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: resources.secretArn }));
    expect(SecretString).toBe('whsec_smoke');
    expect(resources.secretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:smoke-/);
    client.destroy();
  });
});

describe('fault proxy', () => {
  let proxy: FaultProxy;
  let client: DynamoDBClient;

  beforeAll(async () => {
    proxy = await startFaultProxy(endpoints.dynamodb, { throttleBody: DYNAMODB_THROTTLING_BODY });
    // Keep-alive is on by default in the SDK: the client pools its connections through the proxy.
    client = new DynamoDBClient({
      endpoint: proxy.url,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      maxAttempts: 1,
      // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 500, throwOnRequestTimeout: true },
    });
  });

  beforeEach(async () => {
    await proxy.setMode('forward');
    proxy.resetCount();
  });

  afterAll(async () => {
    client.destroy();
    await proxy.stop();
  });

  const listTables = () => client.send(new ListTablesCommand({}));

  it('forwards SDK calls to the emulator', async () => {
    const { TableNames } = await listTables();

    expect(TableNames).toContain(resources.tableName);
  });

  it.each<[FaultMode, Record<string, unknown>]>([
    ['refuse', { code: 'ECONNREFUSED' }],
    ['reset', { code: 'ECONNRESET' }],
    ['stall', { name: 'TimeoutError' }],
    ['http500', { $metadata: { httpStatusCode: 500 } }],
    ['throttle', { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }],
  ])(
    'fails the next call in %s mode, although the client holds a pooled connection',
    async (mode, failure) => {
      await listTables();

      await proxy.setMode(mode);
      const error = await listTables().catch((e: unknown) => e);

      expect(error).toMatchObject(failure);
    },
  );

  it('forwards again after a fault, on the same port', async () => {
    await proxy.setMode('refuse');
    await expect(listTables()).rejects.toThrow();

    await proxy.setMode('forward');

    await expect(listTables()).resolves.toBeDefined();
  });

  it('counts the connections accepted in each mode', async () => {
    await proxy.setMode('http500');
    await listTables().catch(() => undefined);
    await listTables().catch(() => undefined);
    await proxy.setMode('forward');
    await listTables();

    expect(proxy.count).toEqual({ forward: 1, refuse: 0, reset: 0, stall: 0, http500: 2, throttle: 0 });
  });
});

describe("moto's jsonpath cache", () => {
  it('hands back the same parsed path for the same text, which still finds what the path names', () => {
    // moto's EventBridge parses eight paths per matched target per event; uncached, each parse
    // rebuilt jsonpath-ng's parser table and a PutEvents that matched a rule took seconds under load.
    const probe = `${MOTO_JSONPATH_CACHE}
from jsonpath_ng.ext import parse
same = parse("$.detail") is parse("$.detail")
found = parse("$.detail").find({"detail": {"id": "e1"}})[0].value["id"]
print(same, found, parse("$.source") is parse("$.detail"))
`;
    expect(execFileSync('python3', ['-c', probe], { encoding: 'utf8' }).trim()).toBe('True e1 False');
  });
});

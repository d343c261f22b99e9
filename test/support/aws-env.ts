/**
 * Helpers for integration test files: point the AWS SDK at the emulators started by
 * `test/integration/global-setup.ts`, and create isolated resources on them.
 *
 * The code under test finds the emulators through the SDK's standard configuration only: the
 * service-specific `AWS_ENDPOINT_URL_<SERVICE ID>` variables, where the service id is upper-cased
 * with spaces turned into `_` (`@smithy/core` `getEndpointUrlConfig`): `DynamoDB` →
 * `AWS_ENDPOINT_URL_DYNAMODB`, `EventBridge` → `AWS_ENDPOINT_URL_EVENTBRIDGE`, `SQS` →
 * `AWS_ENDPOINT_URL_SQS`, `Secrets Manager` → `AWS_ENDPOINT_URL_SECRETS_MANAGER`. A client reads them
 * on its first request, not when it is constructed.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';

export const EMULATOR_REGION = 'us-east-1';

/**
 * Dummy credentials for everything that talks to the emulators, the code under test included.
 * DynamoDB Local (without `-sharedDb`) keeps one database per access key and region, so the tests
 * and the handler must use this same key to see the same tables. Letters only: DynamoDB Local
 * rejects access keys with other characters.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The account moto puts into ARNs. */
export const MOTO_ACCOUNT_ID = '123456789012';

export interface EmulatorEndpoints {
  /** DynamoDB Local. */
  readonly dynamodb: string;
  /** moto's server: EventBridge, SQS, Secrets Manager. */
  readonly moto: string;
}

let explicitEndpoints: EmulatorEndpoints | undefined;

/** Names the emulators outside vitest (the soak script starts its own). */
export function setEmulatorEndpoints(endpoints: EmulatorEndpoints): void {
  explicitEndpoints = endpoints;
}

/** The emulator endpoints provided by the global setup (or `setEmulatorEndpoints`). */
export function emulatorEndpoints(): EmulatorEndpoints {
  if (explicitEndpoints !== undefined) return explicitEndpoints;
  const dynamodb = inject('dynamodbEndpoint');
  const moto = inject('motoEndpoint');
  if (typeof dynamodb !== 'string' || typeof moto !== 'string') {
    throw new Error(
      'The emulator endpoints were not provided: run integration tests in the `integration` project ' +
        '(`npx vitest run --project integration`), whose global setup starts the emulators.',
    );
  }
  return { dynamodb, moto };
}

/**
 * Points the AWS SDK in this test worker at the emulators through the standard environment variables
 * (endpoints, region, dummy credentials) and returns the endpoints. Call it before the code under
 * test creates its clients, and again after changing an endpoint variable (e.g. to a fault proxy)
 * to restore it.
 *
 * @example
 * const endpoints = useEmulatorEnv();
 * const { handler } = await import('../../functions/receiver/handler.js'); // after the environment is set
 */
export function useEmulatorEnv(): EmulatorEndpoints {
  const endpoints = emulatorEndpoints();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.moto,
    AWS_ENDPOINT_URL_SQS: endpoints.moto,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.moto,
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  // Each of these would take the SDK away from the values above: a profile replaces the
  // environment credentials, a session token would be sent along, and the last one switches the
  // endpoint variables off.
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) {
    delete process.env[name];
  }
  return endpoints;
}

// ---------------------------------------------------------------------------------------------
// Clients of the harness itself, with explicit endpoints (independent of process.env).

interface HarnessClients {
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly secretsManager: SecretsManagerClient;
  readonly sqs: SQSClient;
}

let clients: { readonly key: string; readonly value: HarnessClients } | undefined;

function harnessClients(): HarnessClients {
  const endpoints = emulatorEndpoints();
  const key = `${endpoints.dynamodb} ${endpoints.moto}`;
  if (clients?.key !== key) {
    const base = { region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 } as const;
    clients = {
      key,
      value: {
        dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
        eventBridge: new EventBridgeClient({ ...base, endpoint: endpoints.moto }),
        secretsManager: new SecretsManagerClient({ ...base, endpoint: endpoints.moto }),
        sqs: new SQSClient({ ...base, endpoint: endpoints.moto }),
      },
    };
  }
  return clients.value;
}

/** `prefix-<12 hex>`, with the prefix reduced to characters every service accepts in names. */
export function uniqueName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'test';
  return `${clean}-${randomBytes(6).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Resources

export interface TestResources {
  /** DynamoDB table with partition key `pk` (string), on-demand, TTL on `expiresAt`. */
  readonly tableName: string;
  readonly tableArn: string;
  readonly eventBusName: string;
  readonly eventBusArn: string;
  readonly secretName: string;
  readonly secretArn: string;
  /** The value stored in the secret. */
  readonly secretValue: string;
}

export interface TestResourceOptions {
  /** The secret's value. @default a random 32-byte hex string */
  readonly secretValue?: string;
  /**
   * Enable TTL on `expiresAt`, as the construct does. DynamoDB Local then deletes expired items
   * within about a second, where real DynamoDB lags by up to days; turn it off to keep an expired
   * record in place, as real DynamoDB usually does. @default true
   */
  readonly enableTtl?: boolean;
}

/**
 * Creates a fresh table, event bus and secret on the emulators, with names unique to this call, so
 * test files (and tests) never share state.
 *
 * @example
 * const resources = await createTestResources('receiver', { secretValue: 'whsec_test' });
 * process.env.IDEMPOTENCY_TABLE_NAME = resources.tableName;
 * process.env.EVENT_BUS_NAME = resources.eventBusName;
 * process.env.WEBHOOK_SECRET_ARN = resources.secretArn;
 */
export async function createTestResources(
  prefix: string,
  options: TestResourceOptions = {},
): Promise<TestResources> {
  const { dynamodb, eventBridge, secretsManager } = harnessClients();
  const name = uniqueName(prefix);
  const secretValue = options.secretValue ?? randomBytes(32).toString('hex');

  const [table, bus, secret] = await Promise.all([
    createLedgerTable(dynamodb, name, options.enableTtl ?? true),
    eventBridge.send(new CreateEventBusCommand({ Name: name })),
    secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: secretValue })),
  ]);
  if (bus.EventBusArn === undefined || secret.ARN === undefined) {
    throw new Error(`moto created bus or secret ${name} without an ARN.`);
  }
  return {
    tableName: name,
    tableArn: table,
    eventBusName: name,
    eventBusArn: bus.EventBusArn,
    secretName: name,
    secretArn: secret.ARN,
    secretValue,
  };
}

async function createLedgerTable(
  client: DynamoDBClient,
  tableName: string,
  enableTtl: boolean,
): Promise<string> {
  const created = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: tableName });
  if (enableTtl) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  }
  const arn = created.TableDescription?.TableArn;
  if (arn === undefined) throw new Error(`DynamoDB Local created table ${tableName} without an ARN.`);
  return arn;
}

/**
 * Creates an SQS queue and a rule on `busName` that sends every event matching `eventPattern` to it.
 * Returns the queue URL, for `drainQueue`.
 *
 * @example
 * const queueUrl = await subscribeQueue(resources.eventBusName, { source: [{ prefix: 'complycube' }] });
 */
export async function subscribeQueue(
  busName: string,
  eventPattern: Readonly<Record<string, unknown>>,
): Promise<string> {
  const { eventBridge, sqs } = harnessClients();
  const name = uniqueName(`${busName.slice(0, 30)}-sub`);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`moto created queue ${name} without a URL.`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn;
  if (queueArn === undefined) throw new Error(`moto returned no ARN for queue ${QueueUrl}.`);
  await eventBridge.send(
    new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify(eventPattern) }),
  );
  const targets = await eventBridge.send(
    new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: [{ Id: 'queue', Arn: queueArn }] }),
  );
  if ((targets.FailedEntryCount ?? 0) > 0) {
    throw new Error(`Could not add queue ${queueArn} as target of rule ${name}: ${JSON.stringify(targets)}`);
  }
  return QueueUrl;
}

/** An event as EventBridge delivers it to an SQS target. */
export interface EventBridgeEnvelope {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: unknown;
  readonly account?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
}

export interface DrainOptions {
  /** Consecutive empty receives that end the drain. moto delivers during PutEvents. @default 2 */
  readonly emptyReceives?: number;
}

/**
 * Receives and deletes everything in the queue, in order of receipt, as parsed EventBridge envelopes.
 *
 * @example
 * const [event] = await drainQueue(queueUrl);
 * expect(event).toMatchObject({ 'detail-type': 'check.completed', detail: { id: 'evt_1' } });
 */
export async function drainQueue(
  queueUrl: string,
  options: DrainOptions = {},
): Promise<EventBridgeEnvelope[]> {
  const { sqs } = harnessClients();
  const emptyReceives = options.emptyReceives ?? 2;
  const envelopes: EventBridgeEnvelope[] = [];
  let empty = 0;
  while (empty < emptyReceives) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const message of Messages) envelopes.push(parseEnvelope(message.Body, queueUrl));
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    if ((deleted.Failed ?? []).length > 0) {
      throw new Error(`Could not delete messages from ${queueUrl}: ${JSON.stringify(deleted.Failed)}`);
    }
  }
  return envelopes;
}

function parseEnvelope(body: string | undefined, queueUrl: string): EventBridgeEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch (error) {
    throw new Error(`A message in ${queueUrl} is not JSON: ${String(body)}`, { cause: error });
  }
  if (!isEnvelope(parsed)) {
    throw new Error(`A message in ${queueUrl} is not an EventBridge event: ${String(body)}`);
  }
  return parsed;
}

function isEnvelope(value: unknown): value is EventBridgeEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields.id === 'string' &&
    typeof fields.source === 'string' &&
    typeof fields['detail-type'] === 'string' &&
    typeof fields.time === 'string' &&
    'detail' in fields
  );
}

/**
 * A fresh table shaped like the construct's (`pk`, TTL on `expiresAt`), e.g. for a subscriber's
 * `once` / `order: 'latest'` records. Returns its name.
 */
export async function createTable(
  prefix: string,
  options: { readonly enableTtl?: boolean } = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await createLedgerTable(harnessClients().dynamodb, name, options.enableTtl ?? true);
  return name;
}

/** A fresh SQS queue on moto; returns its URL. */
export async function createQueue(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const { QueueUrl } = await harnessClients().sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`moto created queue ${name} without a URL.`);
  return QueueUrl;
}

/** Receives and deletes everything in the queue, as raw messages (bodies and attributes). */
export async function drainMessages(
  queueUrl: string,
): Promise<{ readonly body: string; readonly attributes: Readonly<Record<string, string | undefined>> }[]> {
  const { sqs } = harnessClients();
  const messages: { body: string; attributes: Record<string, string | undefined> }[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const message of Messages) {
      const attributes: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(message.MessageAttributes ?? {}))
        attributes[key] = value.StringValue;
      messages.push({ body: message.Body ?? '', attributes });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
  return messages;
}

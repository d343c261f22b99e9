/**
 * The real receiver handler, loaded the way Lambda loads it: configured by the environment the
 * construct sets, with its SDK clients pointed at the emulators by the standard variables.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { vi } from 'vitest';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, emulatorEndpoints, type TestResources } from './aws-env.js';

export type ReceiverHandler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>;

/** The environment the construct gives the function, for these resources. */
export function receiverEnv(resources: TestResources, provider = 'complycube'): Record<string, string> {
  return {
    WEBHOOK_PROVIDER: provider,
    EVENT_BUS_NAME: resources.eventBusName,
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    WEBHOOK_SECRET_ARN: resources.secretArn,
  };
}

const logLines: string[] = [];

export interface LoadedReceiver {
  readonly handler: ReceiverHandler;
  /** What the receiver wrote to stdout (its JSON log lines), since the last `clear`. */
  readonly logs: { lines(): Record<string, unknown>[]; text(): string; clear(): void };
}

/**
 * Loads a fresh copy of the handler module (it reads its configuration once, at import), with
 * `env` on top of the resources' configuration. Its log lines are captured rather than printed.
 */
export async function loadReceiver(
  resources: TestResources,
  options: { provider?: string; env?: Record<string, string> } = {},
): Promise<LoadedReceiver> {
  Object.assign(process.env, receiverEnv(resources, options.provider), options.env);
  if (!vi.isMockFunction(process.stdout.write)) {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(String(chunk));
      return true;
    });
  }
  vi.resetModules();
  const { handler } = await import('../../functions/receiver/handler.js');
  return {
    handler,
    logs: {
      text: () => logLines.join(''),
      lines: () =>
        logLines
          .join('')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      clear: () => {
        logLines.length = 0;
      },
    },
  };
}

let table: DynamoDBClient | undefined;

/** A client for looking at DynamoDB Local directly, around the receiver. */
export function tableClient(): DynamoDBClient {
  table ??= new DynamoDBClient({
    endpoint: emulatorEndpoints().dynamodb,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
  return table;
}

export async function itemCount(tableName: string): Promise<number> {
  const { Count } = await tableClient().send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

/** The idempotency record's status for a key, e.g. `complycube#<id>`, read consistently. */
export async function ledgerStatus(tableName: string, key: string): Promise<string | undefined> {
  const { Item } = await tableClient().send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
  );
  return Item?.status?.S;
}

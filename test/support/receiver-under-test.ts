/**
 * The real receiver handler, loaded the way Lambda loads it: the shipped bundle (see
 * `receiver-bundle.ts`), configured by the environment the construct sets, with its SDK clients
 * pointed at the emulators by the standard variables, and invoked with a Lambda-like context.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { vi } from 'vitest';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, emulatorEndpoints, type TestResources } from './aws-env.js';
import { importReceiverBundle } from './receiver-bundle.js';

/** What Lambda passes the handler with each invocation, as far as the receiver reads it. */
export type InvocationContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>;

/** Invokes the receiver; without a `context`, one with the function's whole timeout ahead of it. */
export type ReceiverHandler = (
  event: LambdaFunctionURLEvent,
  context?: InvocationContext,
) => Promise<FunctionUrlResponse>;

/** The function timeout the construct sets, and the receiver is told through its environment. */
export const FUNCTION_TIMEOUT_MS = 10_000;

let invocations = 0;

/**
 * A context whose remaining time runs down from `timeoutMs` as real time passes (not `Date`, which
 * tests move): what Lambda gives an invocation of a function with that timeout.
 */
export function invocationContext(timeoutMs = FUNCTION_TIMEOUT_MS): InvocationContext {
  const endsAt = performance.now() + timeoutMs;
  invocations += 1;
  return {
    awsRequestId: `test-invocation-${invocations}`,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(endsAt - performance.now())),
  };
}

/** The environment the construct gives the function, for these resources. */
export function receiverEnv(resources: TestResources, provider = 'complycube'): Record<string, string> {
  return {
    WEBHOOK_PROVIDER: provider,
    EVENT_BUS_NAME: resources.eventBusName,
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    WEBHOOK_SECRET_ARN: resources.secretArn,
    FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_MS / 1000),
  };
}

const logLines: string[] = [];

export interface LoadedReceiver {
  readonly handler: ReceiverHandler;
  /** What the receiver wrote to stdout (its JSON log lines), since the last `clear`. */
  readonly logs: { lines(): Record<string, unknown>[]; text(): string; clear(): void };
}

/**
 * Loads a fresh copy of the bundled handler (it reads its configuration once, at import), with
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
  return {
    handler: await loadBundledHandler(),
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

/**
 * A fresh copy of the bundled handler, configured by the environment as it is now; each call is
 * a cold start. Invoked without a context, it gets one with the function's whole timeout ahead.
 */
export async function loadBundledHandler(): Promise<ReceiverHandler> {
  const { handler } = await importReceiverBundle();
  if (typeof handler !== 'function') throw new Error('The receiver bundle exports no handler function.');
  const invoke = handler as (
    event: LambdaFunctionURLEvent,
    context: InvocationContext,
  ) => Promise<FunctionUrlResponse>;
  return (event, context) => invoke(event, context ?? invocationContext());
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

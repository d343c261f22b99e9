/**
 * The property tests of the receive path, run through the real handler against DynamoDB Local and
 * moto (fewer runs than the unit ones: every run costs real round trips).
 */
import { isUtf8 } from 'node:buffer';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { functionUrlEvent, newEventId, sign } from '../helpers/complycube.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';

const SECRET = 'whsec_properties_integration_77e';
const RUNS = 25;

let resources: TestResources;
let table: DynamoDBClient;
let everything: string;
let handler: (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  resources = await createTestResources('properties', { secretValue: SECRET });
  everything = await subscribeQueue(resources.eventBusName, { source: [{ prefix: 'com.complycube' }] });
  table = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
  Object.assign(process.env, {
    WEBHOOK_PROVIDER: 'complycube',
    EVENT_BUS_NAME: resources.eventBusName,
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    WEBHOOK_SECRET_ARN: resources.secretArn,
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  ({ handler } = await import('../../functions/receiver/handler.js'));
});

afterAll(() => {
  vi.restoreAllMocks();
});

async function items(): Promise<number> {
  const { Count } = await table.send(new ScanCommand({ TableName: resources.tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

/**
 * Events with a fresh id and arbitrary extra content, or arbitrary bytes. Types leave out `"`:
 * moto 5.2 builds the event it hands to an SQS target by pasting the detail-type into JSON text,
 * and answers PutEvents with a 500 when the type holds a quote (EventBridge itself accepts it;
 * the unit properties cover such types).
 */
const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .record({
      type: fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() !== ''),
      extra: fc.jsonValue({ maxDepth: 4 }),
    })
    .map(({ type, extra }) =>
      Buffer.from(
        JSON.stringify({
          id: newEventId(),
          type,
          resourceType: 'check',
          payload: { extra },
          createdAt: new Date().toISOString(),
        }),
      ),
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 512 })
    .map((bytes) => Buffer.concat([Buffer.from(newEventId()), Buffer.from(bytes)])),
);

describe('the handler under arbitrary input, against the emulators', () => {
  it('a forged request gets 401, writes no item and publishes nothing', async () => {
    const before = await items();
    await fc.assert(
      fc.asyncProperty(bodies, fc.string({ maxLength: 80 }), async (body, signature) => {
        fc.pre(signature !== sign(body, SECRET));

        const result = await handler(functionUrlEvent({ body, signature, isBase64Encoded: !isUtf8(body) }));

        expect(result.statusCode).toBe(401);
      }),
      { numRuns: RUNS },
    );
    expect(await items()).toBe(before);
    expect(await drainQueue(everything)).toEqual([]);
  });

  it('an authentic request is acknowledged and on the bus exactly once, redelivered or not', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.integer({ min: 1, max: 3 }), async (body, deliveries) => {
        const event = functionUrlEvent({ body, secret: SECRET, isBase64Encoded: !isUtf8(body) });

        const results = [];
        for (let i = 0; i < deliveries; i++) results.push(await handler(event));

        for (const result of results) expect([200, 202]).toContain(result.statusCode);
        expect(await drainQueue(everything)).toHaveLength(1);
      }),
      { numRuns: RUNS },
    );
  });
});

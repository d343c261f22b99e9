/**
 * The property tests of the receive path, run through the real handler against DynamoDB Local and
 * moto (fewer runs than the unit ones: every run costs real round trips).
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionUrlEvent, newEventId, sign } from '../../fixtures/complycube.js';
import {
  createTestResources,
  drainQueue,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { itemCount, loadReceiver, type ReceiverHandler } from '../support/receiver-under-test.js';

const SECRET = 'whsec_properties_integration_77e';
const RUNS = 25;

let resources: TestResources;
let everything: string;
let handler: ReceiverHandler;

beforeAll(async () => {
  const _endpoints = useEmulatorEnv();
  resources = await createTestResources('properties', { secretValue: SECRET });
  everything = await subscribeQueue(resources.eventBusName, { source: [{ prefix: 'com.complycube' }] });
  ({ handler } = await loadReceiver(resources));
});

afterAll(() => {
  vi.restoreAllMocks();
});

/**
 * Events with a fresh id and arbitrary extra content, or arbitrary bytes. Types leave out `"`:
 * moto 5.2 builds the event it hands to an SQS target by pasting the detail-type into JSON text,
 * and answers PutEvents with a 500 when the type holds a quote (EventBridge itself accepts it;
 * the unit properties cover such types).
 */
const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .record({
      type: fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() !== '' && !/["\\]/.test(t)),
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

/**
 * One delivery, retried on a 5xx as ComplyCube would: on a loaded machine an emulator can be slower
 * than the receiver's SDK timeouts, and that 503 is the receiver doing its job, not a failure.
 */
async function deliverLikeComplyCube(event: Parameters<ReceiverHandler>[0]) {
  let result = await handler(event);
  for (let retry = 0; retry < 3 && result.statusCode >= 500; retry++) result = await handler(event);
  return result;
}

describe('the handler under arbitrary input, against the emulators', () => {
  it('a forged request gets 401, writes no item and publishes nothing', async () => {
    const before = await itemCount(resources.tableName);
    await fc.assert(
      fc.asyncProperty(bodies, fc.string({ maxLength: 80 }), async (body, signature) => {
        fc.pre(signature !== sign(body, SECRET));

        const result = await handler(functionUrlEvent({ body, signature, isBase64Encoded: !isUtf8(body) }));

        expect(result.statusCode).toBe(401);
      }),
      { numRuns: RUNS },
    );
    expect(await itemCount(resources.tableName)).toBe(before);
    expect(await drainQueue(everything)).toEqual([]);
  });

  it('an authentic request is acknowledged and on the bus exactly once, redelivered or not', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.integer({ min: 1, max: 3 }), async (body, deliveries) => {
        const event = functionUrlEvent({ body, secret: SECRET, isBase64Encoded: !isUtf8(body) });

        const results = [];
        for (let i = 0; i < deliveries; i++) results.push(await deliverLikeComplyCube(event));

        for (const result of results) expect([200, 202]).toContain(result.statusCode);
        expect(await drainQueue(everything)).toHaveLength(1);
      }),
      { numRuns: RUNS },
    );
  });
});

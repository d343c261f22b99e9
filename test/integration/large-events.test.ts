/**
 * An authentic event too large for the bus: the body goes to S3 (moto's), the bus carries a
 * pointer under the same detail-type, and nothing is lost or doubled on a retry.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionUrlEvent, loadFixture, withFreshId } from '../../fixtures/complycube.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { loadReceiver, type ReceiverHandler } from '../support/receiver-under-test.js';

const SECRET = 'whsec_large_fictional_9b2';
const BUCKET = `large-${randomBytes(4).toString('hex')}`;

let resources: TestResources;
let moto: string;
let s3: S3Client;
let s3Proxy: FaultProxy;
let queue: string;
let handler: ReceiverHandler;

beforeAll(async () => {
  ({ moto } = useEmulatorEnv());
  resources = await createTestResources('large', { secretValue: SECRET });
  queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  s3 = new S3Client({
    endpoint: moto,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3Proxy = await startFaultProxy(moto);
  ({ handler } = await loadReceiver(resources, {
    env: { AWS_ENDPOINT_URL_S3: s3Proxy.url, LARGE_PAYLOAD_BUCKET: BUCKET, MAX_BUS_ENTRY_BYTES: '4096' },
  }));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await s3Proxy?.stop();
});

function largeEvent() {
  const event = withFreshId(loadFixture('client.created'));
  return JSON.stringify({ ...event, payload: { ...event.payload, notes: 'n'.repeat(20_000) } });
}

describe('an event too large for the bus', () => {
  it('is stored in S3 and published as a pointer with the same detail-type', async () => {
    const body = largeEvent();
    const { id } = JSON.parse(body) as { id: string };

    const result = await handler(functionUrlEvent({ body, secret: SECRET }));

    expect(result.statusCode).toBe(200);
    const delivered = await drainQueue(queue);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.['detail-type']).toBe('client.created');
    const pointer = delivered[0]?.detail as {
      id: string;
      payloadStored: { bucket: string; key: string; bytes: number };
    };
    expect(pointer.id).toBe(id);
    expect(pointer.payloadStored).toMatchObject({ bucket: BUCKET, bytes: Buffer.byteLength(body) });
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: pointer.payloadStored.key }));
    expect(await stored.Body?.transformToString()).toBe(body);
  });

  it('answers 503 while S3 is unreachable, and the retry stores and publishes exactly once', async () => {
    const body = largeEvent();
    await s3Proxy.setMode('refuse');

    const failed = await handler(functionUrlEvent({ body, secret: SECRET }));
    await s3Proxy.setMode('forward');
    const retried = await handler(functionUrlEvent({ body, secret: SECRET }));
    const again = await handler(functionUrlEvent({ body, secret: SECRET }));

    expect([failed.statusCode, retried.statusCode, again.statusCode]).toEqual([503, 200, 200]);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate' });
    expect(await drainQueue(queue)).toHaveLength(1);
  });
});

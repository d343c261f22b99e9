/**
 * The real handler serving Compliancely (`WEBHOOK_PROVIDER=compliancely`) against DynamoDB Local
 * and moto: derived keys and types, every accepted signature encoding, idempotency, forged and
 * unsigned requests, quarantine, and a bus shared with ComplyCube subscribers. Two handler
 * instances are loaded: one with signatures required (the default) and one told that Compliancely
 * is configured without signing (`SIGNATURE_VERIFICATION=optional`).
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import {
  type CompliancelyEventOptions,
  compliancelyUrlEvent,
  listCompliancelyFixtures,
  loadCompliancelyFixture,
  type SignatureEncoding,
  signCompliancely,
  type TinCheckRecord,
  withFreshRecord,
} from '../helpers/compliancely.js';
import {
  createTestResources,
  drainQueue,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type EventBridgeEnvelope,
  subscribeQueue,
  type TestResources,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { loadBundledHandler } from '../support/receiver-under-test.js';

const SECRET = 'compliancely_integration_fictional_4be1d0';

type Handler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>;

let resources: TestResources;
let eventBridgeProxy: FaultProxy;
let table: DynamoDBClient;
/** Signatures required: the default. */
let handler: Handler;
/** Told that Compliancely is configured without signing. */
let unsignedHandler: Handler;
let everyEvent: string;
let didNotMatch: string;
let quarantine: string;
let complyCubeEvents: string;
const logLines: string[] = [];

async function loadHandler(signatureVerification: 'required' | 'optional'): Promise<Handler> {
  process.env.SIGNATURE_VERIFICATION = signatureVerification;
  return loadBundledHandler();
}

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  resources = await createTestResources('compliancely', { secretValue: SECRET, enableTtl: false });
  eventBridgeProxy = await startFaultProxy(endpoints.moto);
  [everyEvent, didNotMatch, quarantine, complyCubeEvents] = await Promise.all([
    subscribeQueue(resources.eventBusName, { source: ['com.compliancely'] }),
    subscribeQueue(resources.eventBusName, {
      source: ['com.compliancely'],
      'detail-type': ['tin_check.did_not_match'],
    }),
    subscribeQueue(resources.eventBusName, { source: ['com.compliancely.quarantine'] }),
    // A ComplyCube subscriber on the same bus: it must never see a Compliancely event.
    subscribeQueue(resources.eventBusName, { source: [{ prefix: 'com.complycube' }] }),
  ]);
  table = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeProxy.url,
    WEBHOOK_PROVIDER: 'compliancely',
    EVENT_BUS_NAME: resources.eventBusName,
    IDEMPOTENCY_TABLE_NAME: resources.tableName,
    WEBHOOK_SECRET_ARN: resources.secretArn,
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  });
  handler = await loadHandler('required');
  unsignedHandler = await loadHandler('optional');
});

afterAll(async () => {
  vi.restoreAllMocks();
  await eventBridgeProxy?.stop();
});

beforeEach(async () => {
  await eventBridgeProxy.setMode('forward');
  await Promise.all([everyEvent, didNotMatch, quarantine, complyCubeEvents].map((q) => drainQueue(q)));
  logLines.length = 0;
});

function fresh(slug = 'did_not_match', changes: Partial<TinCheckRecord> = {}) {
  const record = { ...withFreshRecord(loadCompliancelyFixture(slug)), ...changes };
  return { record, body: JSON.stringify(record) };
}

function signed(body: string, options: Omit<CompliancelyEventOptions, 'body'> = {}) {
  return compliancelyUrlEvent({ body, secret: SECRET, ...options });
}

/** The key the receiver derives: id, updated_date in canonical form, status slug. */
function keyOf(record: TinCheckRecord, slug: string): string {
  return `${record.id}#${new Date(record.updated_date).toISOString()}#${slug}`;
}

function parseBody(result: FunctionUrlResponse): Record<string, unknown> {
  return JSON.parse(String(result.body)) as Record<string, unknown>;
}

function withRecordId(envelopes: readonly EventBridgeEnvelope[], id: number): EventBridgeEnvelope[] {
  return envelopes.filter((e) => (e.detail as { id?: unknown }).id === id);
}

async function itemCount(): Promise<number> {
  const { Count } = await table.send(new ScanCommand({ TableName: resources.tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

async function ledgerItem(key: string) {
  const { Item } = await table.send(
    new GetItemCommand({
      TableName: resources.tableName,
      Key: { pk: { S: `compliancely#${key}` } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

function requestLogs(): Record<string, unknown>[] {
  return logLines
    .join('')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === 'webhook');
}

describe('the Compliancely receiver against DynamoDB Local and moto', () => {
  it('delivers every documented status once, under its derived type, with the record as detail', async () => {
    const sent = listCompliancelyFixtures().map((slug) => ({ slug, ...fresh(slug) }));

    const results: FunctionUrlResponse[] = [];
    for (const { body } of sent) results.push(await handler(signed(body)));

    expect(results.map((r) => r.statusCode)).toEqual(sent.map(() => 200));
    expect(results.map((r) => parseBody(r))).toEqual(
      sent.map(({ record, slug }) => ({ status: 'accepted', eventId: keyOf(record, slug) })),
    );
    const delivered = await drainQueue(everyEvent);
    for (const { record, slug } of sent) {
      expect(withRecordId(delivered, record.id)).toEqual([
        expect.objectContaining({
          source: 'com.compliancely',
          'detail-type': `tin_check.${slug}`,
          time: record.updated_date,
          detail: record,
        }),
      ]);
      expect((await ledgerItem(keyOf(record, slug)))?.status?.S).toBe('COMPLETED');
    }
    expect(await drainQueue(complyCubeEvents)).toEqual([]);
  });

  it.each<SignatureEncoding>(['hex', 'HEX', 'base64'])('accepts a %s signature', async (encoding) => {
    const { record, body } = fresh('tin_matched');

    const result = await handler(signed(body, { encoding }));

    expect(result.statusCode).toBe(200);
    expect(withRecordId(await drainQueue(everyEvent), record.id)).toHaveLength(1);
  });

  it('acknowledges a retry of the same state as a duplicate and delivers it zero more times', async () => {
    const { record, body } = fresh();
    await handler(signed(body));
    await drainQueue(everyEvent);

    const again = await handler(signed(body, { encoding: 'base64' }));

    expect(again.statusCode).toBe(200);
    expect(parseBody(again)).toEqual({ status: 'duplicate', eventId: keyOf(record, 'did_not_match') });
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('delivers each real change of one record: Pending, then In Review, then Did Not Match', async () => {
    const { record } = fresh('pending');
    const t = Date.now();
    const states = [
      { ...record, status: 'Pending', updated_date: new Date(t - 120_000).toISOString() },
      { ...record, status: 'In Review', updated_date: new Date(t - 60_000).toISOString() },
      { ...record, status: 'Did Not Match', updated_date: new Date(t).toISOString() },
    ];

    for (const state of states) expect((await handler(signed(JSON.stringify(state)))).statusCode).toBe(200);

    const delivered = withRecordId(await drainQueue(everyEvent), record.id);
    expect(delivered.map((e) => e['detail-type']).sort()).toEqual([
      'tin_check.did_not_match',
      'tin_check.in_review',
      'tin_check.pending',
    ]);
    expect(withRecordId(await drainQueue(didNotMatch), record.id)).toHaveLength(1);
  });

  it('delivers 20 concurrent deliveries of one state exactly once, and never answers 5xx', async () => {
    const { record, body } = fresh('in_review');

    const results = await Promise.all(Array.from({ length: 20 }, () => handler(signed(body))));

    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
    expect(results.filter((r) => parseBody(r).status === 'accepted')).toHaveLength(1);
    expect(withRecordId(await drainQueue(everyEvent), record.id)).toHaveLength(1);
    expect(parseBody(await handler(signed(body))).status).toBe('duplicate');
  });

  it('refuses forged, malformed and unsigned requests with 401, writing and publishing nothing', async () => {
    const { body } = fresh();
    const before = await itemCount();

    const results = await Promise.all([
      handler(signed(body, { secret: 'not-the-secret' })),
      handler(signed(body, { signature: `sha256=${signCompliancely(body, SECRET)}` })),
      // base64 without its padding: always 43 characters, so always malformed (a URL-safe variant is
      // only malformed when the digest happens to contain + or /).
      handler(signed(body, { signature: signCompliancely(body, SECRET, 'base64').replace(/=+$/, '') })),
      handler(compliancelyUrlEvent({ body })),
    ]);

    expect(results.map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    expect(
      requestLogs()
        .map((l) => String(l.reason))
        .sort(),
    ).toEqual(['malformed', 'malformed', 'mismatch', 'missing']);
    expect(await itemCount()).toBe(before);
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('takes in an unsigned delivery when told Compliancely signs nothing, and logs it as unsigned', async () => {
    const { record, body } = fresh();

    const result = await unsignedHandler(compliancelyUrlEvent({ body }));

    expect(result.statusCode).toBe(200);
    expect(parseBody(result).status).toBe('accepted');
    expect(withRecordId(await drainQueue(everyEvent), record.id)).toHaveLength(1);
    expect(requestLogs().at(-1)).toMatchObject({ verdict: 'accepted', unsigned: true });
  });

  it('still refuses a wrong signature when told Compliancely signs nothing, writing nothing', async () => {
    const { body } = fresh();
    const before = await itemCount();

    const result = await unsignedHandler(signed(body, { secret: 'not-the-secret' }));

    expect(result.statusCode).toBe(401);
    expect(await itemCount()).toBe(before);
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('delivers a status nobody documented under its slug, to the catch-all only', async () => {
    const { record, body } = fresh('pending', { status: 'Escalated to Compliance' });

    const result = await handler(signed(body));

    expect(result.statusCode).toBe(200);
    const delivered = withRecordId(await drainQueue(everyEvent), record.id);
    expect(delivered.map((e) => e['detail-type'])).toEqual(['tin_check.escalated_to_compliance']);
    expect(await drainQueue(didNotMatch)).toEqual([]);
  });

  it('keeps an authentic record without updated_date in quarantine, once', async () => {
    const { updated_date: _dropped, ...record } = fresh().record;
    const body = JSON.stringify(record);

    const first = await handler(signed(body));
    const second = await handler(signed(body));

    expect(first.statusCode).toBe(202);
    expect(parseBody(first)).toEqual({ status: 'quarantined', reason: 'missing_updated_date' });
    expect(second.statusCode).toBe(200);
    const kept = await drainQueue(quarantine);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      source: 'com.compliancely.quarantine',
      'detail-type': 'Webhook Quarantined',
      detail: { provider: 'compliancely', reason: 'missing_updated_date', body },
    });
    expect(await drainQueue(everyEvent)).toEqual([]);
  });

  it('verifies a body the function URL delivered base64-encoded', async () => {
    const { record, body } = fresh();

    const result = await handler(signed(body, { isBase64Encoded: true, encoding: 'base64' }));

    expect(result.statusCode).toBe(200);
    expect(withRecordId(await drainQueue(everyEvent), record.id)).toHaveLength(1);
  });

  it('answers 503 when EventBridge is unreachable, leaves no claim, and the retry delivers exactly once', async () => {
    const { record, body } = fresh();
    await eventBridgeProxy.setMode('refuse');

    const failed = await handler(signed(body));

    expect(failed.statusCode).toBe(503);
    expect(await ledgerItem(keyOf(record, 'did_not_match'))).toBeUndefined();
    await eventBridgeProxy.setMode('forward');
    expect(parseBody(await handler(signed(body))).status).toBe('accepted');
    expect(withRecordId(await drainQueue(everyEvent), record.id)).toHaveLength(1);
  });

  it('logs the derived key and type, and never the secret, a signature, the name or the TIN', async () => {
    const { record, body } = fresh();

    await handler(signed(body));
    await handler(signed(body, { secret: 'wrong', encoding: 'base64' }));

    expect(requestLogs()).toEqual([
      expect.objectContaining({
        provider: 'compliancely',
        eventId: keyOf(record, 'did_not_match'),
        eventType: 'tin_check.did_not_match',
        verdict: 'accepted',
      }),
      expect.objectContaining({ verdict: 'forged', status: 401, reason: 'mismatch' }),
    ]);
    const everything = logLines.join('');
    for (const value of [
      SECRET,
      signCompliancely(body, SECRET),
      signCompliancely(body, 'wrong', 'base64'),
      record.name,
      record.tin,
    ]) {
      expect(everything).not.toContain(value);
    }
  });
});

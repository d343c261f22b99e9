/**
 * When ComplyCube gives up, end to end on the emulators: the real receiver behind a local function
 * URL, DynamoDB Local and moto, the ComplyCube API emulator, and the provider simulator with its
 * give-up rule. The receiver fails long enough for the simulator to disable the webhook, objects
 * change during the gap, the receiver recovers, and the watcher and the catch-up close the gap:
 * every change reaches the bus, none twice.
 *
 * Time: the emulator, the watcher, the catch-up and its ledger share one virtual clock, so a gap of
 * days takes no time; the simulator's retries run in real time, compressed (`timeScale`).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComplyCubeApiReader } from '../../functions/catch-up/adapters/complycube-api-reader.js';
import { DynamoDbCursorStore } from '../../functions/catch-up/adapters/dynamodb-cursor-store.js';
import {
  type CatchUpDependencies,
  type CatchUpSummary,
  catchUp,
} from '../../functions/catch-up/core/catch-up.js';
import { parseEventTypeFilter } from '../../functions/catch-up/core/events.js';
import { WATCH_METRIC } from '../../functions/catch-up/core/metrics.js';
import { ComplyCubeClient } from '../../functions/complycube-api/client.js';
import { DynamoDbLedger } from '../../functions/receiver/adapters/dynamodb-ledger.js';
import { EventBridgePublisher } from '../../functions/receiver/adapters/eventbridge-publisher.js';
import type { Publisher } from '../../functions/receiver/core/ports/publisher.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { complyCubeWebhookApi } from '../../functions/webhook-watch/adapters/complycube-webhook-api.js';
import { DynamoDbWatchState } from '../../functions/webhook-watch/adapters/dynamodb-watch-state.js';
import { HttpProbe } from '../../functions/webhook-watch/adapters/http-probe.js';
import { watchMetrics } from '../../functions/webhook-watch/core/metrics.js';
import { type WatchConfig, watchOnce } from '../../functions/webhook-watch/core/watch.js';
import {
  type ComplyCubeApiEmulator,
  type EmulatedObject,
  type EmulatedResource,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';
import { type FunctionUrlServer, startFunctionUrlServer } from '../../local/function-url-server.js';
import { FakeClock } from '../helpers/fakes.js';
import { simulateProvider } from '../simulator/provider-simulator.js';
import { windowEvidence } from '../simulator/soak-run.js';
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
import { loadReceiver } from '../support/receiver-under-test.js';

const HOUR = 3_600_000;
/** The types the subscriptions need (and the webhook sends). */
const TYPES = ['check.completed', 'client.created', 'client.updated', 'client.deleted'];
/** ComplyCube's whole retry schedule is about 34 h; the watcher looks back that far before the last time it saw the webhook enabled. */
const LOOKBACK = 34 * HOUR;
/**
 * While the receiver is down it answers at once, so ComplyCube's 122 820 s of retries pass in about
 * 2.5 s. While it is up, a retry waits 60 ms and more: a slow emulator on a busy machine gets the
 * time a real delivery would.
 */
const FAILING_TIME_SCALE = 0.00002;
const HEALTHY_TIME_SCALE = 0.001;

let api: ComplyCubeApiEmulator;
let server: FunctionUrlServer;
let resources: TestResources;
let queueUrl: string;
let webhookId: string;
let webhookSecret: string;
/** The switch for the receiver's outage: every request answered 503 while true. */
let failing = false;
const clock = new FakeClock(Date.now());
let handler: ((event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>) | undefined;
let receiverLogs: Awaited<ReturnType<typeof loadReceiver>>['logs'] | undefined;
let dynamodb: DynamoDBClient;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  api = await startComplyCubeApiEmulator({
    apiKeys: [`live_${randomBytes(12).toString('hex')}`],
    allowHttpLoopbackWebhookUrls: true,
    // The emulator's limiter would count virtual time; 429s are injected on demand instead.
    rateLimit: false,
    now: () => clock.now(),
  });
  server = await startFunctionUrlServer(async (event) => {
    if (failing || handler === undefined) {
      return { statusCode: 503, headers: {}, body: '{"status":"failed"}', isBase64Encoded: false };
    }
    return handler(event);
  });
  const created = await client().createWebhook({ url: server.url, events: TYPES, enabled: true });
  webhookId = created.id;
  webhookSecret = created.secret;
  resources = await createTestResources('catch-up-e2e', { secretValue: webhookSecret });
  queueUrl = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  const loaded = await loadReceiver(resources);
  handler = loaded.handler;
  receiverLogs = loaded.logs;
  const base = { region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS };
  dynamodb = new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb });
  eventBridge = new EventBridgeClient({ ...base, endpoint: endpoints.moto });
});

afterAll(async () => {
  await server?.close();
  await api?.close();
});

function client(options: { requestsPerSecond?: number | false } = {}): ComplyCubeClient {
  return new ComplyCubeClient({
    apiKey: api.apiKey,
    baseUrl: api.url,
    requestsPerSecond: options.requestsPerSecond ?? false,
    backoff: { baseMs: 5, maxMs: 20 },
  });
}

function catchUpDeps(overrides: Partial<CatchUpDependencies> = {}): CatchUpDependencies {
  return {
    provider: { name: 'complycube', source: 'com.complycube' },
    reader: new ComplyCubeApiReader(client()),
    ledger: new DynamoDbLedger({
      client: dynamodb,
      tableName: resources.tableName,
      retentionSeconds: 30 * 86_400,
      leaseSeconds: 60,
      clock,
    }),
    publisher: new EventBridgePublisher({ client: eventBridge, eventBusName: resources.eventBusName }),
    cursors: new DynamoDbCursorStore({
      client: dynamodb,
      tableName: resources.tableName,
      provider: 'complycube',
      retentionSeconds: 30 * 86_400,
      now: () => clock.now(),
    }),
    clock,
    eventTypes: parseEventTypeFilter(TYPES.join(',')),
    retentionSeconds: 30 * 86_400,
    pageSize: 4,
    sleep: async (ms) => clock.advance(ms),
    ...overrides,
  };
}

const summaries: CatchUpSummary[] = [];

function watchConfig(): WatchConfig {
  return {
    receiverUrl: server.url,
    requiredEventTypes: TYPES,
    lookbackMs: LOOKBACK,
    maxWindowMs: 30 * 24 * HOUR,
  };
}

function watch() {
  return watchOnce(watchConfig(), {
    api: complyCubeWebhookApi(client()),
    probe: new HttpProbe({ url: server.url, signatureHeader: 'complycube-signature' }),
    state: new DynamoDbWatchState({
      client: dynamodb,
      tableName: resources.tableName,
      provider: 'complycube',
    }),
    clock,
    // In-process here; in the stack, an asynchronous invocation of the catch-up function.
    catchUp: {
      start: async (request) => {
        summaries.push(
          await catchUp({ since: new Date(request.since), until: new Date(request.until) }, catchUpDeps()),
        );
      },
    },
  });
}

/** The webhook events ComplyCube would send for an object's new state, as JSON bodies. */
function liveEvents(
  resource: EmulatedResource,
  object: EmulatedObject,
  change: 'created' | 'updated' | 'deleted',
) {
  const resourceType = resource === 'checks' ? 'check' : 'client';
  const types =
    resource === 'checks' ? (object.status === 'complete' ? ['check.completed'] : []) : [`client.${change}`];
  return types.map((type) =>
    JSON.stringify({
      id: randomBytes(12).toString('hex'),
      type,
      resourceType,
      payload: change === 'deleted' ? { id: object.id } : object,
      createdAt: change === 'deleted' ? new Date(clock.now()).toISOString() : object.updatedAt,
    }),
  );
}

/** Delivers as ComplyCube would: retries on its schedule, disables the webhook when it gives up. */
function deliver(bodies: readonly string[]) {
  return simulateProvider({
    url: server.url,
    secret: webhookSecret,
    events: bodies,
    duplicateRate: 0.2,
    timeScale: failing ? FAILING_TIME_SCALE : HEALTHY_TIME_SCALE,
    webhook: {
      isEnabled: () => api.state.webhooks.find((w) => w.id === webhookId)?.enabled === true,
      disable: () => api.disableWebhook(webhookId),
    },
  });
}

/** What a subscriber sees: one key per change, `<type>#<object id>#<updatedAt | deleted>`. */
function changeKey(envelope: EventBridgeEnvelope): string {
  const detail = envelope.detail as { payload: { id: string; updatedAt?: string } };
  return `${envelope['detail-type']}#${detail.payload.id}#${detail.payload.updatedAt ?? 'deleted'}`;
}

function keysOf(
  resource: EmulatedResource,
  object: EmulatedObject,
  change: 'created' | 'updated' | 'deleted',
) {
  return liveEvents(resource, object, change).map((body) => {
    const event = JSON.parse(body) as { type: string; payload: { id: string; updatedAt?: string } };
    return `${event.type}#${event.payload.id}#${event.payload.updatedAt ?? 'deleted'}`;
  });
}

describe('when ComplyCube gives up', () => {
  it('notices, re-enables the webhook once the receiver is healthy, and catches up: 0 lost, none twice', {
    timeout: 180_000,
  }, async () => {
    const T = clock.now();
    const expected: string[] = [];
    const check = (fields: Record<string, unknown>) =>
      api.createObject('checks', { clientId: 'k0', type: 'document_check', ...fields });

    // Live, healthy: every change is delivered as it happens.
    const first = await watch();
    const live: string[] = [];
    for (let i = 0; i < 4; i++) {
      const object = check({ status: 'complete', result: { outcome: 'clear' } });
      live.push(...liveEvents('checks', object, 'created'));
      expected.push(...keysOf('checks', object, 'created'));
    }
    const keptClient = api.createObject('clients', { type: 'person', email: 'a@example.org' });
    const goneClient = api.createObject('clients', { type: 'person', email: 'b@example.org' });
    for (const c of [keptClient, goneClient]) {
      live.push(...liveEvents('clients', c, 'created'));
      expected.push(...keysOf('clients', c, 'created'));
    }
    const liveReport = await deliver(live);

    // The receiver fails 40 h later; ComplyCube keeps retrying for about 34 h, during which the
    // watcher still finds the webhook enabled.
    failing = true;
    clock.set(T + 40 * HOUR);
    const lostInRetries: EmulatedObject[] = [];
    for (let i = 0; i < 3; i++)
      lostInRetries.push(check({ status: 'complete', result: { outcome: 'attention' } }));
    const newClient = api.createObject('clients', { type: 'company', entityName: 'Example Ltd' });
    clock.set(T + 60 * HOUR);
    const duringRetries = await watch();
    const failedReport = await deliver([
      ...lostInRetries.flatMap((o) => liveEvents('checks', o, 'created')),
      ...liveEvents('clients', newClient, 'created'),
    ]);

    // ComplyCube has disabled the webhook. The watcher sees it; the receiver is still down, so it
    // stays off: this is the alarm state.
    clock.set(T + 75 * HOUR);
    const whileDown = await watch();

    // Changes during the gap: nothing is delivered any more.
    clock.set(T + 76 * HOUR);
    const updatedCheck = api.updateObject('checks', lostInRetries[0]?.id ?? '', {
      result: { outcome: 'clear' },
    });
    const updatedClient = api.updateObject('clients', keptClient.id, { email: 'new@example.org' });
    api.deleteObject('clients', goneClient.id);
    const gapCheck = check({ status: 'complete', result: { outcome: 'rejected' } });
    const gapReport = await deliver([
      ...liveEvents('checks', updatedCheck, 'updated'),
      ...liveEvents('clients', updatedClient, 'updated'),
      ...liveEvents('clients', goneClient, 'deleted'),
      ...liveEvents('checks', gapCheck, 'created'),
    ]);
    // What can be recovered is each object's state now (docs/catch-up.md).
    expected.push(
      ...keysOf('checks', updatedCheck, 'created'),
      ...lostInRetries.slice(1).flatMap((o) => keysOf('checks', o, 'created')),
      ...keysOf('clients', newClient, 'created'),
      ...keysOf('clients', updatedClient, 'updated'),
      ...keysOf('clients', goneClient, 'deleted'),
      ...keysOf('checks', gapCheck, 'created'),
    );

    // The receiver recovers; the next run re-enables the webhook and catches up the gap.
    failing = false;
    clock.set(T + 80 * HOUR);
    const recovered = await watch();
    // Live again: a change now is delivered.
    clock.advance(60_000);
    const after = check({ status: 'complete', result: { outcome: 'clear' } });
    expected.push(...keysOf('checks', after, 'created'));
    const afterReport = await deliver(liveEvents('checks', after, 'created'));

    expect(first.webhook).toBe('enabled');
    expect(liveReport).toMatchObject({ gaveUp: 0, dropped: 0 });
    expect(duringRetries.webhook).toBe('enabled');
    expect(failedReport.disabledWebhook).toBe(true);
    expect(whileDown).toMatchObject({
      webhook: 'disabled',
      reEnabled: false,
      leftDisabledBecause: 'receiver_unhealthy',
    });
    expect(watchMetrics(whileDown)[WATCH_METRIC.webhookEnabled]).toBe(0);
    expect(gapReport.attempts).toBe(0);
    expect(recovered).toMatchObject({ webhook: 'disabled', reEnabled: true });
    expect(recovered.catchUpStarted?.since).toBe(new Date(T + 60 * HOUR - LOOKBACK).toISOString());
    expect(api.state.webhooks.find((w) => w.id === webhookId)?.enabled).toBe(true);
    expect(summaries.at(-1)).toMatchObject({ status: 'complete' });
    expect(afterReport).toMatchObject({ gaveUp: 0, dropped: 0 });

    const drained = await drainQueue(queueUrl);
    const caughtUp = drained.filter((e) => 'catchUp' in (e.detail as object));
    const delivered = drained.filter((e) => !('catchUp' in (e.detail as object)));
    const onBus = new Set(drained.map(changeKey));
    const lost = expected.filter((key) => !onBus.has(key));
    const unexpected = [...onBus].filter((key) => !expected.includes(key));
    // A caught-up change appears once, and never repeats one the webhook delivered.
    const caughtUpKeys = caughtUp.map(changeKey);
    const caughtUpTwice = caughtUpKeys.filter((key, i) => caughtUpKeys.indexOf(key) !== i);
    const alsoLive = caughtUpKeys.filter((key) => delivered.some((e) => changeKey(e) === key));
    // A live event twice only in the receiver's documented window (a PutEvents retried after a
    // timeout on a busy machine), which its own log line shows.
    const window = windowEvidence(receiverLogs?.text() ?? '');
    const liveIds = delivered.map((e) => (e.detail as { id: string }).id);
    const liveTwice = liveIds.filter((id, i) => liveIds.indexOf(id) !== i && !window.has(id));
    expect({ lost, unexpected, caughtUpTwice, alsoLive, liveTwice }).toEqual({
      lost: [],
      unexpected: [],
      caughtUpTwice: [],
      alsoLive: [],
      liveTwice: [],
    });
    expect(caughtUp.length).toBeGreaterThan(0);

    // A second catch-up over the same window publishes nothing.
    const again = await catchUp(
      {
        since: new Date(recovered.catchUpStarted?.since ?? ''),
        until: new Date(recovered.catchUpStarted?.until ?? ''),
      },
      catchUpDeps(),
    );
    expect(again).toMatchObject({ status: 'complete', counts: { published: 0 } });
    expect(again.counts.alreadyKnown).toBeGreaterThan(0);
    expect(await drainQueue(queueUrl)).toEqual([]);
  });

  it('a catch-up killed halfway and restarted publishes nothing twice and misses nothing', async () => {
    await drainQueue(queueUrl);
    clock.advance(HOUR);
    const since = new Date(clock.now());
    const made: EmulatedObject[] = [];
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      made.push(
        api.createObject('checks', { clientId: 'k1', status: 'complete', result: { outcome: 'clear' } }),
      );
    }
    clock.advance(1000);
    const until = new Date(clock.now());
    const real = catchUpDeps().publisher;
    let published = 0;
    let killed: () => void = () => {};
    const death = new Promise<void>((resolve) => {
      killed = resolve;
    });
    // The process dies during its sixth PutEvents: claimed, never answered, never completed.
    const dying: Publisher = {
      publish: async (entry) => {
        if (++published === 6) {
          killed();
          return new Promise(() => {});
        }
        return real.publish(entry);
      },
    };

    await Promise.race([death, catchUp({ since, until }, catchUpDeps({ publisher: dying }))]);
    const restarted = await catchUp({ since, until }, catchUpDeps());

    expect(restarted).toMatchObject({ status: 'complete', resumed: true });
    const onBus = (await drainQueue(queueUrl)).map(changeKey);
    expect(onBus.sort()).toEqual(made.map((o) => `check.completed#${o.id}#${o.updatedAt}`).sort());
  });

  it('429 and 5xx from the API slow a catch-up down but lose nothing', async () => {
    await drainQueue(queueUrl);
    clock.advance(HOUR);
    const since = new Date(clock.now());
    const made: EmulatedObject[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      made.push(
        api.createObject('checks', { clientId: 'k2', status: 'complete', result: { outcome: 'clear' } }),
      );
    }
    clock.advance(1000);
    const until = new Date(clock.now());
    const before = api.state.requests.length;
    api.failNext(2, 429, { pathPrefix: '/checks', retryAfter: '0' });
    api.failNext(2, 503, { pathPrefix: '/checks' });

    const summary = await catchUp({ since, until }, catchUpDeps());

    expect(summary).toMatchObject({ status: 'complete', counts: { published: 6 } });
    const statuses = api.state.requests.slice(before).map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    const onBus = (await drainQueue(queueUrl)).map(changeKey);
    expect(onBus.sort()).toEqual(made.map((o) => `check.completed#${o.id}#${o.updatedAt}`).sort());
  });
});

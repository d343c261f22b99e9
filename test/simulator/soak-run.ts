/**
 * A soak: many mixed ComplyCube events through the shipped receiver bundle (behind a local function
 * URL, each request invoked with a Lambda-like context) on DynamoDB Local and moto, with a few percent of requests failing at every step, duplicates and
 * shuffled order. Counts what reached a catch-all subscriber and checks the guarantees.
 */
import { isUtf8 } from 'node:buffer';
import { LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { listFixtureTypes, loadFixture, withFreshId } from '../../fixtures/complycube.js';
import { startFunctionUrlServer } from '../../local/function-url-server.js';
import {
  createTestResources,
  drainQueue,
  type EmulatorEndpoints,
  setEmulatorEndpoints,
  subscribeQueue,
  useEmulatorEnv,
} from '../support/aws-env.js';
import { type InjectedFault, startFaultInjector } from '../support/aws-fault-injector.js';
import {
  FUNCTION_TIMEOUT_MS,
  invocationContext,
  loadBundledHandler,
  receiverEnv,
} from '../support/receiver-under-test.js';
import { percentile, type SimulatorReport, simulateProvider } from './provider-simulator.js';

export interface SoakOptions {
  readonly events: number;
  /** Chance that one request to DynamoDB or EventBridge fails. @default 0.03 */
  readonly faultRate?: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly timeScale?: number;
  /** Emulators to use outside vitest; inside, the global setup's. */
  readonly endpoints?: EmulatorEndpoints;
}

export interface SoakResult {
  readonly report: SimulatorReport;
  readonly sent: number;
  readonly onBus: number;
  readonly lost: number;
  /** Events on the bus more than once although no fault hit their window. */
  readonly publishedTwice: number;
  /** Events on the bus twice after a fault in the documented window (allowed). */
  readonly twiceInWindow: number;
  /** For each event on the bus twice outside the window, the receiver's log lines about it. */
  readonly unexplained: readonly { readonly id: string; readonly log: readonly string[] }[];
  readonly faults: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const SECRET = 'whsec_soak_fictional_0a9f';

/** Faults at every step; the ones marked `window` leave the event on the bus unrecorded. */
const NOISE: readonly { operation: string; fault: InjectedFault; window?: true }[] = [
  { operation: 'PutItem', fault: 'http500' },
  { operation: 'PutItem', fault: 'throttle' },
  { operation: 'PutItem', fault: 'reset' },
  { operation: 'PutEvents', fault: 'http500' },
  { operation: 'PutEvents', fault: 'throttle' },
  { operation: 'PutEvents', fault: 'reset' },
  { operation: 'PutEvents', fault: 'partial-failure' },
  { operation: 'PutEvents', fault: 'lost-response', window: true },
  { operation: 'DeleteItem', fault: 'http500' },
  { operation: 'UpdateItem', fault: 'http500', window: true },
  { operation: 'UpdateItem', fault: 'throttle', window: true },
];

/** The event id a faulted request was about, read from the request body. */
function eventIdOf(operation: string, body: Buffer): string | undefined {
  if (!isUtf8(body)) return undefined;
  try {
    const request = JSON.parse(body.toString('utf8')) as {
      Key?: { pk?: { S?: string } };
      Entries?: { Detail?: string }[];
    };
    if (operation === 'PutEvents') {
      const detail = JSON.parse(request.Entries?.[0]?.Detail ?? '{}') as { id?: unknown };
      return typeof detail.id === 'string' ? detail.id : undefined;
    }
    return request.Key?.pk?.S?.replace(/^complycube#/, '');
  } catch {
    return undefined;
  }
}

/**
 * Event ids the receiver's own log lines put in the window: a PutEvents the SDK retried (the first
 * attempt may have landed), a PutEvents that failed in transport (it may have landed), a completion
 * that failed, or a lease lost to another attempt. No fault needs injecting for these: a slow emulator
 * is enough.
 */
export function windowEvidence(log: string): Set<string> {
  const ids = new Set<string>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const id = fields.eventId;
    if (typeof id !== 'string') continue;
    // A PutEvents that failed in transport (a timeout, a cut or garbled answer), rather than with
    // an answer from the bus, may have reached it: the receiver cannot tell, and neither can we.
    const ambiguousPublish =
      fields.errorName === 'PublishError' &&
      fields.cause1Name !== undefined &&
      fields.cause1Status === undefined;
    if (
      (typeof fields.publishAttempts === 'number' && fields.publishAttempts > 1) ||
      ambiguousPublish ||
      fields.completionFailed === true ||
      fields.leaseLost === true
    ) {
      ids.add(id);
    }
  }
  return ids;
}

/**
 * Runs a soak against emulators whose endpoints are already in the environment (see
 * `useEmulatorEnv`). The receiver runs in this process; call it once per process.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  if (options.endpoints !== undefined) setEmulatorEndpoints(options.endpoints);
  const endpoints = useEmulatorEnv();
  const resources = await createTestResources('soak', { secretValue: SECRET, enableTtl: false });
  const queue = await subscribeQueue(resources.eventBusName, { source: ['com.complycube'] });
  const [dynamodb, eventBridge] = await Promise.all([
    startFaultInjector(endpoints.dynamodb),
    startFaultInjector(endpoints.moto),
  ]);
  const rate = (options.faultRate ?? 0.03) / NOISE.filter((n) => n.operation === 'PutItem').length;
  const windowHit = new Set<string>();
  for (const noise of NOISE) {
    const injector = noise.operation === 'PutEvents' ? eventBridge : dynamodb;
    injector.inject({ operation: noise.operation, fault: noise.fault, probability: rate });
  }
  const windowFaults = new Set(NOISE.filter((n) => n.window).map((n) => `${n.operation}:${n.fault}`));
  const record = (operation: string, fault: InjectedFault, body: Buffer) => {
    const id = eventIdOf(operation, body);
    if (id !== undefined && windowFaults.has(`${operation}:${fault}`)) windowHit.add(id);
  };
  dynamodb.onFault = record;
  eventBridge.onFault = record;

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
    ...receiverEnv(resources),
    // A claim left by a failed release blocks retries until its lease ends, so the shortest lease
    // the receiver accepts keeps the run short: the function timeout plus the margin, as the
    // construct derives it (15 s; ComplyCube's compressed retries still span two minutes).
    CLAIM_LEASE_SECONDS: String(FUNCTION_TIMEOUT_MS / 1000 + LEASE_MARGIN_SECONDS),
  });
  const write = process.stdout.write.bind(process.stdout);
  // The receiver's JSON log lines would drown the summary; they are kept to read the window from.
  const logText: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logText.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  // The bytes Lambda runs, each request with the remaining time Lambda would give it (issue 14).
  const handler = await loadBundledHandler();
  const server = await startFunctionUrlServer((event) => handler(event, invocationContext()));

  try {
    const types = listFixtureTypes();
    const events = Array.from({ length: options.events }, (_, i) =>
      JSON.stringify(withFreshId(loadFixture(types[i % types.length] ?? 'check.pending'))),
    );
    const report = await simulateProvider({
      url: server.url,
      secret: SECRET,
      events,
      concurrency: options.concurrency ?? 8,
      seed: options.seed ?? 1,
      timeScale: options.timeScale ?? 0.001,
    });
    const seen = new Map<string, number>();
    for (const envelope of await drainQueue(queue)) {
      const id = (envelope.detail as { id?: string }).id ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const id of windowEvidence(logText.join(''))) windowHit.add(id);
    const ids = events.map((e) => (JSON.parse(e) as { id: string }).id);
    const lost = ids.filter((id) => !seen.has(id)).length;
    const twice = ids.filter((id) => (seen.get(id) ?? 0) > 1);
    const inWindow = twice.filter((id) => windowHit.has(id) && (seen.get(id) ?? 0) <= 2);
    const logLines = logText.join('').split('\n');
    const unexplained = twice
      .filter((id) => !inWindow.includes(id))
      .map((id) => ({ id, log: logLines.filter((line) => line.includes(id)) }));
    return {
      report,
      sent: ids.length,
      onBus: ids.filter((id) => seen.has(id)).length,
      lost,
      publishedTwice: twice.length - inWindow.length,
      twiceInWindow: inWindow.length,
      unexplained,
      faults: { ...dynamodb.applied, ...eventBridge.applied },
      p50Ms: percentile(report.latenciesMs, 50),
      p99Ms: percentile(report.latenciesMs, 99),
    };
  } finally {
    process.stdout.write = write;
    await server.close();
    await Promise.all([dynamodb.stop(), eventBridge.stop()]);
  }
}

/** `soak: 10000 sent, 10000 on bus, 0 lost, 0 published twice, 1234 retries, p50 7 ms, p99 40 ms` */
export function summaryLine(result: SoakResult): string {
  const faults = Object.values(result.faults).reduce((a, b) => a + b, 0);
  return (
    `soak: ${result.sent} sent, ${result.onBus} on bus, ${result.lost} lost, ` +
    `${result.publishedTwice} published twice, ${result.report.retries} retries, ` +
    `p50 ${Math.round(result.p50Ms)} ms, p99 ${Math.round(result.p99Ms)} ms ` +
    `(${result.report.deliveries} deliveries, ${faults} faults injected, ` +
    `${result.twiceInWindow} twice in the documented window)`
  );
}

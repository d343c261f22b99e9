/**
 * Takes what the rules matched (from each rule's tap queue in moto) to the rule's targets: a
 * subscriber function is invoked with the event EventBridge would hand it, and retried the way
 * Lambda retries an asynchronous invocation; a queue target was already delivered by moto.
 *
 * EventBridge invokes Lambda targets asynchronously. A function that throws is therefore retried by
 * Lambda (twice by default, after 1 and then 2 minutes, or as its EventInvokeConfig says), and after
 * the last attempt the event goes to the function's on-failure destination or dead-letter queue, or
 * is dropped when it has neither. The rule target's own retry policy and dead-letter queue only come
 * into play when EventBridge cannot hand the event to Lambda at all (throttling, a deleted function,
 * a missing permission), which cannot happen locally.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { LocalFunction } from './lambda-host.js';
import { type DeliveryRecord, type Reporter, subscriberOutcome } from './live-log.js';
import type { EmulatorClients, LocalRule, ProvisionedStack } from './provision.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, referencedId, resolveValue } from './template.js';

/** An event as EventBridge hands it to a target. */
export interface BusEvent {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** Lambda's waits before the retries of an asynchronous invocation. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];
const DEFAULT_LAMBDA_RETRIES = 2;
const POLL_INTERVAL_MS = 250;

interface Match {
  readonly rule: LocalRule;
  readonly event: BusEvent;
  readonly keys: readonly string[];
}

/**
 * Keys that tie a bus event back to the request that published it: the digest of its detail as
 * canonical JSON (the receivers publish the body as the detail), and the body digest a quarantined
 * event carries.
 */
export function eventKeys(detail: unknown): string[] {
  const keys = [`json:${canonicalDigest(detail)}`];
  if (
    typeof detail === 'object' &&
    detail !== null &&
    typeof (detail as Record<string, unknown>).bodySha256 === 'string'
  ) {
    keys.push(`body:${(detail as Record<string, unknown>).bodySha256 as string}`);
  }
  return keys;
}

/** The keys of a request body, to compare with `eventKeys` of what it published. */
export function requestKeys(body: Buffer): string[] {
  const keys = [`body:${createHash('sha256').update(body).digest('hex')}`];
  try {
    keys.push(`json:${canonicalDigest(JSON.parse(body.toString('utf8')))}`);
  } catch {
    // Not JSON: only the body digest can match (a quarantined body).
  }
  return keys;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function eventId(event: BusEvent): string | undefined {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null) return undefined;
  const id = (detail as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** moto's SQS copy of an event, in the shape (and key order) EventBridge gives a Lambda target. */
export function toBusEvent(body: string): BusEvent {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return {
    version: String(parsed.version ?? '0'),
    id: String(parsed.id ?? randomUUID()),
    'detail-type': String(parsed['detail-type'] ?? ''),
    source: String(parsed.source ?? ''),
    account: String(parsed.account ?? LOCAL_ACCOUNT),
    time: String(parsed.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')),
    region: String(parsed.region ?? LOCAL_REGION),
    resources: Array.isArray(parsed.resources) ? parsed.resources.map(String) : [],
    detail: parsed.detail ?? {},
  };
}

/** What a rule does with an event, for observers: its targets by kind and name. */
export interface RoutedTo {
  readonly rule: string;
  readonly bus: string;
  readonly targets: readonly { readonly kind: 'function' | 'queue' | 'other'; readonly name: string }[];
}

/** Told what the router does, with the bus event itself (the log records carry only its id and type). */
export interface RouterObserver {
  /** A rule matched `event` and it is being handed to the rule's targets. */
  routed?(event: BusEvent, to: RoutedTo): void;
  /** One attempt of a subscriber function at `event`: the record the live log got. */
  delivered?(event: BusEvent, record: DeliveryRecord): void;
}

export interface RouterOptions {
  readonly stacks: readonly ProvisionedStack[];
  readonly clients: EmulatorClients;
  /** Local functions by `<stack>/<logical id>`. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly report: Reporter;
  /** Multiplies Lambda's retry waits. */
  readonly timeScale: number;
  /** Deliver each event to each function a second time once the first delivery is over. @default false */
  readonly deliverTwice?: boolean;
  /** @default none */
  readonly observer?: RouterObserver;
}

/**
 * Polls every rule's tap queue and delivers what it finds. A request in flight can `hold` the keys
 * of its body, so what it published is routed only after its own log line (`release`).
 *
 * @example
 * const router = new EventRouter(options); router.start();
 * router.hold(keys); … await router.sync(); router.release(keys); await router.stop();
 */
export class EventRouter {
  private readonly rules: LocalRule[];
  private readonly held = new Map<string, number>();
  private readonly parked: Match[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private queued: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: RouterOptions) {
    this.rules = options.stacks.flatMap((stack) => stack.rules);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        await this.sync().catch((error: unknown) => {
          if (!this.stopping.signal.aborted) {
            this.options.report({
              kind: 'warning',
              text: `Reading the rules' matches failed: ${String(error)}`,
            });
          }
        });
        await delay(POLL_INTERVAL_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    })();
  }

  /** Resolves once every tap queue has been read to empty, by a pass that started after this call. */
  sync(): Promise<void> {
    // Callers that arrive while a pass is queued but not started share it.
    this.queued ??= this.chain.then(async () => {
      this.queued = undefined;
      await this.pass();
    });
    this.chain = this.queued;
    return this.queued;
  }

  /** Holds back the routing of events with these keys until `release`. */
  hold(keys: readonly string[]): void {
    for (const key of keys) this.held.set(key, (this.held.get(key) ?? 0) + 1);
  }

  /**
   * Releases held keys and returns the rules that matched the events they held (after a `sync`,
   * that is every rule that will ever match them), then routes those events.
   */
  release(keys: readonly string[], describe?: { eventType?: string; eventId?: string }): string[] {
    for (const key of keys) {
      const count = (this.held.get(key) ?? 0) - 1;
      if (count > 0) this.held.set(key, count);
      else this.held.delete(key);
    }
    const mine = this.parked.filter((match) => match.keys.some((key) => keys.includes(key)));
    const rules = [...new Set(mine.map((match) => match.rule.spec.displayName))];
    if (describe !== undefined) {
      this.options.report({
        kind: 'routing',
        eventType: describe.eventType ?? mine[0]?.event['detail-type'] ?? '',
        ...(describe.eventId === undefined ? {} : { eventId: describe.eventId }),
        rules,
        external: false,
      });
    }
    for (const match of mine) {
      if (match.keys.some((key) => this.held.has(key))) continue;
      this.parked.splice(this.parked.indexOf(match), 1);
      this.route(match);
    }
    return rules;
  }

  /** Stops polling, and waits for invocations under way (pending retries are dropped). */
  async stop(): Promise<number> {
    this.stopping.abort();
    await this.loop;
    await this.chain.catch(() => undefined);
    const dropped = this.inFlight.size;
    await Promise.allSettled([...this.inFlight]);
    return dropped;
  }

  private async pass(): Promise<void> {
    await Promise.all(this.rules.map((rule) => this.drain(rule)));
  }

  private async drain(rule: LocalRule): Promise<void> {
    const { sqs } = this.options.clients;
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: rule.tapQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) return;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: rule.tapQueueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      for (const message of Messages) {
        const event = toBusEvent(message.Body ?? '{}');
        const match: Match = { rule, event, keys: eventKeys(event.detail) };
        if (match.keys.some((key) => this.held.has(key))) {
          this.parked.push(match);
        } else {
          const id = eventId(event);
          this.options.report({
            kind: 'routing',
            eventType: event['detail-type'],
            ...(id === undefined ? {} : { eventId: id }),
            rules: [rule.spec.displayName],
            external: true,
          });
          this.route(match);
        }
      }
    }
  }

  private route(match: Match): void {
    const id = eventId(match.event);
    this.options.observer?.routed?.(match.event, {
      rule: match.rule.spec.displayName,
      bus: match.rule.busName,
      targets: match.rule.targets.map((t) =>
        t.kind === 'function'
          ? { kind: 'function', name: t.fn.displayName }
          : t.kind === 'queue'
            ? { kind: 'queue', name: t.queueName }
            : { kind: 'other', name: t.description },
      ),
    });
    for (const target of match.rule.targets) {
      if (target.kind === 'queue') {
        this.options.report({
          kind: 'queue',
          rule: match.rule.spec.displayName,
          queue: target.queueName,
          eventType: match.event['detail-type'],
          ...(id === undefined ? {} : { eventId: id }),
        });
      } else if (target.kind === 'function') {
        const deliver = () =>
          this.invokeWithRetries(match, target.fn.logicalId, target.target.input, target.target.inputPath);
        // EventBridge delivers at least once: the second copy shows what a subscriber does with one.
        const work = (this.options.deliverTwice === true ? deliver().then(deliver) : deliver()).finally(() =>
          this.inFlight.delete(work),
        );
        this.inFlight.add(work);
      }
    }
  }

  private async invokeWithRetries(
    match: Match,
    functionId: string,
    input: unknown,
    inputPath: unknown,
  ): Promise<void> {
    const { rule, event } = match;
    const stack = this.options.stacks.find((s) => s.model.stackName === rule.stackName);
    const fn = this.options.functions.get(`${rule.stackName}/${functionId}`);
    const spec = stack?.functions.get(functionId);
    if (stack === undefined || fn === undefined || spec === undefined) return;
    const config = stack.invokeConfigs.get(functionId);
    const retries = Math.max(0, Math.min(2, config?.maximumRetryAttempts ?? DEFAULT_LAMBDA_RETRIES));
    const maxAttempts = retries + 1;
    const payload = targetInput(event, input, inputPath);
    // Lambda keeps the request id across the retries of one asynchronous invocation.
    const requestId = randomUUID();
    const id = eventId(event);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await fn.invoke(payload, requestId);
      const awsWait = LAMBDA_RETRY_DELAYS_MS[attempt - 1] ?? 120_000;
      const wait = Math.round(awsWait * this.options.timeScale);
      const last = attempt === maxAttempts;
      const finalOutcome =
        !result.ok && last
          ? await this.afterLastFailure(stack, functionId, payload, requestId, attempt, result.error)
          : undefined;
      const record: DeliveryRecord = {
        kind: 'delivery',
        rule: rule.spec.displayName,
        function: spec.displayName,
        eventType: event['detail-type'],
        ...(id === undefined ? {} : { eventId: id }),
        requestId,
        attempt,
        maxAttempts,
        outcome: result.ok ? 'ok' : 'failed',
        durationMs: result.durationMs,
        ...(result.initMs === undefined ? {} : { initMs: result.initMs }),
        ...(result.error === undefined
          ? {}
          : { error: { type: result.error.errorType, message: result.error.errorMessage } }),
        output: result.output,
        ...subscriberOutcome(result.output),
        ...(!result.ok && !last ? { retryInMs: wait, awsRetryInMs: awsWait } : {}),
        ...(finalOutcome === undefined ? {} : { finalOutcome }),
      };
      this.options.report(record);
      this.options.observer?.delivered?.(event, record);
      if (result.ok || last) return;
      const waited = await delay(wait, true, { signal: this.stopping.signal }).catch(() => false);
      if (!waited) return;
    }
  }

  /** Where a failed event goes after Lambda's last retry: the function's destination or DLQ, else nowhere. */
  private async afterLastFailure(
    stack: ProvisionedStack,
    functionId: string,
    payload: unknown,
    requestId: string,
    attempts: number,
    error: { errorType: string; errorMessage: string } | undefined,
  ): Promise<string> {
    const spec = stack.functions.get(functionId);
    const config = stack.invokeConfigs.get(functionId);
    const onFailure = referencedId(config?.onFailure);
    const deadLetter = referencedId(spec?.deadLetterTarget);
    const functionArn = String(
      resolveValue({ 'Fn::GetAtt': [functionId, 'Arn'] }, stack.physical, stack.model.stackName),
    );
    const send = async (
      queueId: string,
      body: string,
      attributes: Record<string, string>,
    ): Promise<boolean> => {
      const url = stack.queueUrls.get(queueId);
      if (url === undefined) return false;
      await this.options.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
      return true;
    };
    const queueName = (id: string): string =>
      stack.model.queues.find((q) => q.logicalId === id)?.displayName ?? id;
    if (onFailure !== undefined) {
      const record = {
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId,
          functionArn: `${functionArn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: attempts,
        },
        requestPayload: payload,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: error?.errorType, errorMessage: error?.errorMessage },
      };
      if (await send(onFailure, JSON.stringify(record), {})) {
        return `Gave up after ${attempts} attempts: sent to ${queueName(onFailure)}, the function's on-failure destination.`;
      }
    }
    if (deadLetter !== undefined) {
      const sent = await send(deadLetter, JSON.stringify(payload), {
        RequestID: requestId,
        ErrorCode: '200',
        ErrorMessage: error?.errorMessage ?? '',
      });
      if (sent)
        return `Gave up after ${attempts} attempts: sent to ${queueName(deadLetter)}, the function's dead-letter queue.`;
    }
    return `Gave up after ${attempts} attempts. In AWS this event would now be lost: the function has no on-failure destination or dead-letter queue (the rule's dead-letter queue only takes events EventBridge could not hand to Lambda).`;
  }
}

/** What a target with `Input` or `InputPath` gets instead of the whole event. */
function targetInput(event: BusEvent, input: unknown, inputPath: unknown): unknown {
  if (typeof input === 'string') return JSON.parse(input) as unknown;
  if (typeof inputPath === 'string' && inputPath.startsWith('$')) {
    let value: unknown = event;
    for (const part of inputPath
      .replace(/^\$\.?/, '')
      .split('.')
      .filter((p) => p !== '')) {
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
    }
    return value;
  }
  return event;
}

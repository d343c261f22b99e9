/**
 * The runtime of a subscriber, free of any SDK: read the event at the edge, then `once` and
 * `order: 'latest'`, then the user's code, with the outcome logged and counted. `on-events.ts` wires
 * it to DynamoDB, SQS and S3 from the environment the construct sets.
 */
import { createHash } from 'node:crypto';
import { LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { matchesPattern } from '../../contract/event-types.js';
import {
  DEFAULT_SUBSCRIBER_METRICS_NAMESPACE,
  OUTCOME,
  type Outcome,
  SUBSCRIBER_METRIC,
  SUBSCRIBER_METRIC_DIMENSION,
} from '../../contract/subscriber.js';
import { parseTimestamp } from '../receiver/providers/provider.js';
import type { DeadLetters } from './dead-letters.js';
import type { EventFor, SubscriberEvent } from './events.js';
import type { SubscriberLedger } from './ledger.js';
import { readEvent, readStoredBody } from './read-event.js';
import type { StoredPayloads } from './stored-payloads.js';

/** What Lambda passes as the second argument; only these members are read. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly invokedFunctionArn?: string;
  readonly awsRequestId?: string;
}

export interface OnEventsOptions<P extends string = string> {
  /**
   * The patterns the subscription was made with (`['check.completed*']`), as `subscribe()` takes
   * them. The handler's event is typed to the documented types they match (plus `UnknownEvent`),
   * and an event of a type they do not match is refused to the dead-letter queue.
   * @default - every type
   */
  readonly types?: readonly P[];
  /**
   * Run the handler at most once per event id for this subscription: a copy of an event whose
   * handler already succeeded is skipped ("skipped: duplicate"). Needs `{ once: true }` on
   * `subscribe()` too, which creates the table.
   * @default false
   */
  readonly once?: boolean;
  /**
   * `'latest'`: skip an event whose resource (resource type + payload id) already had an event for
   * a state as new or newer ("skipped: stale"). Ordered by `payload.updatedAt`, else the event's
   * `createdAt`; on equal times the first event to get there wins. Needs `{ order: 'latest' }` on
   * `subscribe()` too.
   * @default 'any'
   */
  readonly order?: 'latest' | 'any';
}

/** The user's code. Throw to have the event retried (Lambda retries twice, then the dead-letter queue). */
export type EventHandler<E> = (event: E) => Promise<void> | void;

/** The function Lambda calls. */
export type LambdaHandler = (event: unknown, context: InvocationContext) => Promise<void>;

export interface SubscriberDeps {
  /** The subscription's name: in every log line and metric, and the prefix of every table record. */
  readonly subscription: string;
  /** Required by `once` and by `order: 'latest'`. */
  readonly ledger?: SubscriberLedger;
  /** Where invalid events go at once; without it they are thrown, so Lambda's retries and on-failure destination take them. */
  readonly deadLetters?: DeadLetters;
  readonly storedPayloads?: StoredPayloads;
  readonly now?: () => number;
  readonly write?: (line: string) => void;
  readonly metricsNamespace?: string;
}

/** An event that is not valid, when no dead-letter queue is configured to take it directly. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** Another copy of the event holds its claim; thrown so Lambda retries this copy later. */
export class EventInProgressError extends Error {
  override readonly name = 'EventInProgressError';
}

/** A longer lease than any Lambda invocation, used when the context does not say how long is left. */
const MAX_INVOCATION_MS = 15 * 60 * 1000;

/**
 * Builds the Lambda handler from the options, the user's code and the outside world. Configuration
 * mistakes (an option without its table) throw here, at cold start, with what to change.
 */
export function createSubscriber<P extends string>(
  options: OnEventsOptions<P>,
  handler: EventHandler<EventFor<P>>,
  deps: SubscriberDeps,
): LambdaHandler {
  const once = options.once === true;
  const latest = options.order === 'latest';
  const { ledger } = deps;
  if ((once || latest) && ledger === undefined) {
    throw new Error(
      `onEvents({ ${once ? 'once: true' : "order: 'latest'"} }) needs the subscription's table: pass the same option to subscribe() for this function, which creates the table and sets its name in the environment.`,
    );
  }
  const now = deps.now ?? Date.now;
  const write = deps.write ?? ((line: string) => process.stdout.write(line));
  const namespace = deps.metricsNamespace ?? DEFAULT_SUBSCRIBER_METRICS_NAMESPACE;
  const matches = (type: string): boolean =>
    options.types === undefined || options.types.some((pattern) => matchesPattern(type, pattern));

  const log = (outcome: Outcome, fields: Record<string, unknown>, level = 'info'): void => {
    const metric = SUBSCRIBER_METRIC[outcome];
    write(
      `${JSON.stringify({
        level,
        message: outcome,
        subscription: deps.subscription,
        ...fields,
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [[SUBSCRIBER_METRIC_DIMENSION]],
              Metrics: [{ Name: metric, Unit: 'Count' }],
            },
          ],
        },
        [SUBSCRIBER_METRIC_DIMENSION]: deps.subscription,
        [metric]: 1,
      })}\n`,
    );
  };
  const note = (level: string, message: string, fields: Record<string, unknown>): void => {
    write(`${JSON.stringify({ level, message, subscription: deps.subscription, ...fields })}\n`);
  };

  const reject = async (input: unknown, context: InvocationContext, reason: string): Promise<void> => {
    const fields = { reason, ...busIds(input) };
    if (deps.deadLetters === undefined) {
      // No queue to hand it to: thrown, it reaches the on-failure destination after Lambda's retries.
      throw new InvalidEventError(`The event is not valid: ${reason}.`);
    }
    try {
      await deps.deadLetters.send({
        reason,
        event: input,
        functionArn: context.invokedFunctionArn,
        requestId: context.awsRequestId,
        time: new Date(now()),
      });
    } catch (error) {
      throw new InvalidEventError(
        `The event is not valid (${reason}), and the dead-letter queue refused it.`,
        {
          cause: error,
        },
      );
    }
    log(OUTCOME.rejected, fields, 'error');
  };

  return async (input, context) => {
    const event = await read(input, deps.storedPayloads);
    if (!event.ok) return reject(input, context, event.reason);
    const subscriberEvent = event.event;
    if (!matches(subscriberEvent.type)) {
      return reject(
        input,
        context,
        `type '${subscriberEvent.type}' is not among this handler's types (${options.types?.join(', ')})`,
      );
    }
    const fields: Record<string, unknown> = { eventId: subscriberEvent.id, eventType: subscriberEvent.type };
    if ('catchUp' in subscriberEvent && subscriberEvent.catchUp !== undefined) fields.catchUp = true;

    let claim: Awaited<ReturnType<SubscriberLedger['claimEvent']>> | undefined;
    if (once && ledger !== undefined) {
      const remaining = context.getRemainingTimeInMillis();
      // Past the invocation's end by the receiver's margin: a copy on another host, whose clock may
      // run ahead of this one, must not take the claim over while this handler still runs.
      const lease =
        now() +
        (Number.isFinite(remaining) && remaining > 0 ? remaining : MAX_INVOCATION_MS) +
        LEASE_MARGIN_SECONDS * 1000;
      claim = await ledger.claimEvent(eventKey(deps.subscription, subscriberEvent), lease);
      if (claim.outcome === 'duplicate') return log(OUTCOME.duplicate, fields);
      if (claim.outcome === 'in_progress') {
        throw new EventInProgressError(
          `Event ${subscriberEvent.id} is being handled by another invocation until ${new Date(claim.leaseExpiresAt).toISOString()}; this copy is retried.`,
        );
      }
      if (claim.tookOver) fields.tookOver = true;
    }
    const held = claim?.outcome === 'claimed' ? claim.claim : undefined;

    try {
      if (latest && ledger !== undefined) {
        const resource = resourceOf(subscriberEvent);
        if (resource === undefined) {
          fields.order = 'not applied: the payload has no id';
        } else {
          const position = await ledger.claimPosition(positionKey(deps.subscription, resource.key), {
            at: resource.at,
            eventId: subscriberEvent.id,
          });
          if (position.outcome === 'stale') {
            if (held !== undefined) await ledger.completeEvent(held);
            return log(OUTCOME.stale, {
              ...fields,
              eventAt: new Date(resource.at).toISOString(),
              newestAt: Number.isFinite(position.held.at)
                ? new Date(position.held.at).toISOString()
                : undefined,
              newestEventId: position.held.eventId,
            });
          }
        }
      }
      await handler(subscriberEvent as EventFor<P>);
    } catch (error) {
      if (held !== undefined && ledger !== undefined) {
        await ledger.releaseEvent(held).catch((releaseError: unknown) => {
          // The claim stays until the lease ends; this event's retries are refused as in progress
          // until then, and it reaches the dead-letter queue if they run out: nothing is lost.
          note('error', 'could not release the claim after the handler failed', {
            ...fields,
            error: describe(releaseError),
          });
        });
      }
      throw error;
    }

    if (held !== undefined && ledger !== undefined) {
      try {
        const completed = await ledger.completeEvent(held);
        if (completed === 'lease_lost') fields.leaseLost = true;
      } catch (error) {
        // The handler has run: failing the invocation now would run it again on the retry. The
        // claim stays in progress until the lease ends; a copy arriving after that runs again
        // (docs/subscribers.md, "When the record cannot be written").
        fields.recordFailed = describe(error);
        return log(OUTCOME.ran, fields, 'error');
      }
    }
    log(OUTCOME.ran, fields);
  };
}

type Read =
  | { readonly ok: true; readonly event: SubscriberEvent }
  | { readonly ok: false; readonly reason: string };

async function read(input: unknown, storedPayloads: StoredPayloads | undefined): Promise<Read> {
  const result = readEvent(input);
  if (result.ok !== 'stored') return result;
  if (storedPayloads === undefined)
    return { ok: false, reason: 'the event was stored in S3 and this subscriber cannot fetch it' };
  // A failure to fetch is ours (permissions, S3): thrown, so Lambda retries it.
  const body = await storedPayloads.get(result.pointer);
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (body.length !== result.pointer.bytes || sha256 !== result.pointer.sha256) {
    return {
      ok: false,
      reason: `the stored body at ${result.pointer.key} is not the one the event points at`,
    };
  }
  const stored = readStoredBody(body.toString('utf8'), result.source, result.detailType);
  return stored.ok === 'stored' ? { ok: false, reason: 'the stored body is itself a pointer' } : stored;
}

function eventKey(subscription: string, event: SubscriberEvent): string {
  return `${subscription}#event#${event.provider}#${event.id}`;
}

function positionKey(subscription: string, resource: string): string {
  return `${subscription}#latest#${resource}`;
}

/**
 * The resource an event is about and the time of the state it describes: `payload.updatedAt`
 * when it is a valid date and time, else the event's `createdAt`.
 */
export function resourceOf(
  event: SubscriberEvent,
): { readonly key: string; readonly at: number } | undefined {
  const id = event.payload.id;
  const textId = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  if (textId === undefined || textId.length === 0) return undefined;
  const updatedAt = parseTimestamp('updatedAt' in event.payload ? event.payload.updatedAt : undefined);
  const at = (updatedAt ?? parseTimestamp(event.createdAt))?.getTime();
  if (at === undefined) return undefined;
  return { key: `${event.provider}#${event.resourceType}#${textId}`, at };
}

/** The ids of the bus event, for a refusal's log line; never its content. */
function busIds(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return {};
  const record = input as Record<string, unknown>;
  return {
    busEventId: typeof record.id === 'string' ? record.id : undefined,
    source: typeof record.source === 'string' ? record.source : undefined,
    detailType: typeof record['detail-type'] === 'string' ? record['detail-type'] : undefined,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

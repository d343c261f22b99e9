/**
 * `onEvents`: the one function a subscriber's handler file calls. Reads the subscription's
 * settings from the environment the construct sets, builds the clients once per cold start, and
 * hands every invocation to the runtime (`subscriber.ts`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_POSITION_RETENTION_DAYS,
  SUBSCRIBER_ENV,
} from '../../contract/subscriber.js';
import type { DeadLetters } from './dead-letters.js';
import { DynamoDbSubscriberLedger } from './dynamodb-subscriber-ledger.js';
import type { EventFor } from './events.js';
import type { StoredPayloads } from './stored-payloads.js';
import {
  createSubscriber,
  type EventHandler,
  type LambdaHandler,
  type OnEventsOptions,
} from './subscriber.js';

const DAY_SECONDS = 86_400;

/**
 * Wraps your code as a subscriber's Lambda handler: the event arrives validated and typed, and
 * `once` / `order: 'latest'` keep duplicates and stale states away from it.
 *
 * @example
 * export const handler = onEvents(
 *   { types: ['check.completed*'], once: true, order: 'latest' },
 *   async (event) => {
 *     if (!event.known) return; // a type this version does not document yet
 *     console.log(event.payload.id, event.payload.outcome);
 *   },
 * );
 */
export function onEvents<const P extends string = string>(
  options: OnEventsOptions<P>,
  handler: EventHandler<EventFor<P>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LambdaHandler {
  const subscription = env[SUBSCRIBER_ENV.subscription] ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'subscriber';
  const tableName = env[SUBSCRIBER_ENV.table];
  const needsTable = options.once === true || options.order === 'latest';
  if (needsTable && (tableName === undefined || tableName === '')) {
    throw new Error(
      `onEvents({ ${options.once === true ? 'once: true' : "order: 'latest'"} }): ${SUBSCRIBER_ENV.table} is not set. Pass the same option to receiver.subscribe() for this function; it creates the table and sets the variable.`,
    );
  }
  const ledger =
    needsTable && tableName !== undefined
      ? new DynamoDbSubscriberLedger({
          client: new DynamoDBClient({}),
          tableName,
          eventRetentionSeconds: DEFAULT_EVENT_RETENTION_DAYS * DAY_SECONDS,
          positionRetentionSeconds: DEFAULT_POSITION_RETENTION_DAYS * DAY_SECONDS,
        })
      : undefined;
  const queueUrl = env[SUBSCRIBER_ENV.deadLetterQueueUrl];
  return createSubscriber(options, handler, {
    subscription,
    ledger,
    deadLetters: queueUrl === undefined || queueUrl === '' ? undefined : lazyDeadLetters(queueUrl),
    storedPayloads: lazyStoredPayloads(),
    metricsNamespace: env[SUBSCRIBER_ENV.metricsNamespace],
  });
}

/**
 * The SQS and S3 clients are loaded on first use: invalid and oversized events are rare, and a
 * subscriber should not pay their load time on every cold start.
 */
function lazyDeadLetters(queueUrl: string): DeadLetters {
  let loaded: Promise<DeadLetters> | undefined;
  return {
    async send(letter) {
      loaded ??= import('./sqs-dead-letters.js').then(({ SqsDeadLetters }) => new SqsDeadLetters(queueUrl));
      await (await loaded).send(letter);
    },
  };
}

function lazyStoredPayloads(): StoredPayloads {
  let loaded: Promise<StoredPayloads> | undefined;
  return {
    async get(pointer) {
      loaded ??= import('./s3-stored-payloads.js').then(({ S3StoredPayloads }) => new S3StoredPayloads());
      return (await loaded).get(pointer);
    },
  };
}

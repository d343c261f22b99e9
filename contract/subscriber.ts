/**
 * The names a subscription's construct and the subscriber runtime (`functions/subscriber`) share:
 * environment variables, table attributes, log messages, metric names (docs/subscribers.md).
 */

/** Environment variables the construct sets on a subscriber function (values are names, never secrets). */
export const SUBSCRIBER_ENV = {
  /** The subscription's name: prefixes every record in the table, dimensions every metric. */
  subscription: 'SUBSCRIPTION_NAME',
  /** The table of `once` and `order: 'latest'` records. Set when the subscription asks for either. */
  table: 'SUBSCRIBER_TABLE_NAME',
  /** The subscription's dead-letter queue, where an event that is not valid goes at once with its reason. */
  deadLetterQueueUrl: 'SUBSCRIPTION_DEAD_LETTER_QUEUE_URL',
  /** CloudWatch namespace of the subscriber metrics. */
  metricsNamespace: 'SUBSCRIBER_METRICS_NAMESPACE',
} as const;

/** The namespace when none is set. */
export const DEFAULT_SUBSCRIBER_METRICS_NAMESPACE = 'ComplyCubeWebhooks/Subscribers';

/** What happened to one event, as the log line's `message` and the live log show it. */
export const OUTCOME = {
  ran: 'ran',
  duplicate: 'skipped: duplicate',
  stale: 'skipped: stale',
  rejected: 'rejected: invalid event',
} as const;

export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** One count per event under its outcome, dimension `Subscription` (embedded metric format). */
export const SUBSCRIBER_METRIC: Readonly<Record<Outcome, string>> = {
  ran: 'EventsRan',
  'skipped: duplicate': 'EventsSkippedDuplicate',
  'skipped: stale': 'EventsSkippedStale',
  'rejected: invalid event': 'EventsRejected',
};

export const SUBSCRIBER_METRIC_DIMENSION = 'Subscription';

/** How long an event id is remembered, so a copy or a redrive within it is a duplicate. */
export const DEFAULT_EVENT_RETENTION_DAYS = 35;
/** How long a resource's position is remembered, so an older state arriving within it is stale. */
export const DEFAULT_POSITION_RETENTION_DAYS = 400;

/** Attribute names of a subscriber table: the construct creates it, the runtime writes it. */
export const SUBSCRIBER_TABLE_ATTRIBUTES = {
  /** `<subscription>#event#<provider>#<event id>` or `<subscription>#latest#<provider>#<resource type>#<id>`. */
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB's TTL may delete the record. */
  ttl: 'expiresAt',
} as const;

/**
 * The names the webhook watcher, the catch-up, their construct and the command line share: the
 * functions' environment, their CloudWatch metrics, and the marker of a caught-up event.
 */

/**
 * The top-level field of a caught-up event's envelope (the bus entry's `detail`). Live deliveries
 * never carry it: `{ "detail": { "catchUp": [{ "exists": true }] } }` matches caught-up events only.
 */
export const CATCH_UP_MARKER_FIELD = 'catchUp';

/** The stack outputs `catch-up --stack` reads besides connect's (the bus, the event types, the API key secret). */
export const CATCH_UP_OUTPUTS = {
  tableName: 'IdempotencyTableName',
  retentionDays: 'IdempotencyRetentionDays',
} as const;

/** The catch-up function's environment (besides the receiver's table, bus and retention names). */
export const CATCH_UP_ENV = {
  /** ARN or name of the secret holding the ComplyCube API key. */
  apiKeySecretId: 'COMPLYCUBE_API_KEY_SECRET_ID',
  /** `*` or the comma-separated exact types the subscriptions need. */
  eventTypes: 'CATCH_UP_EVENT_TYPES',
  /** Objects one invocation lists before it hands over to the next. */
  maxObjects: 'CATCH_UP_MAX_OBJECTS',
} as const;

/** The watcher function's environment (besides the catch-up's). */
export const WATCH_ENV = {
  /** The receiver's function URL: the webhook must point here. */
  receiverUrl: 'RECEIVER_URL',
  /** The webhook's id, when the connect step registered it. */
  webhookId: 'COMPLYCUBE_WEBHOOK_ID',
  /** `true` or `false`: turn a disabled webhook back on when the receiver is healthy. */
  reEnable: 'REENABLE_WEBHOOK',
  /** Hours before the last moment seen enabled that a catch-up starts. */
  lookbackHours: 'CATCH_UP_LOOKBACK_HOURS',
  /** Name of the catch-up function to invoke. */
  catchUpFunction: 'CATCH_UP_FUNCTION_NAME',
} as const;

/**
 * ComplyCube's retry schedule (60 s, 120 s, 480 s, then doubling, ten retries) spans about 34
 * hours; a delivery that failed that long before the webhook was disabled may never have arrived.
 */
export const DEFAULT_LOOKBACK_HOURS = 36;

export const WATCH_METRIC = {
  /** 1 when the webhook was found enabled, 0 when found disabled (even if the run re-enabled it) or missing. */
  webhookEnabled: 'WebhookEnabled',
  /** 1 when no webhook of the account points at this receiver and the stored id is gone. */
  webhookMissing: 'WebhookMissing',
  /** 1 when the webhook points somewhere other than this receiver's function URL. */
  webhookUrlMismatch: 'WebhookUrlMismatch',
  /** How many of the types the subscriptions need the webhook does not send. */
  webhookEventsMissing: 'WebhookEventsMissing',
  /** 1 when the run turned the webhook back on. */
  webhookReEnabled: 'WebhookReEnabled',
  /** 1 when the receiver's probe failed while the webhook was disabled (it stays off). */
  receiverProbeFailures: 'ReceiverProbeFailures',
  /** 1 when a catch-up could not be started (the next run tries again). */
  catchUpStartFailures: 'CatchUpStartFailures',
} as const;

export const CATCH_UP_METRIC = {
  /** Events a catch-up invocation put on the bus. */
  published: 'CatchUpPublished',
  /** Events the ledger already had. */
  alreadyKnown: 'CatchUpAlreadyKnown',
  /** 1 when an invocation ended `failed` (it resumes from its cursor when run again). */
  failures: 'CatchUpFailures',
  /** 1 when an invocation finished its window. */
  completed: 'CatchUpCompleted',
} as const;

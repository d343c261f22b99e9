/**
 * The CloudWatch metrics of the webhook watcher and the catch-up, in the embedded metric format
 * (members of the run's one log line). The construct builds its alarms and widgets from these
 * names; the dimension is the provider only, so every metric is one CloudWatch metric.
 */

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

export const PROVIDER_DIMENSION = 'Provider';

/** The EMF members for one line: the `_aws` directive, the dimension value and each metric's value. */
export function emfOf(
  namespace: string,
  provider: string,
  values: Readonly<Record<string, number>>,
  timestamp: number,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[PROVIDER_DIMENSION]],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    [PROVIDER_DIMENSION]: provider,
    ...values,
  };
}

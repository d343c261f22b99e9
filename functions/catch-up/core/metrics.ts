/**
 * The CloudWatch metrics of the webhook watcher and the catch-up (names in contract/catch-up.ts),
 * in the embedded metric format: members of the run's one log line. The dimension is the provider
 * only, so every metric is one CloudWatch metric.
 */
import { DIMENSION } from '../../../contract/metrics.js';

export { CATCH_UP_METRIC, WATCH_METRIC } from '../../../contract/catch-up.js';

export const PROVIDER_DIMENSION = DIMENSION.provider;

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

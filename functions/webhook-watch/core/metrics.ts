import { WATCH_METRIC } from '../../catch-up/core/metrics.js';
import type { WatchReport } from './watch.js';

/** The metric values of one watcher run. */
export function watchMetrics(report: WatchReport): Record<string, number> {
  const values: Record<string, number> = {
    [WATCH_METRIC.webhookEnabled]: report.webhook === 'enabled' ? 1 : 0,
    [WATCH_METRIC.webhookMissing]: report.webhook === 'missing' ? 1 : 0,
    [WATCH_METRIC.webhookUrlMismatch]: report.webhook !== 'missing' && !report.urlMatches ? 1 : 0,
    [WATCH_METRIC.webhookEventsMissing]: report.missingEventTypes.length,
    [WATCH_METRIC.webhookReEnabled]: report.reEnabled ? 1 : 0,
    [WATCH_METRIC.catchUpStartFailures]: report.catchUpStartError === undefined ? 0 : 1,
  };
  if (report.probe !== undefined) values[WATCH_METRIC.receiverProbeFailures] = report.probe.healthy ? 0 : 1;
  return values;
}

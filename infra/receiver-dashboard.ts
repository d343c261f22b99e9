import { Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DIMENSION, METRIC } from '../contract/metrics.js';
import type { ProviderDescriptor } from '../contract/providers.js';
import { VERDICTS, type Verdict } from '../contract/verdicts.js';
import type { AlarmSources } from './receiver-alarms.js';
import { PERIOD } from './receiver-alarms.js';

/** What the dashboard shows. */
export interface ReceiverDashboardOptions {
  readonly title: string;
  readonly provider: ProviderDescriptor;
  /** The namespace the receiver writes its embedded metrics in. */
  readonly namespace: string;
  readonly function: lambda.IFunction;
  readonly quarantineQueue: sqs.IQueue;
  /** Drawn on the concurrency graph when set. */
  readonly reservedConcurrency: number | undefined;
  /** One of the receiver's own metrics (see `ReceiverMonitoring.metric`). */
  readonly metric: AlarmSources['metric'];
  /** The subscriptions' graphs, filled in as subscriptions are made. */
  readonly deliveries: DeliveryWidgets;
  /** The alarms to list, read when the dashboard is rendered; undefined when there are none. */
  readonly alarms: (() => readonly cloudwatch.IAlarm[]) | undefined;
}

/** The two graphs that grow with every subscription. */
export interface DeliveryWidgets {
  /** Deliveries that failed for good, and dead letters that could not be stored. */
  readonly failures: cloudwatch.GraphWidget;
  /** Each dead-letter queue's depth. */
  readonly deadLetters: cloudwatch.GraphWidget;
}

/** Empty delivery graphs, for `watchDelivery` to add to. */
export function deliveryWidgets(): DeliveryWidgets {
  return {
    failures: new cloudwatch.GraphWidget({
      title: 'Subscriptions: deliveries that failed for good, and dead letters that could not be stored',
      width: 12,
      height: 6,
      left: [],
      leftYAxis: { min: 0, showUnits: false },
    }),
    deadLetters: new cloudwatch.GraphWidget({
      title: 'Dead-letter queue depth (messages waiting for a redrive)',
      width: 12,
      height: 6,
      left: [],
      leftYAxis: { min: 0, showUnits: false },
    }),
  };
}

/**
 * The receiver's dashboard: requests by verdict, forged rate, latency, Lambda health, the
 * quarantine, the subscriptions' deliveries, events per type, and the alarms.
 */
export function receiverDashboard(
  scope: Construct,
  id: string,
  options: ReceiverDashboardOptions,
): cloudwatch.Dashboard {
  const { provider, namespace, metric } = options;
  const fn = options.function;
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    dashboardName: Names.uniqueResourceName(scope, { maxLength: 255, separator: '-' }),
    defaultInterval: Duration.hours(6),
  });
  const verdict = (v: Verdict) => metric(METRIC.requests, { [DIMENSION.verdict]: v }).with({ label: v });

  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: [
        `# ${options.title}`,
        `Requests, verdicts, latency and events per type come from the receiver's log lines (namespace \`${namespace}\`, dimension Provider=${provider.name}); the rest from Lambda, EventBridge and SQS. What each graph means and what to do: README, "Operating it".`,
      ].join('\n\n'),
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Requests by verdict',
      width: 12,
      height: 6,
      stacked: true,
      left: VERDICTS.map(verdict),
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Forged requests (% of all requests)',
      width: 6,
      height: 6,
      left: [
        new cloudwatch.MathExpression({
          expression: '100 * FILL(forged, 0) / total',
          usingMetrics: { forged: verdict('forged'), total: metric(METRIC.requests) },
          period: PERIOD,
          label: 'forged %',
        }),
      ],
      leftYAxis: { min: 0, max: 100, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Duplicates and deliveries still in progress',
      width: 6,
      height: 6,
      left: [verdict('duplicate'), verdict('in_progress')],
      leftYAxis: { min: 0, showUnits: false },
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Publish failures and failed requests (answered 5xx)',
      width: 8,
      height: 6,
      left: [metric(METRIC.publishFailures).with({ label: 'PutEvents failed' }), verdict('failed')],
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Receiver latency (ms)',
      width: 8,
      height: 6,
      left: [
        metric(METRIC.handlerLatency, {}, 'p50').with({ label: 'handler p50' }),
        metric(METRIC.handlerLatency, {}, 'p99').with({ label: 'handler p99' }),
        metric(METRIC.verificationLatency, {}, 'p50').with({ label: 'verification p50' }),
        metric(METRIC.verificationLatency, {}, 'p99').with({ label: 'verification p99' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda duration (ms)',
      width: 8,
      height: 6,
      left: [
        fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Lambda errors and throttles',
      width: 8,
      height: 6,
      left: [
        fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' }),
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Concurrent executions',
      width: 8,
      height: 6,
      left: [fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum', label: 'maximum' })],
      leftAnnotations:
        options.reservedConcurrency === undefined
          ? []
          : [{ value: options.reservedConcurrency, label: 'reservedConcurrency', color: '#d62728' }],
      leftYAxis: { min: 0, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Quarantine queue depth',
      width: 8,
      height: 6,
      left: [
        options.quarantineQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
          label: 'quarantined deliveries',
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
  );
  dashboard.addWidgets(options.deliveries.failures, options.deliveries.deadLetters);
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'New events per type (types outside the catalogue as "other")',
      width: 24,
      height: 6,
      stacked: true,
      left: [
        new cloudwatch.MathExpression({
          expression: `SEARCH('{"${namespace}",${DIMENSION.provider},${DIMENSION.eventType}} MetricName="${METRIC.publishedEvents}" ${DIMENSION.provider}="${provider.name}"', 'Sum', ${PERIOD.toSeconds()})`,
          usingMetrics: {},
          label: '',
          period: PERIOD,
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    }),
  );
  if (options.alarms !== undefined) {
    dashboard.addWidgets(new AlarmsWidget(options.alarms, 'Alarms of this receiver'));
  }
  return dashboard;
}

/**
 * The alarm status widget, read when the dashboard is rendered rather than when it is added, so
 * it lists the alarms of subscriptions made after the receiver.
 */
class AlarmsWidget extends cloudwatch.ConcreteWidget {
  constructor(
    private readonly alarms: () => readonly cloudwatch.IAlarm[],
    private readonly title: string,
  ) {
    super(24, 4);
  }

  toJson(): unknown[] {
    const widget = new cloudwatch.AlarmStatusWidget({
      alarms: [...this.alarms()],
      title: this.title,
      width: this.width,
      height: this.height,
      sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
    });
    widget.position(this.x ?? 0, this.y ?? 0);
    return widget.toJson();
  }
}

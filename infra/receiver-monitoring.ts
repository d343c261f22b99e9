import { Duration, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Verdict } from '../functions/receiver/core/errors.js';
import {
  DIMENSION,
  type DimensionName,
  METRIC,
  type MetricName,
  RECEIVER_METRICS,
  VERDICTS,
} from '../functions/receiver/core/metrics.js';
import type { ProviderSpec } from './providers.js';

/**
 * Which alarms a receiver creates. Every alarm is on unless switched off, except `noEventsFor`,
 * which only makes sense where events arrive steadily.
 */
export interface ReceiverAlarms {
  /** PutEvents failed (the delivery was answered 503 and will be retried). @default true */
  readonly publishFailures?: boolean;
  /** Requests answered 5xx for any other reason: DynamoDB, S3, Secrets Manager, the secret not set. @default true */
  readonly failedRequests?: boolean;
  /** The function crashed, timed out or could not start (Lambda's `Errors`). @default true */
  readonly functionErrors?: boolean;
  /** Lambda refused invocations (`reservedConcurrency` or the account limit reached). @default true */
  readonly throttles?: boolean;
  /** A burst of requests with a bad signature. @default true */
  readonly forgedRequests?: boolean;
  /**
   * Forged requests within five minutes that raise the alarm. The default catches a secret that
   * no longer matches the provider's at its first event: ComplyCube's first two retries come
   * within three minutes.
   * @default 3
   */
  readonly forgedRequestThreshold?: number;
  /** Any message in a subscription's dead-letter queue (one alarm per queue). @default true */
  readonly deadLetters?: boolean;
  /** Any message in the quarantine queue. @default true */
  readonly quarantine?: boolean;
  /**
   * Raise an alarm when no new event was accepted for this long (whole hours, 1 to 168).
   * @default - no such alarm
   */
  readonly noEventsFor?: Duration;
}

export interface ReceiverMonitoringProps {
  readonly provider: ProviderSpec;
  /** The namespace the receiver writes its embedded metrics in. */
  readonly namespace: string;
  readonly function: lambda.IFunction;
  readonly eventBus: events.IEventBus;
  readonly quarantineQueue: sqs.IQueue;
  /** Create a dashboard. */
  readonly dashboard: boolean;
  /** Which alarms to create; `false` for none. */
  readonly alarms: ReceiverAlarms | false;
  /** Where the alarms notify. @default - a new topic, when there are alarms */
  readonly alarmTopic?: sns.ITopic;
  /** Drawn on the concurrency graph when set. */
  readonly reservedConcurrency?: number;
}

const PERIOD = Duration.minutes(5);
const DEFAULT_FORGED_THRESHOLD = 3;
const RUNBOOK = 'Runbook: README, "Operating it".';

/** A subscription (or the quarantine rule) as monitoring sees it. */
export interface WatchedDelivery {
  /** What people call it: the subscription's id, or `quarantine`. */
  readonly name: string;
  readonly rule: events.IRule;
  /** Its dead-letter queue, when it is one we know. */
  readonly deadLetterQueue: sqs.IQueue | undefined;
}

/**
 * Dashboard, alarms and alarm topic of one `WebhookReceiver`. The receiver's own metrics are
 * built only from `RECEIVER_METRICS`, the list the function emits from, so a widget cannot ask
 * for a metric the function never writes.
 *
 * @example
 * const monitoring = receiver.monitoring;
 * new cloudwatch.Alarm(this, 'Mine', { metric: monitoring.metric(METRIC.requests, { Verdict: 'accepted' }), threshold: 100, evaluationPeriods: 1 });
 */
export class ReceiverMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** Where the alarms notify; undefined when alarms are off. */
  readonly alarmTopic: sns.ITopic | undefined;
  /** Every alarm created so far, subscriptions' included. */
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly props: ReceiverMonitoringProps;
  private readonly alarmOptions: ReceiverAlarms | undefined;
  private readonly failuresWidget: cloudwatch.GraphWidget | undefined;
  private readonly deadLettersWidget: cloudwatch.GraphWidget | undefined;
  private readonly watchedQueues = new Set<string>();
  private readonly title: string;

  constructor(scope: Construct, id: string, props: ReceiverMonitoringProps) {
    super(scope, id);
    this.props = props;
    this.title = `${props.provider.displayName} webhooks (${scope.node.path})`;
    this.alarmOptions = props.alarms === false ? undefined : validateAlarms(props.alarms);
    this.alarmTopic = this.alarmOptions === undefined ? undefined : (props.alarmTopic ?? this.createTopic());

    if (this.alarmOptions !== undefined) this.createReceiverAlarms(this.alarmOptions);

    if (props.dashboard) {
      this.failuresWidget = new cloudwatch.GraphWidget({
        title: 'Subscriptions: deliveries that failed for good, and dead letters that could not be stored',
        width: 12,
        height: 6,
        left: [],
        leftYAxis: { min: 0, showUnits: false },
      });
      this.deadLettersWidget = new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth (messages waiting for a redrive)',
        width: 12,
        height: 6,
        left: [],
        leftYAxis: { min: 0, showUnits: false },
      });
      this.dashboard = this.createDashboard();
    }
  }

  /**
   * One of the receiver's own metrics, for your own widgets and alarms. The dimensions must be one
   * of the sets the function emits the metric under (`RECEIVER_METRICS`); `Provider` is filled in.
   *
   * @example
   * monitoring.metric(METRIC.requests, { Verdict: 'forged' });
   * monitoring.metric(METRIC.handlerLatency, {}, 'p99');
   */
  metric(
    name: MetricName,
    dimensions: Partial<Record<Exclude<DimensionName, 'Provider'>, string>> = {},
    statistic = 'Sum',
  ): cloudwatch.Metric {
    const dimensionsMap: Record<string, string> = {
      [DIMENSION.provider]: this.props.provider.definition.name,
      ...dimensions,
    };
    const definition = RECEIVER_METRICS.find((m) => m.name === name);
    const wanted = Object.keys(dimensionsMap).sort().join(',');
    if (
      definition === undefined ||
      !definition.dimensionSets.some((set) => [...set].sort().join(',') === wanted)
    ) {
      throw new Error(
        `The receiver does not emit ${name} with dimensions ${wanted}; it emits: ${RECEIVER_METRICS.map((m) => `${m.name} by ${m.dimensionSets.map((s) => s.join('+')).join(' or ')}`).join('; ')}.`,
      );
    }
    return new cloudwatch.Metric({
      namespace: this.props.namespace,
      metricName: name,
      dimensionsMap,
      statistic,
      period: PERIOD,
    });
  }

  /**
   * Adds a subscription (or the quarantine rule) to the dashboard's delivery widgets, and an alarm
   * on its dead-letter queue. A queue shared by several subscriptions is watched once.
   */
  watchDelivery(delivery: WatchedDelivery): void {
    const failed = this.eventsMetric('FailedInvocations', delivery.rule, `${delivery.name}: failed for good`);
    const lost = this.eventsMetric(
      'InvocationsFailedToBeSentToDlq',
      delivery.rule,
      `${delivery.name}: dead letter lost`,
    );
    this.failuresWidget?.addLeftMetric(failed);
    this.failuresWidget?.addLeftMetric(lost);

    const queue = delivery.deadLetterQueue;
    if (queue === undefined) return;
    const key = Stack.of(this).resolve(queue.queueArn);
    const queueKey = JSON.stringify(key);
    if (this.watchedQueues.has(queueKey)) return;
    this.watchedQueues.add(queueKey);
    const depth = queue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: 'Maximum',
      label: `${delivery.name} dead letters`,
    });
    this.deadLettersWidget?.addLeftMetric(depth);
    if (this.alarmOptions !== undefined && this.alarmOptions.deadLetters !== false) {
      // Names resolve at deploy time, so the command in the notification is ready to paste.
      const redrive = `npx complycube-webhooks redrive --bus ${this.props.eventBus.eventBusName} --rule ${delivery.rule.ruleName}`;
      this.alarm(`DeadLetters${delivery.name}`, {
        summary: `${delivery.name} dead letters`,
        metric: depth,
        threshold: 1,
        description: [
          `Events for ${this.props.provider.displayName} subscription ${delivery.name} could not be delivered to its target after every retry, and wait in its dead-letter queue.`,
          `First check: \`${redrive} --dry-run\` lists them with the ERROR_CODE and ERROR_MESSAGE EventBridge recorded.`,
          'Fix the target (permissions, a deleted function or queue, a bug), then run the same command without --dry-run to deliver them again.',
          RUNBOOK,
        ].join(' '),
      });
    }
  }

  private createReceiverAlarms(options: ReceiverAlarms): void {
    const { displayName } = this.props.provider;
    const fn = this.props.function;
    if (options.publishFailures !== false) {
      this.alarm('PublishFailures', {
        summary: 'publish failures',
        metric: this.metric(METRIC.publishFailures),
        threshold: 1,
        description: [
          `PutEvents to the event bus failed; those ${displayName} deliveries were answered 503 and ${displayName} retries them (README, "What each answer means", says how often).`,
          'First check: the receiver log lines with errorName PublishError: their cause says whether it is throttling, access denied or a bus that no longer exists.',
          'Then that the bus exists and the function may PutEvents on it, and the AWS Health Dashboard for EventBridge.',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.failedRequests !== false) {
      const failed = this.metric(METRIC.requests, { [DIMENSION.verdict]: 'failed' });
      const publish = this.metric(METRIC.publishFailures);
      this.alarm('FailedRequests', {
        summary: 'failed requests',
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(failed, 0) - FILL(publish, 0)',
          usingMetrics: { failed, publish },
          period: PERIOD,
          label: 'Requests answered 5xx, PutEvents failures aside',
        }),
        threshold: 1,
        description: [
          `The receiver answered ${displayName} with 5xx (verdict failed) for a reason other than PutEvents: DynamoDB, S3 or Secrets Manager failed, or the webhook secret is still the placeholder. Nothing was kept; ${displayName} retries.`,
          'First check: Logs Insights on the receiver log group, `filter verdict = "failed" | stats count() by errorName, errorMessage`.',
          'SecretUnavailableError means the secret is not set or not readable (README, "Set the webhook secret").',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.functionErrors !== false) {
      this.alarm('FunctionErrors', {
        summary: 'function errors',
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        description: [
          `The receiver function crashed, timed out or failed to start; ${displayName} got 502 and retries.`,
          'First check: the receiver log group for "Task timed out", a ConfigError naming an environment variable (a start that fails every time), or "Runtime." errors.',
          'A timeout leaves the claim in progress for 30 seconds; a retry after that is processed normally.',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.throttles !== false) {
      this.alarm('Throttles', {
        summary: 'throttles',
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        description: [
          `Lambda refused to run the receiver: it is at its reservedConcurrency, or the account is at its concurrency limit. ${displayName} got 429 and retries later.`,
          'First check: the dashboard’s requests and forged-rate graphs (a flood, perhaps forged?) and concurrent executions against reservedConcurrency.',
          'If the traffic is real, raise reservedConcurrency.',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.forgedRequests !== false) {
      const threshold = options.forgedRequestThreshold ?? DEFAULT_FORGED_THRESHOLD;
      this.alarm('ForgedRequests', {
        summary: 'forged requests',
        metric: this.metric(METRIC.requests, { [DIMENSION.verdict]: 'forged' }),
        threshold,
        description: [
          `${threshold} or more requests in five minutes had a missing or wrong signature; nothing was written or published for them.`,
          `First check: whether accepted requests stopped at the same time. If so, the secret in Secrets Manager no longer matches ${displayName}'s (rotated on one side only?): ${displayName} retries, then disables the webhook. Compare the secrets (README, "Rotating the webhook secret").`,
          'If accepted requests carry on, someone else is calling the URL: the log’s reason (missing, malformed, mismatch) tells a scanner from a misconfigured sender.',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.quarantine !== false) {
      this.alarm('Quarantine', {
        summary: 'quarantined deliveries',
        metric: this.props.quarantineQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
        }),
        threshold: 1,
        description: [
          `An authentic ${displayName} delivery could not be routed and waits in the quarantine queue: not an event, older than the idempotency retention, or refused by the bus.`,
          `First check: the ids, types and reasons, with \`npx complycube-webhooks quarantine --bus ${this.props.eventBus.eventBusName} --provider ${this.props.provider.definition.name}\` (bodies only with --show-body: they hold personal data).`,
          'Decide per message; delete it from the queue once handled.',
          RUNBOOK,
        ].join(' '),
      });
    }
    if (options.noEventsFor !== undefined) {
      const hours = options.noEventsFor.toHours();
      this.alarm('NoEvents', {
        summary: `no events for ${hours} h`,
        metric: this.metric(METRIC.requests, { [DIMENSION.verdict]: 'accepted' }, 'Sum').with({
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description: [
          `No new ${displayName} event was accepted for ${hours} hours.`,
          `First check: the dashboard’s requests by verdict. No requests at all: ${displayName} stopped sending (the webhook disabled after failures, or its URL changed in the portal). Requests that are all forged or failed: see those alarms.`,
          RUNBOOK,
        ].join(' '),
      });
    }
  }

  private alarm(
    id: string,
    options: {
      readonly summary: string;
      readonly metric: cloudwatch.IMetric;
      readonly threshold: number;
      readonly description: string;
      readonly comparisonOperator?: cloudwatch.ComparisonOperator;
      readonly evaluationPeriods?: number;
      readonly treatMissingData?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: `${this.namePrefix()} ${options.summary}`.slice(0, 255),
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator:
        options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (this.alarmTopic !== undefined) {
      const action = new actions.SnsAction(this.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
    return alarm;
  }

  /** `ComplyCubeWebhooks ComplyCube`: readable in a notification, unique per receiver in a region. */
  private namePrefix(): string {
    const receiver = this.node.scope;
    const stack = Stack.of(this);
    if (receiver === undefined) return stack.stackName;
    return receiver.node.scope === stack
      ? `${stack.stackName} ${receiver.node.id}`
      : Names.uniqueResourceName(receiver, { maxLength: 200, separator: '-' });
  }

  private createTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${this.props.provider.displayName} webhook alarms`,
      enforceSSL: true,
    });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names, states and counts, never events or personal data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so encryption would need a customer-managed key; bring your own encrypted topic (alarmTopic) if your policy requires one.',
    });
    return topic;
  }

  private eventsMetric(metricName: string, rule: events.IRule, label: string): cloudwatch.Metric {
    // EventBridge reports rules of the default bus by RuleName alone, others with EventBusName.
    const bus = this.props.eventBus.eventBusName;
    const onDefaultBus = !Token.isUnresolved(bus) && bus === 'default';
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: onDefaultBus
        ? { RuleName: rule.ruleName }
        : { EventBusName: bus, RuleName: rule.ruleName },
      statistic: 'Sum',
      period: PERIOD,
      label,
    });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const { provider, namespace } = this.props;
    const fn = this.props.function;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: Names.uniqueResourceName(this, { maxLength: 255, separator: '-' }),
      defaultInterval: Duration.hours(6),
    });
    const verdict = (v: Verdict) =>
      this.metric(METRIC.requests, { [DIMENSION.verdict]: v }).with({ label: v });

    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          `# ${this.title}`,
          `Requests, verdicts, latency and events per type come from the receiver's log lines (namespace \`${namespace}\`, dimension Provider=${provider.definition.name}); the rest from Lambda, EventBridge and SQS. What each graph means and what to do: README, "Operating it".`,
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
            usingMetrics: { forged: verdict('forged'), total: this.metric(METRIC.requests) },
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
        left: [this.metric(METRIC.publishFailures).with({ label: 'PutEvents failed' }), verdict('failed')],
        leftYAxis: { min: 0, showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Receiver latency (ms)',
        width: 8,
        height: 6,
        left: [
          this.metric(METRIC.handlerLatency, {}, 'p50').with({ label: 'handler p50' }),
          this.metric(METRIC.handlerLatency, {}, 'p99').with({ label: 'handler p99' }),
          this.metric(METRIC.verificationLatency, {}, 'p50').with({ label: 'verification p50' }),
          this.metric(METRIC.verificationLatency, {}, 'p99').with({ label: 'verification p99' }),
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
          this.props.reservedConcurrency === undefined
            ? []
            : [{ value: this.props.reservedConcurrency, label: 'reservedConcurrency', color: '#d62728' }],
        leftYAxis: { min: 0, showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Quarantine queue depth',
        width: 8,
        height: 6,
        left: [
          this.props.quarantineQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: 'Maximum',
            label: 'quarantined deliveries',
          }),
        ],
        leftYAxis: { min: 0, showUnits: false },
      }),
    );
    const deliveryWidgets = [this.failuresWidget, this.deadLettersWidget].filter(
      (widget): widget is cloudwatch.GraphWidget => widget !== undefined,
    );
    dashboard.addWidgets(...deliveryWidgets);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'New events per type (types outside the catalogue as "other")',
        width: 24,
        height: 6,
        stacked: true,
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{"${namespace}",${DIMENSION.provider},${DIMENSION.eventType}} MetricName="${METRIC.publishedEvents}" ${DIMENSION.provider}="${provider.definition.name}"', 'Sum', ${PERIOD.toSeconds()})`,
            usingMetrics: {},
            label: '',
            period: PERIOD,
          }),
        ],
        leftYAxis: { min: 0, showUnits: false },
      }),
    );
    if (this.alarmOptions !== undefined) {
      dashboard.addWidgets(new AlarmsWidget(() => this.alarms, 'Alarms of this receiver'));
    }
    return dashboard;
  }
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

function validateAlarms(alarms: ReceiverAlarms): ReceiverAlarms {
  const threshold = alarms.forgedRequestThreshold;
  if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1 || threshold > 100_000)) {
    throw new Error(
      `alarms.forgedRequestThreshold must be a whole number from 1 to 100000 (got ${threshold}), e.g. 3.`,
    );
  }
  const quiet = alarms.noEventsFor;
  if (quiet !== undefined) {
    const hours = quiet.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) {
      throw new Error(
        `alarms.noEventsFor must be whole hours from 1 to 168 (got ${quiet.toHumanString()}), e.g. Duration.hours(24): CloudWatch evaluates at most seven days.`,
      );
    }
  }
  return alarms;
}

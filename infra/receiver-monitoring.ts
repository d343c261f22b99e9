import { Names, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIMENSION, type DimensionName, type MetricName, RECEIVER_METRICS } from '../contract/metrics.js';
import type { ProviderDescriptor } from '../contract/providers.js';
import {
  type AlarmSpec,
  deadLetterAlarmSpec,
  PERIOD,
  type ReceiverAlarms,
  receiverAlarmSpecs,
  validateAlarms,
} from './receiver-alarms.js';
import { type DeliveryWidgets, deliveryWidgets, receiverDashboard } from './receiver-dashboard.js';

export type { ReceiverAlarms } from './receiver-alarms.js';

export interface ReceiverMonitoringProps {
  readonly provider: ProviderDescriptor;
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
 * for a metric the function never writes. The alarms are defined in `receiver-alarms.ts`, the
 * dashboard in `receiver-dashboard.ts`.
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
  private readonly deliveries: DeliveryWidgets | undefined;
  private readonly watchedQueues = new Set<string>();

  constructor(scope: Construct, id: string, props: ReceiverMonitoringProps) {
    super(scope, id);
    this.props = props;
    this.alarmOptions = props.alarms === false ? undefined : validateAlarms(props.alarms);
    this.alarmTopic = this.alarmOptions === undefined ? undefined : (props.alarmTopic ?? this.createTopic());

    if (this.alarmOptions !== undefined) {
      const specs = receiverAlarmSpecs(this.alarmOptions, {
        provider: props.provider,
        function: props.function,
        eventBus: props.eventBus,
        quarantineQueue: props.quarantineQueue,
        metric: (name, dimensions, statistic) => this.metric(name, dimensions, statistic),
      });
      for (const spec of specs) this.alarm(spec);
    }

    if (props.dashboard) {
      this.deliveries = deliveryWidgets();
      this.dashboard = receiverDashboard(this, 'Dashboard', {
        title: `${props.provider.displayName} webhooks (${scope.node.path})`,
        provider: props.provider,
        namespace: props.namespace,
        function: props.function,
        quarantineQueue: props.quarantineQueue,
        reservedConcurrency: props.reservedConcurrency,
        metric: (name, dimensions, statistic) => this.metric(name, dimensions, statistic),
        deliveries: this.deliveries,
        alarms: this.alarmOptions === undefined ? undefined : () => this.alarms,
      });
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
      [DIMENSION.provider]: this.props.provider.name,
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
    this.deliveries?.failures.addLeftMetric(failed);
    this.deliveries?.failures.addLeftMetric(lost);

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
    this.deliveries?.deadLetters.addLeftMetric(depth);
    if (this.alarmOptions !== undefined && this.alarmOptions.deadLetters !== false) {
      this.alarm(
        deadLetterAlarmSpec({
          provider: this.props.provider,
          eventBus: this.props.eventBus,
          name: delivery.name,
          rule: delivery.rule,
          depth,
        }),
      );
    }
  }

  /**
   * An alarm of another part of the app (the webhook watcher, the catch-up) with this receiver's
   * name, topic and dashboard list; a no-op returning `undefined` when alarms are off.
   */
  addAlarm(spec: AlarmSpec): cloudwatch.Alarm | undefined {
    return this.alarmOptions === undefined ? undefined : this.alarm(spec);
  }

  private alarm(spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${spec.id}Alarm`, {
      alarmName: `${this.namePrefix()} ${spec.summary}`.slice(0, 255),
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator:
        spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
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
}

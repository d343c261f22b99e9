import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DIMENSION, METRIC, type MetricName } from '../contract/metrics.js';
import type { ProviderDescriptor } from '../contract/providers.js';

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

/** The period of every alarm and graph, so a graph shows what an alarm saw. */
export const PERIOD = Duration.minutes(5);
const DEFAULT_FORGED_THRESHOLD = 3;
const RUNBOOK = 'Runbook: README, "Operating it".';

/** One alarm to create: what `ReceiverMonitoring` turns into a `cloudwatch.Alarm` with its topic. */
export interface AlarmSpec {
  /** Construct id without the `Alarm` suffix. */
  readonly id: string;
  /** The end of the alarm's name, after the receiver's. */
  readonly summary: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** What happened and what to check first. */
  readonly description: string;
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** What the receiver's alarms watch. */
export interface AlarmSources {
  readonly provider: ProviderDescriptor;
  readonly function: lambda.IFunction;
  readonly eventBus: events.IEventBus;
  readonly quarantineQueue: sqs.IQueue;
  /** One of the receiver's own metrics (see `ReceiverMonitoring.metric`). */
  readonly metric: (
    name: MetricName,
    dimensions?: Partial<Record<'Verdict' | 'EventType', string>>,
    statistic?: string,
  ) => cloudwatch.Metric;
}

/** Checks the options a user may get wrong, with a message that says what to pass instead. */
export function validateAlarms(alarms: ReceiverAlarms): ReceiverAlarms {
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

/** The receiver's own alarms that the options switch on, in the order they are created. */
export function receiverAlarmSpecs(options: ReceiverAlarms, sources: AlarmSources): AlarmSpec[] {
  const { displayName } = sources.provider;
  const fn = sources.function;
  const specs: AlarmSpec[] = [];
  if (options.publishFailures !== false) {
    specs.push({
      id: 'PublishFailures',
      summary: 'publish failures',
      metric: sources.metric(METRIC.publishFailures),
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
    const failed = sources.metric(METRIC.requests, { [DIMENSION.verdict]: 'failed' });
    const publish = sources.metric(METRIC.publishFailures);
    specs.push({
      id: 'FailedRequests',
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
    specs.push({
      id: 'FunctionErrors',
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
    specs.push({
      id: 'Throttles',
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
    specs.push({
      id: 'ForgedRequests',
      summary: 'forged requests',
      metric: sources.metric(METRIC.requests, { [DIMENSION.verdict]: 'forged' }),
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
    specs.push({
      id: 'Quarantine',
      summary: 'quarantined deliveries',
      metric: sources.quarantineQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: 'Maximum',
      }),
      threshold: 1,
      description: [
        `An authentic ${displayName} delivery could not be routed and waits in the quarantine queue: not an event, older than the idempotency retention, or refused by the bus.`,
        `First check: the ids, types and reasons, with \`npx complycube-webhooks quarantine --bus ${sources.eventBus.eventBusName} --provider ${sources.provider.name}\` (bodies only with --show-body: they hold personal data).`,
        'Decide per message; delete it from the queue once handled.',
        RUNBOOK,
      ].join(' '),
    });
  }
  if (options.noEventsFor !== undefined) {
    const hours = options.noEventsFor.toHours();
    specs.push({
      id: 'NoEvents',
      summary: `no events for ${hours} h`,
      metric: sources.metric(METRIC.requests, { [DIMENSION.verdict]: 'accepted' }, 'Sum').with({
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
  return specs;
}

/** The alarm on one subscription's dead-letter queue (or the quarantine rule's). */
export function deadLetterAlarmSpec(options: {
  readonly provider: ProviderDescriptor;
  readonly eventBus: events.IEventBus;
  readonly name: string;
  readonly rule: events.IRule;
  readonly depth: cloudwatch.IMetric;
}): AlarmSpec {
  // Names resolve at deploy time, so the command in the notification is ready to paste.
  const redrive = `npx complycube-webhooks redrive --bus ${options.eventBus.eventBusName} --rule ${options.rule.ruleName}`;
  return {
    id: `DeadLetters${options.name}`,
    summary: `${options.name} dead letters`,
    metric: options.depth,
    threshold: 1,
    description: [
      `Events for ${options.provider.displayName} subscription ${options.name} could not be delivered to its target after every retry, and wait in its dead-letter queue.`,
      `First check: \`${redrive} --dry-run\` lists them with the ERROR_CODE and ERROR_MESSAGE EventBridge recorded.`,
      'Fix the target (permissions, a deleted function or queue, a bug), then run the same command without --dry-run to deliver them again.',
      RUNBOOK,
    ].join(' '),
  };
}

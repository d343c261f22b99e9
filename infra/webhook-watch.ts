import { fileURLToPath } from 'node:url';
import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  CATCH_UP_ENV,
  CATCH_UP_METRIC,
  DEFAULT_LOOKBACK_HOURS,
  WATCH_ENV,
  WATCH_METRIC,
} from '../contract/catch-up.js';
import { COMPLYCUBE_API_URL_ENV } from '../contract/connect.js';
import { ENV } from '../contract/env.js';
import { DIMENSION } from '../contract/metrics.js';
import { functionBundling } from './bundling.js';
import { PERIOD } from './receiver-alarms.js';
import type { WebhookReceiver } from './webhook-receiver.js';

/** What `connect.watch` takes: the watch's own settings. */
export interface WebhookWatchOptions {
  /**
   * How often the watcher looks at the webhook.
   * @default Duration.minutes(5)
   */
  readonly schedule?: Duration;
  /**
   * Turn a webhook ComplyCube disabled back on once the receiver answers as it should.
   * @default true
   */
  readonly reEnable?: boolean;
  /**
   * How far before the last moment the webhook was seen enabled a catch-up starts: ComplyCube's
   * retries span about 34 hours, so a delivery that failed that long before it gave up may be lost.
   * @default Duration.hours(36)
   */
  readonly lookback?: Duration;
  /**
   * Alarms on a disabled, missing or drifted webhook and on a failed catch-up, on the receiver's
   * alarm topic.
   * @default true (when the receiver has alarms)
   */
  readonly alarms?: boolean;
}

export interface WebhookWatchProps extends WebhookWatchOptions {
  /** The receiver whose ComplyCube webhook is watched and whose gaps are caught up. */
  readonly receiver: WebhookReceiver;
  /** The secret holding the ComplyCube API key (plain text or `{"apiKey": "…"}`). */
  readonly apiKeySecret: secretsmanager.ISecret;
  /**
   * The webhook's id, e.g. the connect custom resource's `WebhookId`.
   * @default - found by the receiver's function URL
   */
  readonly webhookId?: string;
  /**
   * The ComplyCube API's base URL (`COMPLYCUBE_API_URL`), for a proxy.
   * @default https://api.complycube.com/v1
   */
  readonly apiUrl?: string;
}

const FIRST_RESPONSE = 'Runbook: docs/catch-up.md.';

/**
 * Watches the receiver's ComplyCube webhook and closes the gap when ComplyCube gives up on it: a
 * scheduled function reads the webhook through the API, publishes its state as metrics, turns it
 * back on once the receiver is healthy, and starts the catch-up function for the gap; the catch-up
 * lists what changed in ComplyCube and publishes it once, marked as caught up (docs/catch-up.md).
 *
 * @example
 * new WebhookWatch(this, 'Watch', { receiver, apiKeySecret });
 */
export class WebhookWatch extends Construct {
  /** The scheduled watcher. */
  readonly watcher: NodejsFunction;
  /** The catch-up, started by the watcher (or by `aws lambda invoke` with `{"since","until"}`). */
  readonly catchUp: NodejsFunction;
  readonly rule: events.Rule;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly receiver: WebhookReceiver;
  /** The period of the metrics and alarms: the watcher's schedule, at least the receiver's five minutes. */
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: WebhookWatchProps) {
    super(scope, id);
    const { receiver } = props;
    this.receiver = receiver;
    if (receiver.provider.name !== 'complycube') {
      throw new Error(
        `WebhookWatch watches ComplyCube webhooks through ComplyCube's API; ${receiver.provider.displayName} has no webhook API to watch (docs/catch-up.md).`,
      );
    }
    const schedule = props.schedule ?? Duration.minutes(5);
    const minutes = schedule.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new Error(
        `schedule must be whole minutes from 1 to 1440 (got ${schedule.toHumanString()}), e.g. Duration.minutes(5).`,
      );
    }
    this.period = Duration.minutes(Math.max(minutes, PERIOD.toMinutes()));
    const lookbackHours = (props.lookback ?? Duration.hours(DEFAULT_LOOKBACK_HOURS)).toHours({
      integral: false,
    });
    if (
      !Number.isInteger(lookbackHours) ||
      lookbackHours < 1 ||
      lookbackHours > receiver.idempotencyRetentionDays * 24
    ) {
      throw new Error(
        `lookback must be whole hours from 1 to the idempotency retention (${receiver.idempotencyRetentionDays} days), e.g. Duration.hours(36).`,
      );
    }
    // Resolved at synth time: subscriptions added after this construct count too.
    const eventTypes = Lazy.string({
      produce: () =>
        receiver.subscribedEventTypes.includes('*') ? '*' : receiver.portalEventTypes.join(',') || 'none',
    });
    const common = {
      [ENV.tableName]: receiver.table.tableName,
      [ENV.retentionDays]: String(receiver.idempotencyRetentionDays),
      [ENV.metricsNamespace]: receiver.metricsNamespace,
      [CATCH_UP_ENV.apiKeySecretId]: props.apiKeySecret.secretArn,
      [CATCH_UP_ENV.eventTypes]: eventTypes,
      ...(props.apiUrl === undefined ? {} : { [COMPLYCUBE_API_URL_ENV]: props.apiUrl }),
    };

    this.catchUp = this.fn('CatchUp', 'catch-up', {
      description: 'Catch-up: publishes what changed in ComplyCube during a webhook gap, once',
      timeout: Duration.minutes(15),
      environment: { ...common, [ENV.eventBusName]: receiver.eventBus.eventBusArn },
    });
    // No retries beyond Lambda's two: each resumes from the cursor, and the alarm says it failed.
    this.catchUp.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    receiver.eventBus.grantPutEventsTo(this.catchUp);
    // A separate policy: the function's own role policy referring to the function would be a cycle.
    new iam.Policy(this, 'CatchUpHandsOver', {
      roles: this.catchUp.role === undefined ? [] : [this.catchUp.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.catchUp.functionArn],
        }),
      ],
    });

    this.watcher = this.fn('Watcher', 'webhook-watch', {
      description:
        "Watches the receiver's ComplyCube webhook, re-enables it and starts the catch-up of a gap",
      timeout: Duration.minutes(1),
      environment: {
        ...common,
        [WATCH_ENV.receiverUrl]: receiver.functionUrl.url,
        [WATCH_ENV.reEnable]: String(props.reEnable ?? true),
        [WATCH_ENV.lookbackHours]: String(lookbackHours),
        [WATCH_ENV.catchUpFunction]: this.catchUp.functionName,
        ...(props.webhookId === undefined ? {} : { [WATCH_ENV.webhookId]: props.webhookId }),
      },
    });
    this.catchUp.grantInvoke(this.watcher);
    Validations.of(this.watcher).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.catchUp.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'Invoking the catch-up function, any version of it: what grantInvoke grants.',
    });

    // Both keep their state beside the ledger: items, not the table.
    for (const fn of [this.catchUp, this.watcher]) {
      receiver.table.grant(
        fn,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      );
      props.apiKeySecret.grantRead(fn);
    }

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Every ${minutes} min: look at the ComplyCube webhook of ${receiver.node.path}`,
      schedule: events.Schedule.rate(schedule),
      targets: [new targets.LambdaFunction(this.watcher, { retryAttempts: 0 })],
    });

    if (props.alarms !== false) this.addAlarms(receiver);
    this.addWidgets(receiver);
  }

  /**
   * One of the watcher's or the catch-up's metrics (`WATCH_METRIC`, `CATCH_UP_METRIC`).
   *
   * @example
   * watch.metric(WATCH_METRIC.webhookEnabled, 'Minimum');
   */
  metric(name: string, statistic: string, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.receiver.metricsNamespace,
      metricName: name,
      dimensionsMap: { [DIMENSION.provider]: this.receiver.provider.name },
      statistic,
      period: this.period,
      ...(label === undefined ? {} : { label }),
    });
  }

  private addAlarms(receiver: WebhookReceiver): void {
    const specs = [
      {
        id: 'WebhookDisabled',
        summary: 'ComplyCube webhook disabled',
        metric: this.metric(WATCH_METRIC.webhookEnabled, 'Minimum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // Two runs: the first may re-enable it at once. No data means the watcher did not run: as blind as disabled.
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description:
          'The ComplyCube webhook was found disabled (ComplyCube gives up after ten failed retries), or the watcher did not report, or the API key is not set yet (then the missing-webhook alarm fires too). ' +
          'Automatic: once the receiver answers as it should, the watcher turns the webhook back on and starts a catch-up of the gap; the alarm clears on its next run. ' +
          'First response: if it stays on, read the watcher log (leftDisabledBecause): receiver_unhealthy means the receiver still fails (see its own alarms: secret not set, 5xx, throttles); reenable_off means a person must turn it on (npx complycube-webhooks connect). ' +
          FIRST_RESPONSE,
      },
      {
        id: 'WebhookReEnabled',
        summary: 'ComplyCube webhook re-enabled after a gap',
        metric: this.metric(WATCH_METRIC.webhookReEnabled, 'Sum'),
        threshold: 1,
        description:
          'ComplyCube had disabled the webhook after its retries failed; the receiver is healthy again, so the watcher turned it back on and started a catch-up of the gap. Nothing to do unless the catch-up failed alarm follows. ' +
          'Worth a look: why deliveries failed (the receiver alarms of that time), and the catch-up summary on the dashboard (what could not be recovered: docs/catch-up.md). ' +
          FIRST_RESPONSE,
      },
      {
        id: 'WebhookMissing',
        summary: 'ComplyCube webhook missing',
        metric: this.metric(WATCH_METRIC.webhookMissing, 'Maximum'),
        threshold: 1,
        description:
          'No ComplyCube webhook points at this receiver (deleted in the portal, or the API key is not set yet): nothing is delivered. First response: set the API key secret and run npx complycube-webhooks connect --stack <name> (or redeploy with connect); a catch-up of the gap starts once the watcher finds it again. ' +
          FIRST_RESPONSE,
      },
      {
        id: 'WebhookUrlDrift',
        summary: 'ComplyCube webhook points elsewhere',
        metric: this.metric(WATCH_METRIC.webhookUrlMismatch, 'Maximum'),
        threshold: 1,
        description:
          'The webhook this receiver registered now points at another URL, so events go there. The watcher never re-enables it. First response: npx complycube-webhooks status --stack <name>, then connect to point it back. ' +
          FIRST_RESPONSE,
      },
      {
        id: 'WebhookEventsDrift',
        summary: 'ComplyCube webhook misses subscribed types',
        metric: this.metric(WATCH_METRIC.webhookEventsMissing, 'Maximum'),
        threshold: 1,
        description:
          'The webhook does not send every event type the subscriptions need: those subscribers get nothing. First response: npx complycube-webhooks status --stack <name> lists the missing types; connect (or a deploy with connect) sets them. A catch-up does not recover types the webhook was not sending. ' +
          FIRST_RESPONSE,
      },
      {
        id: 'CatchUpFailed',
        summary: 'catch-up failed',
        metric: new cloudwatch.MathExpression({
          expression: 'MAX([failed, errors])',
          usingMetrics: {
            failed: this.metric(CATCH_UP_METRIC.failures, 'Maximum'),
            errors: this.catchUp.metricErrors({ period: this.period, statistic: 'Maximum' }),
          },
          period: this.period,
          label: 'catch-up failures',
        }),
        threshold: 1,
        description:
          'A catch-up failed (the ComplyCube API, the bus or the ledger refused; or the API key is not set). Lambda retries it twice and each retry resumes from its cursor, publishing nothing twice. ' +
          'First response: read the catch-up log (error, since, until); fix the cause, then run npx complycube-webhooks catch-up --stack <name> --since <since> --until <until> to finish the window. ' +
          FIRST_RESPONSE,
      },
      {
        id: 'WatcherErrors',
        summary: 'webhook watcher failing',
        metric: this.watcher.metricErrors({ period: this.period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 2,
        description:
          'The webhook watcher failed twice in a row (ComplyCube API refused the key, throttled, or is down; or DynamoDB): a disabled webhook would go unnoticed. First response: read the watcher log; check the API key secret. ' +
          FIRST_RESPONSE,
      },
    ] as const;
    for (const spec of specs) {
      const alarm = receiver.monitoring.addAlarm(spec);
      if (alarm !== undefined) this.alarms.push(alarm);
    }
  }

  private addWidgets(receiver: WebhookReceiver): void {
    const dashboard = receiver.monitoring.dashboard;
    if (dashboard === undefined) return;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'ComplyCube webhook (watcher)',
        width: 12,
        left: [
          this.metric(WATCH_METRIC.webhookEnabled, 'Minimum', 'enabled (1) / disabled (0)'),
          this.metric(WATCH_METRIC.webhookReEnabled, 'Sum', 're-enabled'),
          this.metric(WATCH_METRIC.webhookMissing, 'Maximum', 'missing'),
          this.metric(WATCH_METRIC.webhookUrlMismatch, 'Maximum', 'points elsewhere'),
          this.metric(WATCH_METRIC.webhookEventsMissing, 'Maximum', 'types missing'),
          this.metric(WATCH_METRIC.receiverProbeFailures, 'Sum', 'receiver probe failed'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Catch-up',
        width: 12,
        left: [
          this.metric(CATCH_UP_METRIC.published, 'Sum', 'published'),
          this.metric(CATCH_UP_METRIC.alreadyKnown, 'Sum', 'already known'),
        ],
        right: [
          this.metric(CATCH_UP_METRIC.completed, 'Sum', 'windows completed'),
          this.metric(CATCH_UP_METRIC.failures, 'Sum', 'failed'),
        ],
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Last catch-ups',
        width: 24,
        logGroupNames: [this.catchUp.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, status, since, until, published, alreadyKnown, listed, error',
          "filter message = 'catch-up'",
          'sort @timestamp desc',
          'limit 5',
        ],
      }),
    );
  }

  private fn(
    id: string,
    folder: string,
    options: Pick<lambda.FunctionOptions, 'description' | 'timeout' | 'environment'>,
  ): NodejsFunction {
    const fn = new NodejsFunction(this, id, {
      ...options,
      entry: fileURLToPath(new URL(`../functions/${folder}/handler.ts`, import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      bundling: functionBundling(),
      logGroup: new logs.LogGroup(this, `${id}Logs`, {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own logs.',
    });
    return fn;
  }
}

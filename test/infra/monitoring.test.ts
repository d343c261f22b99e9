/**
 * Operating the receiver: the metrics namespace, the dashboard (every metric it draws exists),
 * the alarms and their thresholds, the alarm topic, and the archive on the bus.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/env.js';
import { DEFAULT_METRICS_NAMESPACE, DIMENSION, METRIC, RECEIVER_METRICS } from '../../contract/metrics.js';
import { Providers } from '../../contract/providers.js';
import { VERDICTS } from '../../contract/verdicts.js';
import { ComplyCubeWebhooksStack } from '../../infra/complycube-webhooks-stack.js';
import { WebhookReceiver, type WebhookReceiverProps } from '../../infra/webhook-receiver.js';
import { appWithoutBundling, CDK_JSON_CONTEXT, receiverStack } from './stacks.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/**
 * A CloudFormation value as text: references become `@Ref:<id>` and `@GetAtt:<id>.<attr>`, so a
 * dashboard body parses as JSON and each reference can be looked up in the template.
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return `@Ref:${record.Ref}`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `@GetAtt:${getAtt.join('.')}`;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
}

interface DashboardWidget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly annotations?: { horizontal?: { value: number }[] };
  };
}

function dashboardWidgets(template: Template): DashboardWidget[] {
  const dashboards = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = JSON.parse(render(dashboards[0]?.Properties.DashboardBody)) as { widgets: DashboardWidget[] };
  return body.widgets;
}

/** A widget metric line: `[namespace, name, dim, value, …, options?]` or `[{ expression, … }]`. */
interface MetricLine {
  readonly namespace?: string;
  readonly name?: string;
  readonly dimensions: Record<string, string>;
  readonly expression?: string;
}

function metricLines(widget: DashboardWidget): MetricLine[] {
  return (widget.properties.metrics ?? []).map((line) => {
    const last = line.at(-1);
    const options = typeof last === 'object' && last !== null ? (last as Record<string, unknown>) : {};
    if (typeof options.expression === 'string') return { dimensions: {}, expression: options.expression };
    const parts = line.filter((part): part is string => typeof part === 'string');
    const [namespace, name, ...pairs] = parts;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] ?? ''] = pairs[i + 1] ?? '';
    return { namespace, name, dimensions };
  });
}

/** Metrics AWS documents for the resources a receiver has; anything else would draw nothing. */
const AWS_METRICS: Record<string, { names: readonly string[]; resourceType: string; dimension: string }> = {
  'AWS/Lambda': {
    names: ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions'],
    resourceType: 'AWS::Lambda::Function',
    dimension: 'FunctionName',
  },
  'AWS/SQS': {
    names: ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'],
    resourceType: 'AWS::SQS::Queue',
    dimension: 'QueueName',
  },
  'AWS/Events': {
    names: ['FailedInvocations', 'InvocationsFailedToBeSentToDlq', 'Invocations'],
    resourceType: 'AWS::Events::Rule',
    dimension: 'RuleName',
  },
};

function logicalIdOf(reference: string): string {
  const match = /^@(?:Ref:([^.]+)|GetAtt:([^.]+)\.\w+)$/.exec(reference);
  const id = match?.[1] ?? match?.[2];
  if (id === undefined) throw new Error(`${reference} is not a reference to a resource of the template`);
  return id;
}

/** Throws unless the line draws a metric that exists: an AWS one of a resource here, or the receiver's own. */
function checkMetricExists(line: MetricLine, template: Template, namespace: string, provider: string): void {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  if (line.expression !== undefined) {
    const search = /^SEARCH\('\{"([^"]+)",([^}]+)\} MetricName="(\w+)" Provider="(\w+)"', 'Sum', 300\)$/.exec(
      line.expression,
    );
    if (search === null) {
      // Metric math over ids: each id is a hidden metric line of the same widget, checked on its own.
      expect(line.expression).toMatch(/^[\w\s*/+\-().,]+$/);
      return;
    }
    const [, searchNamespace, schema, metricName, searchProvider] = search;
    expect(searchNamespace).toBe(namespace);
    expect(searchProvider).toBe(provider);
    const definition = RECEIVER_METRICS.find((m) => m.name === metricName);
    expect(definition, `${metricName} is not a receiver metric`).toBeDefined();
    const dims = (schema ?? '').split(',').sort().join(',');
    expect(definition?.dimensionSets.map((set) => [...set].sort().join(','))).toContain(dims);
    return;
  }
  if (line.namespace === namespace) {
    const definition = RECEIVER_METRICS.find((m) => m.name === line.name);
    expect(definition, `${line.name} is not a receiver metric`).toBeDefined();
    const dims = Object.keys(line.dimensions).sort().join(',');
    expect(definition?.dimensionSets.map((set) => [...set].sort().join(','))).toContain(dims);
    expect(line.dimensions[DIMENSION.provider]).toBe(provider);
    const verdict = line.dimensions[DIMENSION.verdict];
    if (verdict !== undefined) expect(VERDICTS).toContain(verdict);
    return;
  }
  const aws = AWS_METRICS[line.namespace ?? ''];
  expect(aws, `namespace ${line.namespace} of ${line.name}`).toBeDefined();
  if (aws === undefined) return;
  expect(aws.names).toContain(line.name);
  const id = logicalIdOf(line.dimensions[aws.dimension] ?? '');
  expect(resources[id]?.Type).toBe(aws.resourceType);
  const bus = line.dimensions.EventBusName;
  if (bus !== undefined) expect(resources[logicalIdOf(bus)]?.Type).toBe('AWS::Events::EventBus');
}

function functionEnvironment(template: Template): Record<string, unknown> {
  const receiver = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find((fn) =>
    String(fn.Properties.Description).startsWith('Receives'),
  );
  const environment = receiver?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
  if (environment === undefined) throw new Error('The receiver function has no environment.');
  return environment.Variables;
}

function alarmsOf(template: Template): Record<string, Resource> {
  return resourcesOf(template, 'AWS::CloudWatch::Alarm');
}

function alarmNamed(template: Template, suffix: string): Resource {
  const found = Object.values(alarmsOf(template)).filter((a) =>
    String(a.Properties.AlarmName).endsWith(suffix),
  );
  expect(found, `one alarm named …${suffix}`).toHaveLength(1);
  return found[0] as Resource;
}

/** The metrics an alarm watches, as `namespace/name` with its stat and period. */
function alarmMetrics(
  alarm: Resource,
): { key: string; stat: string; period: number; dimensions: string[] }[] {
  const p = alarm.Properties;
  if (typeof p.MetricName === 'string') {
    return [
      {
        key: `${p.Namespace}/${p.MetricName}`,
        stat: String(p.Statistic ?? p.ExtendedStatistic),
        period: Number(p.Period),
        dimensions: ((p.Dimensions ?? []) as { Name: string; Value: unknown }[]).map(
          (d) => `${d.Name}=${render(d.Value)}`,
        ),
      },
    ];
  }
  return ((p.Metrics ?? []) as { MetricStat?: Record<string, unknown> }[])
    .filter((m) => m.MetricStat !== undefined)
    .map((m) => {
      const stat = m.MetricStat as { Metric: Record<string, unknown>; Stat: string; Period: number };
      return {
        key: `${stat.Metric.Namespace}/${stat.Metric.MetricName}`,
        stat: stat.Stat,
        period: stat.Period,
        dimensions: ((stat.Metric.Dimensions ?? []) as { Name: string; Value: unknown }[]).map(
          (d) => `${d.Name}=${render(d.Value)}`,
        ),
      };
    });
}

/** An alarm's metrics as dashboard metric lines, to check them the same way. */
function alarmMetricLines(alarm: Resource): MetricLine[] {
  const p = alarm.Properties;
  const line = (metric: Record<string, unknown>): MetricLine => ({
    namespace: String(metric.Namespace),
    name: String(metric.MetricName),
    dimensions: Object.fromEntries(
      ((metric.Dimensions ?? []) as { Name: string; Value: unknown }[]).map((d) => [d.Name, render(d.Value)]),
    ),
  });
  if (typeof p.MetricName === 'string') return [line(p)];
  return (
    (p.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> }; Expression?: string }[]
  ).map((m) =>
    m.MetricStat === undefined ? { dimensions: {}, expression: m.Expression } : line(m.MetricStat.Metric),
  );
}

describe('metrics namespace', () => {
  it('tells the function the default namespace, or the one given', () => {
    expect(functionEnvironment(Template.fromStack(receiverStack().stack))[ENV.metricsNamespace]).toBe(
      DEFAULT_METRICS_NAMESPACE,
    );
    const { stack } = receiverStack({ metricsNamespace: 'Webhooks/staging' });
    expect(functionEnvironment(Template.fromStack(stack))[ENV.metricsNamespace]).toBe('Webhooks/staging');
  });

  it('refuses a namespace CloudWatch would refuse, at synth time', () => {
    expect(() => receiverStack({ metricsNamespace: 'AWS/Lambda' })).toThrow(
      'metricsNamespace "AWS/Lambda" must not start with AWS/',
    );
    expect(() => receiverStack({ metricsNamespace: 'tab\there' })).toThrow(
      /e\.g\. ComplyCubeWebhooks\/staging/,
    );
  });

  it('warns when two receivers of one provider would add up their metrics in one namespace', () => {
    const stack = new Stack(appWithoutBundling(), 'Twins');
    new WebhookReceiver(stack, 'One');
    new WebhookReceiver(stack, 'Two');
    new WebhookReceiver(stack, 'Three', { metricsNamespace: 'Elsewhere' });
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('metricsNamespace'),
    );
    expect(warnings.map((w) => w.id)).toEqual(['/Twins/Two']);
  });

  it('uses the stack name in the deployable app, so two deployments in one account stay apart', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new ComplyCubeWebhooksStack(app, 'Staging', { compliancely: true });
    const namespaces = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function'))
      .map(
        (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      )
      .map((vars) => vars?.[ENV.metricsNamespace])
      .filter((ns) => ns !== undefined);
    expect(namespaces).toEqual(['Staging', 'Staging']);
  });
});

describe('dashboard', () => {
  function subscribedStack(props: WebhookReceiverProps = {}) {
    const { stack, receiver } = receiverStack({ reservedConcurrency: 20, ...props });
    receiver.subscribe('check.completed*', inlineFunction(stack, 'OnCompleted'));
    receiver.subscribe('client.deleted', new sqs.Queue(stack, 'Erasure'));
    return { stack, receiver, template: Template.fromStack(stack) };
  }

  it('draws only metrics that exist: AWS metrics of resources in the template, or metrics the receiver emits', () => {
    const { template } = subscribedStack();
    const lines = dashboardWidgets(template).flatMap(metricLines);
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) checkMetricExists(line, template, DEFAULT_METRICS_NAMESPACE, 'complycube');
  });

  it('does the same for a Compliancely receiver in its own namespace', () => {
    const { stack, receiver } = receiverStack({
      provider: Providers.COMPLIANCELY,
      metricsNamespace: 'Tin/Checks',
    });
    receiver.subscribe('tin_check.*', inlineFunction(stack, 'OnTinCheck'));
    const template = Template.fromStack(stack);
    for (const line of dashboardWidgets(template).flatMap(metricLines)) {
      checkMetricExists(line, template, 'Tin/Checks', 'compliancely');
    }
  });

  it('shows requests by verdict, forged rate, duplicates, publish failures, latency, errors, throttles, concurrency, quarantine and events per type', () => {
    const widgets = dashboardWidgets(subscribedStack().template);
    const byTitle = new Map(widgets.map((w) => [w.properties.title ?? '', w]));
    const names = (title: string) =>
      metricLines(byTitle.get(title) ?? { type: 'missing', properties: {} }).map(
        (l) =>
          l.expression ?? `${l.namespace}/${l.name}${l.dimensions.Verdict ? `:${l.dimensions.Verdict}` : ''}`,
      );

    expect(names('Requests by verdict')).toEqual(
      VERDICTS.map((v) => `${DEFAULT_METRICS_NAMESPACE}/Requests:${v}`),
    );
    expect(names('Forged requests (% of all requests)')).toContain('100 * FILL(forged, 0) / total');
    expect(names('Duplicates and deliveries still in progress')).toEqual([
      `${DEFAULT_METRICS_NAMESPACE}/Requests:duplicate`,
      `${DEFAULT_METRICS_NAMESPACE}/Requests:in_progress`,
    ]);
    expect(names('Publish failures and failed requests (answered 5xx)')).toEqual([
      `${DEFAULT_METRICS_NAMESPACE}/${METRIC.publishFailures}`,
      `${DEFAULT_METRICS_NAMESPACE}/Requests:failed`,
    ]);
    expect(names('Receiver latency (ms)')).toEqual([
      ...Array(2).fill(`${DEFAULT_METRICS_NAMESPACE}/${METRIC.handlerLatency}`),
      ...Array(2).fill(`${DEFAULT_METRICS_NAMESPACE}/${METRIC.verificationLatency}`),
    ]);
    expect(names('Lambda duration (ms)')).toEqual(['AWS/Lambda/Duration', 'AWS/Lambda/Duration']);
    expect(names('Lambda errors and throttles')).toEqual(['AWS/Lambda/Errors', 'AWS/Lambda/Throttles']);
    expect(names('Concurrent executions')).toEqual(['AWS/Lambda/ConcurrentExecutions']);
    expect(byTitle.get('Concurrent executions')?.properties.annotations?.horizontal?.[0]?.value).toBe(20);
    expect(names('Quarantine queue depth')).toEqual(['AWS/SQS/ApproximateNumberOfMessagesVisible']);
    expect(names('New events per type (types outside the catalogue as "other")')[0]).toMatch(
      /^SEARCH\('\{"ComplyCubeWebhooks",Provider,EventType\} MetricName="PublishedEvents" Provider="complycube"'/,
    );
    // p50 and p99, not averages.
    const latency = (byTitle.get('Lambda duration (ms)')?.properties.metrics ?? []).map((l) => l.at(-1));
    expect(latency).toEqual([
      expect.objectContaining({ stat: 'p50' }),
      expect.objectContaining({ stat: 'p99' }),
    ]);
  });

  it('has each subscription’s target failures and dead-letter depth, subscriptions made after the receiver included', () => {
    const { template } = subscribedStack();
    const widgets = dashboardWidgets(template);
    const failures = widgets.find((w) => w.properties.title?.startsWith('Subscriptions:'));
    const depth = widgets.find((w) => w.properties.title?.startsWith('Dead-letter queue depth'));
    const rules = Object.entries(resourcesOf(template, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(3);

    const failedRules = metricLines(failures ?? { type: '', properties: {} })
      .filter((l) => l.name === 'FailedInvocations')
      .map((l) => logicalIdOf(l.dimensions.RuleName ?? ''));
    expect(failedRules.sort()).toEqual(rules.map(([id]) => id).sort());

    const queues = metricLines(depth ?? { type: '', properties: {} }).map((l) =>
      logicalIdOf(l.dimensions.QueueName ?? ''),
    );
    expect(queues.sort()).toEqual(
      [
        'ReceiverOnCheckCompletedAllDeadLetters',
        'ReceiverOnClientDeletedDeadLetters',
        'ReceiverQuarantineRuleDeadLetters',
      ]
        .map((prefix) =>
          Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).find((id) => id.startsWith(prefix)),
        )
        .sort(),
    );
  });

  it('lists every alarm of the receiver, subscriptions’ included', () => {
    const { template } = subscribedStack();
    const statusWidget = dashboardWidgets(template).find((w) => w.type === 'alarm');
    const listed = (statusWidget?.properties.alarms ?? []).map(logicalIdOf).sort();
    expect(listed).toEqual(Object.keys(alarmsOf(template)).sort());
    expect(listed.length).toBeGreaterThanOrEqual(9);
  });

  it('can be switched off', () => {
    const template = Template.fromStack(receiverStack({ dashboard: false }).stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

describe('alarms', () => {
  it('watch only metrics that exist: AWS metrics of resources in the template, or metrics the receiver emits', () => {
    const { stack, receiver } = receiverStack({ alarms: { noEventsFor: Duration.hours(6) } });
    receiver.subscribe('check.completed*', inlineFunction(stack, 'OnCompleted'));
    const template = Template.fromStack(stack);
    const lines = Object.values(alarmsOf(template)).flatMap(alarmMetricLines);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) checkMetricExists(line, template, DEFAULT_METRICS_NAMESPACE, 'complycube');
  });

  it('watch publish failures, failed requests, errors, throttles, forged requests and the quarantine, on five-minute sums', () => {
    const template = Template.fromStack(receiverStack().stack);
    const expectations: [string, string, string, number][] = [
      ['publish failures', `${DEFAULT_METRICS_NAMESPACE}/${METRIC.publishFailures}`, 'Sum', 1],
      ['function errors', 'AWS/Lambda/Errors', 'Sum', 1],
      ['throttles', 'AWS/Lambda/Throttles', 'Sum', 1],
      ['forged requests', `${DEFAULT_METRICS_NAMESPACE}/${METRIC.requests}`, 'Sum', 3],
      ['quarantined deliveries', 'AWS/SQS/ApproximateNumberOfMessagesVisible', 'Maximum', 1],
    ];
    for (const [suffix, key, stat, threshold] of expectations) {
      const alarm = alarmNamed(template, suffix);
      expect(alarmMetrics(alarm)).toEqual([expect.objectContaining({ key, stat, period: 300 })]);
      expect(alarm.Properties).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
    expect(alarmMetrics(alarmNamed(template, 'forged requests'))[0]?.dimensions).toContain('Verdict=forged');
  });

  it('counts failed requests apart from publish failures, so one incident raises one alarm', () => {
    const alarm = alarmNamed(Template.fromStack(receiverStack().stack), 'failed requests');
    const metrics = alarm.Properties.Metrics as { Id: string; Expression?: string }[];
    expect(metrics.find((m) => m.Expression !== undefined)?.Expression).toBe(
      'FILL(failed, 0) - FILL(publish, 0)',
    );
    expect(
      alarmMetrics(alarm).map((m) => `${m.key}${m.dimensions.includes('Verdict=failed') ? ':failed' : ''}`),
    ).toEqual([
      `${DEFAULT_METRICS_NAMESPACE}/Requests:failed`,
      `${DEFAULT_METRICS_NAMESPACE}/PublishFailures`,
    ]);
    expect(alarm.Properties.Threshold).toBe(1);
  });

  it('watch the dead-letter queue of every subscription and of the quarantine rule, a shared queue once', () => {
    const { stack, receiver } = receiverStack();
    const shared = new sqs.Queue(stack, 'SharedDeadLetters');
    receiver.subscribe('client.created', inlineFunction(stack, 'A'), { deadLetterQueue: shared });
    receiver.subscribe('client.updated', inlineFunction(stack, 'B'), { deadLetterQueue: shared });
    receiver.subscribe('client.deleted', inlineFunction(stack, 'C'));
    const template = Template.fromStack(stack);

    const deadLetterAlarms = Object.values(alarmsOf(template)).filter((a) =>
      String(a.Properties.AlarmName).endsWith('dead letters'),
    );
    const queues = deadLetterAlarms.map((a) =>
      logicalIdOf(alarmMetrics(a)[0]?.dimensions[0]?.split('=')[1] ?? ''),
    );
    expect(queues).toHaveLength(3);
    expect(queues.filter((id) => id.startsWith('SharedDeadLetters'))).toHaveLength(1);
    for (const alarm of deadLetterAlarms) {
      expect(alarm.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(render(alarm.Properties.AlarmDescription)).toMatch(
        /npx complycube-webhooks redrive --bus @Ref:ReceiverBus\w+ --rule @Ref:Receiver\w+ --dry-run/,
      );
    }
  });

  it('leave a dead-letter queue they do not know alone, and still draw the rule’s failures', () => {
    const { stack, receiver } = receiverStack();
    const ownQueue = new sqs.Queue(stack, 'TargetOwnDlq');
    receiver.subscribe(
      'client.created',
      new targets.SqsQueue(new sqs.Queue(stack, 'T'), { deadLetterQueue: ownQueue }),
    );
    const template = Template.fromStack(stack);
    const alarmed = Object.values(alarmsOf(template)).flatMap((a) =>
      alarmMetrics(a).flatMap((m) => m.dimensions),
    );
    expect(alarmed.some((d) => d.includes('TargetOwnDlq'))).toBe(false);
    const failures = dashboardWidgets(template).find((w) => w.properties.title?.startsWith('Subscriptions:'));
    expect(
      metricLines(failures ?? { type: '', properties: {} }).filter((l) => l.name === 'FailedInvocations'),
    ).toHaveLength(2);
  });

  it('notify one topic on alarm and on recovery, and each says what to check first', () => {
    const template = Template.fromStack(receiverStack().stack);
    const topics = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = Object.values(alarmsOf(template));
    expect(alarms.length).toBe(7);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topics[0] }]);
      const description = render(alarm.Properties.AlarmDescription);
      expect(description).toContain('First check:');
      expect(description).toContain('README, "Operating it"');
      // Names resolve to at most 256 characters each at deploy time; CloudWatch takes 1024.
      expect(description.replace(/@Ref:\w+/g, 'x'.repeat(256)).length).toBeLessThanOrEqual(1024);
    }
  });

  it('can each be switched off, or all of them with their topic', () => {
    const fewer = Template.fromStack(
      receiverStack({ alarms: { throttles: false, forgedRequests: false } }).stack,
    );
    const names = Object.values(alarmsOf(fewer)).map((a) => String(a.Properties.AlarmName));
    expect(names.some((n) => n.endsWith('throttles') || n.endsWith('forged requests'))).toBe(false);
    expect(names.some((n) => n.endsWith('publish failures'))).toBe(true);

    const none = Template.fromStack(receiverStack({ alarms: false }).stack);
    none.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    none.resourceCountIs('AWS::SNS::Topic', 0);
    expect(dashboardWidgets(none).some((w) => w.type === 'alarm')).toBe(false);
  });

  it('take a forged-request threshold', () => {
    const template = Template.fromStack(receiverStack({ alarms: { forgedRequestThreshold: 25 } }).stack);
    expect(alarmNamed(template, 'forged requests').Properties.Threshold).toBe(25);
    expect(() => receiverStack({ alarms: { forgedRequestThreshold: 0 } })).toThrow(
      'alarms.forgedRequestThreshold must be a whole number from 1 to 100000 (got 0), e.g. 3.',
    );
  });

  it('raise "no events" only when asked, after that many quiet hours', () => {
    const off = Template.fromStack(receiverStack().stack);
    expect(
      Object.values(alarmsOf(off)).some((a) => String(a.Properties.AlarmName).includes('no events')),
    ).toBe(false);

    const template = Template.fromStack(receiverStack({ alarms: { noEventsFor: Duration.hours(12) } }).stack);
    const alarm = alarmNamed(template, 'no events for 12 h');
    expect(alarmMetrics(alarm)).toEqual([
      expect.objectContaining({ key: `${DEFAULT_METRICS_NAMESPACE}/Requests`, stat: 'Sum', period: 3600 }),
    ]);
    expect(alarmMetrics(alarm)[0]?.dimensions).toContain('Verdict=accepted');
    expect(alarm.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 12,
      TreatMissingData: 'breaching',
    });
    expect(() => receiverStack({ alarms: { noEventsFor: Duration.minutes(90) } })).toThrow(
      /alarms.noEventsFor must be whole hours from 1 to 168 \(got 1 hour 30 minutes\)/,
    );
    expect(() => receiverStack({ alarms: { noEventsFor: Duration.days(8) } })).toThrow(/from 1 to 168/);
  });

  it('notify a topic the user brings, and create none', () => {
    const { stack } = receiverStack();
    const shared = sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:eu-west-1:123456789012:pager');
    const withTopic = new WebhookReceiver(stack, 'Second', {
      alarmTopic: shared,
      metricsNamespace: 'Second',
    });
    expect(withTopic.alarmTopic).toBe(shared);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const secondAlarms = Object.entries(alarmsOf(template)).filter(([id]) => id.startsWith('Second'));
    expect(secondAlarms.length).toBeGreaterThan(0);
    for (const [, alarm] of secondAlarms) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:pager']);
    }
  });
});

describe('archive', () => {
  it('archives the provider’s events on its bus, for as long as ids are remembered', () => {
    const template = Template.fromStack(receiverStack({ idempotencyRetention: Duration.days(45) }).stack);
    template.resourceCountIs('AWS::Events::Archive', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverBus'), 'Arn'] },
      EventPattern: { source: ['com.complycube'] },
      RetentionDays: 45,
    });
  });

  it('takes its own retention, and warns when archived pointers would outlive their large bodies', () => {
    const { stack } = receiverStack({ archiveRetention: Duration.days(90) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 90 });
    expect(
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('a replay of an older event')),
    ).toHaveLength(1);
    expect(() => receiverStack({ archiveRetention: Duration.hours(36) })).toThrow(
      'archiveRetention must be a whole number of days from 1 to 3650 (got 1 day 12 hours), e.g. Duration.days(30).',
    );
  });

  it('can be switched off', () => {
    Template.fromStack(receiverStack({ archive: false }).stack).resourceCountIs('AWS::Events::Archive', 0);
  });

  it('gives each receiver on a shared bus its own archive of its own source', () => {
    const { stack, receiver } = receiverStack();
    new WebhookReceiver(stack, 'Compliancely', {
      provider: Providers.COMPLIANCELY,
      eventBus: receiver.eventBus,
    });
    const archives = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::Events::Archive'));
    expect(archives.map((a) => a.Properties.EventPattern)).toEqual([
      { source: ['com.complycube'] },
      { source: ['com.compliancely'] },
    ]);
    expect(new Set(archives.map((a) => JSON.stringify(a.Properties.SourceArn))).size).toBe(1);
  });

  it('archives a bus of this account brought by name', () => {
    const stack = new Stack(appWithoutBundling(), 'Named', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new WebhookReceiver(stack, 'Receiver', {
      eventBus: events.EventBus.fromEventBusName(stack, 'Bus', 'shared'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', {
      SourceArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/shared',
    });
  });

  it('warns and archives nothing on a bus of another account, and refuses when the archive was asked for', () => {
    const stack = new Stack(appWithoutBundling(), 'Foreign', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const arn = 'arn:aws:events:eu-west-1:210987654321:event-bus/central';
    new WebhookReceiver(stack, 'Receiver', { eventBus: events.EventBus.fromEventBusArn(stack, 'Bus', arn) });
    Template.fromStack(stack).resourceCountIs('AWS::Events::Archive', 0);
    expect(
      Annotations.fromStack(stack).findWarning(
        '*',
        Match.stringLikeRegexp('in another account than this stack'),
      ),
    ).toHaveLength(1);

    const strict = new Stack(appWithoutBundling(), 'Strict', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(
      () =>
        new WebhookReceiver(strict, 'Receiver', {
          eventBus: events.EventBus.fromEventBusArn(strict, 'Bus', arn),
          archive: true,
        }),
    ).toThrow(/Create the archive in the bus's own stack \(source com\.complycube\)/);
  });
});

describe('the deployable app', () => {
  it('e-mails the alarm topic when -c alarmEmail is given, and shares one topic between both receivers', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new ComplyCubeWebhooksStack(app, 'Mailed', {
      compliancely: true,
      alarmEmail: 'oncall@example.com',
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    const topic = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0];
    for (const alarm of Object.values(alarmsOf(template))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    }
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn?.Value).toEqual({ Ref: topic });
  });

  it('with every alarm on passes the AwsSolutions checks and cfn-lint', (context) => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-monitoring-'));
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Everything', { env: { account: '123456789012', region: 'eu-west-1' } });
    const receiver = new WebhookReceiver(stack, 'Receiver', {
      alarms: { noEventsFor: Duration.hours(24) },
      reservedConcurrency: 10,
    });
    const audit = new sqs.Queue(stack, 'Audit', { enforceSSL: true });
    Validations.of(audit).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'A test subscriber; its rule has the DLQ.',
    });
    receiver.subscribe('*', audit);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Throws "Validation failed" on any finding that is not acknowledged.
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((p) => p.violations)).toEqual([]);

    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined) {
      const message = 'cfn-lint is not installed. Install it with: pip install cfn-lint';
      if (process.env.CI === 'true') throw new Error(message);
      context.skip(message);
    }
    const templatePath = join(outdir, 'template.json');
    writeFileSync(templatePath, JSON.stringify(Template.fromStack(stack).toJSON()));
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
  });
});

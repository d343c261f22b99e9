import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { Providers } from '../../contract/providers.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { WebhookWatch, type WebhookWatchProps } from '../../infra/webhook-watch.js';
import { appWithoutBundling } from './stacks.js';

function watchStack(props: Partial<WebhookWatchProps> = {}) {
  const stack = new Stack(appWithoutBundling(), 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const receiver = new WebhookReceiver(stack, 'Receiver');
  const apiKeySecret = new secretsmanager.Secret(stack, 'ApiKey');
  const watch = new WebhookWatch(stack, 'Watch', { receiver, apiKeySecret, ...props });
  // A subscription added after the watch still counts.
  receiver.subscribe(['check.completed*'], receiver.quarantineQueue);
  return { stack, receiver, watch, template: () => Template.fromStack(stack) };
}

describe('WebhookWatch', () => {
  it('runs the watcher every five minutes and tells it what the subscriptions need', () => {
    const { template, watch, stack } = watchStack();
    const t = template();

    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Watches'),
      Environment: {
        Variables: Match.objectLike({
          CATCH_UP_EVENT_TYPES:
            'check.completed,check.completed.clear,check.completed.attention,check.completed.rejected,check.completed.match_confirmed',
          REENABLE_WEBHOOK: 'true',
          CATCH_UP_LOOKBACK_HOURS: '36',
          CATCH_UP_FUNCTION_NAME: { Ref: stack.getLogicalId(watch.catchUp.node.defaultChild as never) },
        }),
      },
    });
  });

  it('lets the catch-up publish on the bus, write beside the ledger, read the API key and hand over to itself', () => {
    const { template, watch, stack } = watchStack();
    const t = template();
    const catchUpArn = {
      'Fn::GetAtt': [stack.getLogicalId(watch.catchUp.node.defaultChild as never), 'Arn'],
    };

    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'events:PutEvents' }),
          Match.objectLike({
            Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          }),
          Match.objectLike({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: catchUpArn }],
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  it('alarms on a disabled, missing or drifted webhook and a failed catch-up, each saying what to do first', () => {
    const { template, watch } = watchStack();
    const t = template();

    expect(watch.alarms.map((a) => a.node.id).sort()).toEqual(
      [
        'CatchUpFailedAlarm',
        'WatcherErrorsAlarm',
        'WebhookDisabledAlarm',
        'WebhookEventsDriftAlarm',
        'WebhookMissingAlarm',
        'WebhookReEnabledAlarm',
        'WebhookUrlDriftAlarm',
      ].sort(),
    );
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WebhookEnabled',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('turns the webhook back on'),
      AlarmActions: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('catch-up --stack'),
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MAX([failed, errors])' })]),
    });
  });

  it('adds the webhook state and the last catch-ups to the dashboard', () => {
    const { template } = watchStack();

    const dashboards = template().findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]);
    expect(body).toContain('ComplyCube webhook (watcher)');
    expect(body).toContain('Last catch-ups');
  });

  it('takes every type when a subscription takes everything, and a schedule and look-back of your own', () => {
    const stack = new Stack(appWithoutBundling(), 'All', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const receiver = new WebhookReceiver(stack, 'Receiver');
    receiver.subscribe(['*'], receiver.quarantineQueue);
    new WebhookWatch(stack, 'Watch', {
      receiver,
      apiKeySecret: new secretsmanager.Secret(stack, 'ApiKey'),
      schedule: Duration.minutes(15),
      lookback: Duration.hours(48),
      reEnable: false,
    });
    const t = Template.fromStack(stack);

    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CATCH_UP_EVENT_TYPES: '*',
          REENABLE_WEBHOOK: 'false',
          CATCH_UP_LOOKBACK_HOURS: '48',
        }),
      },
    });
  });

  it.each([
    [{ schedule: Duration.seconds(30) }, /schedule must be whole minutes/],
    [{ lookback: Duration.days(40) }, /lookback must be whole hours from 1 to the idempotency retention/],
  ])('refuses %o', (props, message) => {
    expect(() => watchStack(props)).toThrow(message);
  });

  it('refuses a provider without a webhook API', () => {
    const stack = new Stack(appWithoutBundling(), 'C');
    const receiver = new WebhookReceiver(stack, 'Receiver', { provider: Providers.COMPLIANCELY });

    expect(
      () =>
        new WebhookWatch(stack, 'Watch', { receiver, apiKeySecret: new secretsmanager.Secret(stack, 'K') }),
    ).toThrow(/Compliancely has no webhook API/);
  });
});

describe('connect.watch', () => {
  it('watches a connected receiver by default, with the connection’s API key and webhook id', () => {
    const stack = new Stack(appWithoutBundling(), 'Connected', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const receiver = new WebhookReceiver(stack, 'Receiver', {
      connect: { apiUrl: 'https://proxy.example/v1' },
    });

    expect(receiver.watch).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Watches'),
      Environment: {
        Variables: Match.objectLike({
          COMPLYCUBE_WEBHOOK_ID: { 'Fn::GetAtt': [Match.anyValue(), 'WebhookId'] },
          COMPLYCUBE_API_URL: 'https://proxy.example/v1',
        }),
      },
    });
  });

  it('is off with watch: false, and without connect', () => {
    const stack = new Stack(appWithoutBundling(), 'Off');
    const off = new WebhookReceiver(stack, 'Off', { connect: { watch: false } });
    const plain = new WebhookReceiver(stack, 'Plain');

    expect(off.watch).toBeUndefined();
    expect(plain.watch).toBeUndefined();
    expect(
      Template.fromStack(stack).findResources('AWS::Events::Rule', {
        Properties: { ScheduleExpression: Match.anyValue() },
      }),
    ).toEqual({});
  });
});

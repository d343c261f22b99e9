import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/env.js';
import { subscriptionId } from '../../infra/subscriptions.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { appWithoutBundling, receiverStack } from './stacks.js';

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

function rulesOf(template: Template): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources('AWS::Events::Rule') as Record<
    string,
    { Properties: Record<string, unknown> }
  >;
}

describe('WebhookReceiver resources', () => {
  it('exposes the function through a function URL with auth type NONE (the HMAC is the authentication)', () => {
    const { stack } = receiverStack();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
  });

  it('runs the receiver on arm64 with a current Node.js runtime and a timeout under ComplyCube’s 15 seconds', () => {
    const { stack } = receiverStack();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Timeout: 10,
      MemorySize: 1024,
      Handler: 'index.handler',
    });
  });

  it('tells the function its provider, bus, table, secret, retention and lease', () => {
    const { stack } = receiverStack({ idempotencyRetention: Duration.days(45) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.provider]: 'complycube',
          [ENV.eventBusName]: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverBus'), 'Arn'] },
          [ENV.tableName]: { Ref: Match.stringLikeRegexp('ReceiverIdempotency') },
          [ENV.secretArn]: { Ref: Match.stringLikeRegexp('ReceiverWebhookSecret') },
          [ENV.retentionDays]: '45',
          [ENV.leaseSeconds]: '30',
        },
      },
    });
  });

  it('creates an on-demand idempotency table with point-in-time recovery and TTL on expiresAt', () => {
    const { stack } = receiverStack();
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('retains the table by default and follows the removal policy prop', () => {
    const retained = Template.fromStack(receiverStack().stack);
    retained.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    const destroyed = Template.fromStack(receiverStack({ removalPolicy: RemovalPolicy.DESTROY }).stack);
    destroyed.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  it('grants exactly the three item writes, PutEvents on its bus, read on its secret and PutObject for large bodies', () => {
    const { stack } = receiverStack();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverIdempotency'), 'Arn'] },
          },
          {
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverBus'), 'Arn'] },
          },
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            Resource: { Ref: Match.stringLikeRegexp('ReceiverWebhookSecret') },
          },
          {
            Action: 's3:PutObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverLargePayloads'), 'Arn'] }, '/*'],
              ],
            },
          },
        ],
      },
    });
  });

  it('creates the secret with a placeholder that has no "current" key, so the receiver reports it unset', () => {
    const { stack } = receiverStack();
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        GenerateStringKey: 'placeholder',
        SecretStringTemplate: Match.not(Match.stringLikeRegexp('current')),
      },
    });
  });

  it('uses a bus and a secret the user brings instead of creating them', () => {
    const stack = new Stack(appWithoutBundling(), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const bus = events.EventBus.fromEventBusArn(
      stack,
      'Shared',
      'arn:aws:events:eu-west-1:123456789012:event-bus/shared',
    );
    const secret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Mine',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cc-AbCdEf',
    );
    const receiver = new WebhookReceiver(stack, 'Receiver', { eventBus: bus, webhookSecret: secret });
    const template = Template.fromStack(stack);
    expect(receiver.eventBus).toBe(bus);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.eventBusName]: 'arn:aws:events:eu-west-1:123456789012:event-bus/shared',
          [ENV.secretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cc-AbCdEf',
        },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'shared',
      EventPattern: { source: ['com.complycube.quarantine'] },
    });
  });

  it('routes only the quarantine source to an encrypted quarantine queue', () => {
    const { stack } = receiverStack();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube.quarantine'] },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
  });
});

describe('limits that protect the account', () => {
  it('reserves concurrency when asked, and not by default', () => {
    const capped = Template.fromStack(receiverStack({ reservedConcurrency: 20 }).stack);
    capped.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
    const uncapped = Template.fromStack(receiverStack().stack);
    uncapped.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
  });

  it('passes a body limit to the function', () => {
    const { stack } = receiverStack({ maxBodyBytes: 65_536 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.maxBodyBytes]: '65536' } },
    });
  });

  it('refuses a reserved concurrency of zero, which would switch the receiver off', () => {
    expect(() => receiverStack({ reservedConcurrency: 0 })).toThrow(
      'reservedConcurrency must be a whole number from 1 to 10000 (got 0).',
    );
  });

  it('refuses a body limit beyond what a function URL accepts', () => {
    expect(() => receiverStack({ maxBodyBytes: 10_000_000 })).toThrow(
      /maxBodyBytes must be a whole number from 1024 to 6291456/,
    );
  });
});

describe('events too large for the bus', () => {
  it('keeps their bodies in a private, encrypted, TLS-only bucket for as long as ids are remembered', () => {
    const { stack } = receiverStack({ idempotencyRetention: Duration.days(45) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 45, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('tells the function the bucket and, when set, the entry limit', () => {
    const { stack } = receiverStack({ maxBusEntryBytes: 1_048_576 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.payloadBucket]: { Ref: Match.stringLikeRegexp('ReceiverLargePayloads') },
          [ENV.maxEntryBytes]: '1048576',
        },
      },
    });
  });

  it('lets a Lambda subscriber read its provider’s stored bodies (not quarantined ones), GetObject only', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe('client.created', inlineFunction(stack, 'Subscriber'));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('SubscriberServiceRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiverLargePayloads'), 'Arn'] }, '/complycube/*'],
              ],
            },
          },
        ]),
      },
    });
  });

  it('refuses an entry limit EventBridge does not have', () => {
    expect(() => receiverStack({ maxBusEntryBytes: 2_000_000 })).toThrow(
      'maxBusEntryBytes must be a whole number from 1024 to 1048576 (got 2000000).',
    );
  });
});

describe('subscribe', () => {
  it('creates one rule per subscription keyed on the provider source and the detail-type', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed.clear', 'client.deleted'], inlineFunction(stack, 'A'));
    receiver.subscribe('document.created', inlineFunction(stack, 'B'));
    const template = Template.fromStack(stack);
    // One quarantine rule plus the two subscriptions.
    expect(Object.keys(rulesOf(template))).toHaveLength(3);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['com.complycube'],
        'detail-type': ['check.completed.clear', 'client.deleted'],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube'], 'detail-type': ['document.created'] },
    });
  });

  it('turns a family ending in * into an EventBridge prefix match', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed*', 'client.created'], inlineFunction(stack, 'A'));
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['com.complycube'],
        'detail-type': ['client.created', { prefix: 'check.completed' }],
      },
    });
  });

  it('matches every event of the provider for *', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe('*', inlineFunction(stack, 'A'));
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube'], 'detail-type': Match.absent() },
    });
  });

  it('gives a Lambda target a retry policy and its own dead-letter queue by default', () => {
    const { stack, receiver } = receiverStack();
    const subscription = receiver.subscribe('check.pending', inlineFunction(stack, 'A'));
    expect(subscription.deadLetterQueue).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['check.pending'] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OnCheckPendingDeadLetters'), 'Arn'] },
          },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('sends the events a Lambda subscriber keeps failing on to its dead-letter queue, after Lambda’s retries', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe('check.pending', inlineFunction(stack, 'A'));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^A') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OnCheckPendingDeadLetters'), 'Arn'] },
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AServiceRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('OnCheckPendingDeadLetters'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('warns, and keeps the function’s own async configuration, when a function is subscribed twice', () => {
    const { stack, receiver } = receiverStack();
    const fn = inlineFunction(stack, 'A');
    receiver.subscribe('check.pending', fn);
    receiver.subscribe('check.failed', fn);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('already has an asynchronous invocation configuration'),
    );
  });

  it('names the earlier subscription when a function subscribed twice keeps its first async configuration', () => {
    const { stack, receiver } = receiverStack();
    const fn = inlineFunction(stack, 'A');
    receiver.subscribe('check.pending', fn);
    receiver.subscribe('check.failed', fn);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OnCheckPendingDeadLetters'), 'Arn'] },
        },
      },
    });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('set by the subscription OnCheckPending'),
    );
  });

  it('keeps the async configuration a function was given before it was subscribed, and says so', () => {
    const { stack, receiver } = receiverStack();
    const fn = inlineFunction(stack, 'A');
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    receiver.subscribe('check.pending', fn);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: Match.absent(),
    });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('already has an asynchronous invocation configuration \\(its own\\)'),
    );
  });

  it('delivers to an SQS queue with the same policy', () => {
    const { stack, receiver } = receiverStack();
    const queue = new sqs.Queue(stack, 'Work', { enforceSSL: true });
    receiver.subscribe('client.deleted', queue, { retryAttempts: 3, maxEventAge: Duration.hours(2) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['client.deleted'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Work'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 3 },
        }),
      ],
    });
  });

  it('adds a dead-letter queue to a ready-made rule target that has none, and lets only its rule write to it', () => {
    const { stack, receiver } = receiverStack();
    const queue = new sqs.Queue(stack, 'Work', { enforceSSL: true });
    const subscription = receiver.subscribe('address.created', new targets.SqsQueue(queue), {
      id: 'Addresses',
    });
    expect(subscription.deadLetterQueue).toBeDefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['address.created'] },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('AddressesDeadLetters') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('Addresses'), 'Arn'] } },
            },
          }),
        ]),
      },
    });
  });

  it('keeps the dead-letter queue a ready-made target brings', () => {
    const { stack, receiver } = receiverStack();
    const own = new sqs.Queue(stack, 'OwnDlq', { enforceSSL: true });
    const queue = new sqs.Queue(stack, 'Work', { enforceSSL: true });
    const subscription = receiver.subscribe(
      'address.created',
      new targets.SqsQueue(queue, { deadLetterQueue: own }),
    );
    expect(subscription.deadLetterQueue).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['address.created'] },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OwnDlq'), 'Arn'] } },
        }),
      ],
    });
  });

  it('creates the subscriptions given as a prop', () => {
    const stack = new Stack(appWithoutBundling(), 'Test');
    const fn = inlineFunction(stack, 'A');
    const receiver = new WebhookReceiver(stack, 'Receiver', {
      subscriptions: [{ eventTypes: ['check.failed'], target: fn }],
    });
    expect(receiver.subscribedEventTypes).toEqual(['check.failed']);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube'], 'detail-type': ['check.failed'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^A'), 'Arn'] } })],
    });
  });

  it('lists the portal event types a subscription needs, families expanded against the catalogue', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed*'], inlineFunction(stack, 'A'));
    receiver.subscribe(['client.deleted', 'check.completed.clear'], inlineFunction(stack, 'B'));
    expect(receiver.portalEventTypes).toEqual([
      'check.completed',
      'check.completed.clear',
      'check.completed.attention',
      'check.completed.rejected',
      'check.completed.match_confirmed',
      'client.deleted',
    ]);
    receiver.addPortalEventTypesOutput();
    Template.fromStack(stack).hasOutput('PortalEventTypes', {
      Value:
        'check.completed,check.completed.clear,check.completed.attention,check.completed.rejected,check.completed.match_confirmed,client.deleted',
    });
  });

  it('warns at synth about a pattern that matches no documented type, and still subscribes it', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe('check.complete.clear', inlineFunction(stack, 'A'));
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp("'check.complete.clear' matches no ComplyCube"),
    );
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['check.complete.clear'] },
    });
  });

  it('derives stable construct ids from the event types', () => {
    expect(subscriptionId(['check.completed*'])).toBe('OnCheckCompletedAll');
    expect(subscriptionId(['client.deleted', 'client.updated'])).toBe('OnClientDeletedAndClientUpdated');
    expect(subscriptionId(['*'])).toBe('OnEverything');
    expect(
      subscriptionId(Array.from({ length: 10 }, (_, i) => `document.updated.kind${i}`)).length,
    ).toBeLessThanOrEqual(80);
  });
});

describe('misuse', () => {
  it('refuses a subscription without event types', () => {
    const { stack, receiver } = receiverStack();
    expect(() => receiver.subscribe([], inlineFunction(stack, 'A'))).toThrow(/at least one event type/);
  });

  it('refuses a * anywhere but at the end', () => {
    const { stack, receiver } = receiverStack();
    expect(() => receiver.subscribe('check.*.clear', inlineFunction(stack, 'A'))).toThrow(
      /Invalid event type pattern "check\.\*\.clear".*trailing/,
    );
  });

  it('refuses a pattern with spaces or other characters ComplyCube types never have', () => {
    const { stack, receiver } = receiverStack();
    expect(() => receiver.subscribe('check completed', inlineFunction(stack, 'A'))).toThrow(
      /Invalid event type pattern/,
    );
  });

  it('refuses two subscriptions with the same derived id and says how to fix it', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe('check.failed', inlineFunction(stack, 'A'));
    expect(() => receiver.subscribe('check.failed', inlineFunction(stack, 'B'))).toThrow(
      /Pass a distinct \{ id \}/,
    );
  });

  it('refuses a retention that is not a whole number of days', () => {
    expect(() => receiverStack({ idempotencyRetention: Duration.hours(36) })).toThrow(/whole number of days/);
  });

  it('refuses a retention shorter than a day', () => {
    expect(() => receiverStack({ idempotencyRetention: Duration.hours(1) })).toThrow(/idempotencyRetention/);
  });

  it('refuses a memory size Lambda does not offer', () => {
    expect(() => receiverStack({ memorySize: 64 })).toThrow(
      /memorySize must be a whole number of MB from 128 to 10240/,
    );
  });
});

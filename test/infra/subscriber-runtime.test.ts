/** The construct side of `once` and `order: 'latest'`: the table, the grants, the environment. */
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { SUBSCRIBER_ENV } from '../../contract/subscriber.js';
import { receiverStack } from './stacks.js';

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

function environmentOf(template: Template, logicalIdPrefix: string): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function');
  const match = Object.entries(functions).find(([id]) => id.startsWith(logicalIdPrefix));
  const variables = (match?.[1] as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } })
    ?.Properties?.Environment?.Variables;
  if (variables === undefined) throw new Error(`no environment on ${logicalIdPrefix}`);
  return variables;
}

describe("subscribe(…, { once, order: 'latest' })", () => {
  it('creates one on-demand table with TTL on expiresAt and point-in-time recovery', () => {
    const { stack, receiver } = receiverStack();
    const subscription = receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'), {
      once: true,
    });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 2); // the receiver's ledger and this one
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(subscription.subscriberTable).toBeDefined();
  });

  it('grants the function the three item writes on its own records only', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'), { order: 'latest' });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReceiverSubscriberTable'), 'Arn'] },
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OnCheckCompletedAll#*'] } },
          },
        ]),
      },
    });
  });

  it('tells the function its subscription, its table and its dead-letter queue, and lets it send there', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'), { once: true, order: 'latest' });

    const template = Template.fromStack(stack);
    expect(environmentOf(template, 'Fn')).toEqual({
      [SUBSCRIBER_ENV.subscription]: 'OnCheckCompletedAll',
      [SUBSCRIBER_ENV.table]: { Ref: expect.stringMatching(/^ReceiverSubscriberTable/) },
      [SUBSCRIBER_ENV.deadLetterQueueUrl]: {
        Ref: expect.stringMatching(/^ReceiverOnCheckCompletedAllDeadLetters/),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: {
              'Fn::GetAtt': [Match.stringLikeRegexp('^ReceiverOnCheckCompletedAllDeadLetters'), 'Arn'],
            },
          }),
        ]),
      },
    });
  });

  it('shares the one table between the receiver’s subscriptions, each limited to its own records', () => {
    const { stack, receiver } = receiverStack();
    const a = receiver.subscribe(['check.completed*'], inlineFunction(stack, 'A'), { once: true });
    const b = receiver.subscribe(['client.deleted'], inlineFunction(stack, 'B'), { order: 'latest' });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(a.subscriberTable).toBe(b.subscriberTable);
    const conditions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Condition?: unknown }[]).flatMap((s) =>
        s.Condition === undefined ? [] : [s.Condition],
      ),
    );
    expect(conditions).toEqual(
      expect.arrayContaining([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OnCheckCompletedAll#*'] } },
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OnClientDeleted#*'] } },
      ]),
    );
  });

  it('uses a table the user brings instead of creating one', () => {
    const { stack, receiver } = receiverStack();
    const table = new dynamodb.Table(stack, 'Mine', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'), {
      once: true,
      subscriberTable: table,
    });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 2); // the ledger and the user's
    expect(environmentOf(template, 'Fn')[SUBSCRIBER_ENV.table]).toEqual({
      Ref: expect.stringMatching(/^Mine/),
    });
  });

  it('creates no table for a subscription that asks for neither, but still names it and its queue', () => {
    const { stack, receiver } = receiverStack();
    receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'));

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(Object.keys(environmentOf(template, 'Fn')).sort()).toEqual(
      [SUBSCRIBER_ENV.deadLetterQueueUrl, SUBSCRIBER_ENV.subscription].sort(),
    );
  });

  it('keeps the first subscription’s name for a function subscribed twice, and grants its records', () => {
    const { stack, receiver } = receiverStack();
    const fn = inlineFunction(stack, 'Fn');
    receiver.subscribe(['check.pending'], fn);
    receiver.subscribe(['check.completed*'], fn, { once: true });

    const template = Template.fromStack(stack);
    expect(environmentOf(template, 'Fn')[SUBSCRIBER_ENV.subscription]).toBe('OnCheckPending');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OnCheckPending#*'] } },
          }),
        ]),
      },
    });
  });

  it('refuses once on a target that is not a Lambda function, saying why', () => {
    const { stack, receiver } = receiverStack();
    const queue = new sqs.Queue(stack, 'Q');
    expect(() => receiver.subscribe(['check.completed*'], queue, { once: true })).toThrow(
      /\{ once: true \} runs inside a Lambda subscriber .* deduplicate in its consumer/,
    );
  });

  it('refuses a subscriber table given without an option that uses it', () => {
    const { stack, receiver } = receiverStack();
    const table = new dynamodb.Table(stack, 'Mine', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    expect(() =>
      receiver.subscribe(['check.completed*'], inlineFunction(stack, 'Fn'), { subscriberTable: table }),
    ).toThrow(/subscriberTable is given but neither once nor order/);
  });
});

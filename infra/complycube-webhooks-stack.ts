import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionBundling } from './bundling.js';
import { WebhookReceiver } from './webhook-receiver.js';

export interface ComplyCubeWebhooksStackProps extends StackProps {
  /**
   * Name of an existing event bus in this account and region to publish on.
   * @default - the receiver creates a bus
   */
  readonly eventBusName?: string;
  /**
   * Days a processed event id is remembered.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * What happens to the table, secret and queues on `cdk destroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Memory of the receiver function in MB.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Deploy the example subscriber for the `check.completed*` family.
   * @default true
   */
  readonly exampleSubscriber?: boolean;
}

/** The deployable app: a ComplyCube receiver and an example subscriber. */
export class ComplyCubeWebhooksStack extends Stack {
  readonly receiver: WebhookReceiver;

  constructor(scope: Construct, id: string, props: ComplyCubeWebhooksStackProps = {}) {
    super(scope, id, props);

    this.receiver = new WebhookReceiver(this, 'ComplyCube', {
      eventBus:
        props.eventBusName === undefined
          ? undefined
          : events.EventBus.fromEventBusName(this, 'ExistingBus', props.eventBusName),
      idempotencyRetention:
        props.retentionDays === undefined ? undefined : Duration.days(props.retentionDays),
      removalPolicy: props.removalPolicy,
      memorySize: props.memorySize,
    });

    if (props.exampleSubscriber ?? true) {
      const onCheckCompleted = new NodejsFunction(this, 'ExampleCheckCompleted', {
        description: 'Example subscriber: logs the id and outcome of every completed ComplyCube check',
        entry: fileURLToPath(new URL('../functions/example-subscriber/handler.ts', import.meta.url)),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.seconds(10),
        bundling: functionBundling(),
        logGroup: new logs.LogGroup(this, 'ExampleCheckCompletedLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });
      Validations.of(onCheckCompleted).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own logs.',
      });
      this.receiver.subscribe(['check.completed*'], onCheckCompleted);
    }

    new CfnOutput(this, 'WebhookUrl', {
      description: 'Paste this URL into the ComplyCube portal as the webhook endpoint',
      value: this.receiver.functionUrl.url,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        'Put the webhook secret the portal shows into this secret (README, "Set the webhook secret")',
      value: this.receiver.webhookSecret.secretArn,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'The bus ComplyCube events are published on',
      value: this.receiver.eventBus.eventBusName,
    });
    new CfnOutput(this, 'QuarantineQueueUrl', {
      description: 'Authentic deliveries that were not ComplyCube events',
      value: this.receiver.quarantineQueue.queueUrl,
    });
    this.receiver.addPortalEventTypesOutput();
  }
}

import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CATCH_UP_OUTPUTS } from '../contract/catch-up.js';
import { CONNECT_OUTPUTS } from '../contract/connect.js';
import type { SignatureVerification } from '../contract/env.js';
import { Providers } from '../contract/providers.js';
import { functionBundling } from './bundling.js';
import type { ConnectProps } from './complycube-connection.js';
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
   * Deploy the example subscribers: `check.completed*`, and `tin_check.did_not_match` when the
   * Compliancely receiver is deployed.
   * @default true
   */
  readonly exampleSubscriber?: boolean;
  /**
   * Also deploy a Compliancely receiver, publishing on the same bus as the ComplyCube one.
   * @default false
   */
  readonly compliancely?: boolean;
  /**
   * `'optional'` only if Compliancely is configured to send webhooks unsigned; see
   * `WebhookReceiverProps.signatureVerification` and README, "Unsigned deliveries".
   * @default 'required'
   */
  readonly compliancelySignatureVerification?: SignatureVerification;
  /**
   * An address the alarm topic e-mails (SNS asks it to confirm first).
   * @default - no subscription; subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
  /**
   * Register the ComplyCube webhook at deploy time and store its secret (docs/connect.md); `true`
   * creates the API key secret with a placeholder.
   * @default false
   */
  readonly connect?: boolean | ConnectProps;
  /**
   * With `connect: true`: the name or ARN of an existing secret holding the ComplyCube API key.
   * @default - a new secret holding a placeholder
   */
  readonly connectApiKeySecret?: string;
}

/** The deployable app: a ComplyCube receiver, optionally a Compliancely one on the same bus, and example subscribers. */
export class ComplyCubeWebhooksStack extends Stack {
  readonly receiver: WebhookReceiver;
  /** The Compliancely receiver, when `compliancely` is true. */
  readonly compliancely: WebhookReceiver | undefined;

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
      // The stack name: two deployments in one account (-c stackName=…) keep their metrics apart.
      metricsNamespace: this.stackName,
      connect: this.connectProps(props),
    });
    if (props.alarmEmail !== undefined) {
      this.receiver.alarmTopic?.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    if (props.exampleSubscriber ?? true) {
      const onCheckCompleted = this.exampleSubscriber(
        'ExampleCheckCompleted',
        'handler.ts',
        'Example subscriber: logs the id and outcome of every completed ComplyCube check',
      );
      this.receiver.subscribe(['check.completed*'], onCheckCompleted, { once: true, order: 'latest' });
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
    // What `npx complycube-webhooks catch-up --stack` writes to: the ledger (and its retention).
    new CfnOutput(this, CATCH_UP_OUTPUTS.tableName, {
      description: 'The idempotency table: the ledger live and caught-up events go through',
      value: this.receiver.table.tableName,
    });
    new CfnOutput(this, CATCH_UP_OUTPUTS.retentionDays, {
      description: 'Days a processed event id is remembered',
      value: String(this.receiver.idempotencyRetentionDays),
    });
    this.receiver.addPortalEventTypesOutput();
    const connection = this.receiver.connection;
    if (connection !== undefined) {
      new CfnOutput(this, CONNECT_OUTPUTS.webhookEvents, {
        description: 'The events list connect registers with ComplyCube (* for every type)',
        value: Token.asString({ resolve: () => this.receiver.webhookEvents.join(',') || 'none' }),
      });
      new CfnOutput(this, CONNECT_OUTPUTS.apiKeySecretArn, {
        description: 'The ComplyCube API key for connect: put your test_ or live_ key in this secret',
        value: connection.apiKeySecret.secretArn,
      });
      new CfnOutput(this, CONNECT_OUTPUTS.webhookId, {
        description:
          'The ComplyCube webhook connect registered (complycube-webhook-not-connected until the key is set)',
        value: connection.webhookId,
      });
      new CfnOutput(this, 'ComplyCubeConnection', {
        description: 'What connect did at the last deployment, and what to do next',
        value: connection.status,
      });
    }
    this.addOperationsOutputs(this.receiver, '');

    this.compliancely = props.compliancely === true ? this.addCompliancely(props) : undefined;
  }

  private connectProps(props: ComplyCubeWebhooksStackProps): ConnectProps | undefined {
    const { connect, connectApiKeySecret: secret } = props;
    if (secret !== undefined && connect !== true) {
      throw new Error('connectApiKeySecret is the API key secret for connect: set connect to true as well.');
    }
    if (connect === undefined || connect === false) return undefined;
    if (connect !== true) return connect;
    if (secret === undefined) return {};
    return {
      apiKeySecret: secret.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ConnectApiKeySecret', secret)
        : secretsmanager.Secret.fromSecretNameV2(this, 'ConnectApiKeySecret', secret),
    };
  }

  /** A second provider through the same front door: its own receiver, the ComplyCube receiver's bus. */
  private addCompliancely(props: ComplyCubeWebhooksStackProps): WebhookReceiver {
    const receiver = new WebhookReceiver(this, 'Compliancely', {
      provider: Providers.COMPLIANCELY,
      eventBus: this.receiver.eventBus,
      idempotencyRetention:
        props.retentionDays === undefined ? undefined : Duration.days(props.retentionDays),
      removalPolicy: props.removalPolicy,
      memorySize: props.memorySize,
      signatureVerification: props.compliancelySignatureVerification,
      metricsNamespace: this.stackName,
      // One topic for every alarm of the app.
      alarmTopic: this.receiver.alarmTopic,
    });
    if (props.exampleSubscriber ?? true) {
      const onDidNotMatch = this.exampleSubscriber(
        'ExampleTinCheckDidNotMatch',
        'tin-check.ts',
        'Example subscriber: logs every Compliancely TIN check that did not match',
      );
      receiver.subscribe(['tin_check.did_not_match'], onDidNotMatch, { once: true, order: 'latest' });
    }
    new CfnOutput(this, 'CompliancelyWebhookUrl', {
      description: 'Enter this URL as the webhook endpoint in the Compliancely app',
      value: receiver.functionUrl.url,
    });
    new CfnOutput(this, 'CompliancelyWebhookSecretArn', {
      description: 'Put the secret you set in the Compliancely app into this secret (README, "Compliancely")',
      value: receiver.webhookSecret.secretArn,
    });
    new CfnOutput(this, 'CompliancelyQuarantineQueueUrl', {
      description: 'Authentic deliveries that were not Compliancely TIN check records',
      value: receiver.quarantineQueue.queueUrl,
    });
    receiver.addPortalEventTypesOutput('CompliancelyEventTypes');
    this.addOperationsOutputs(receiver, 'Compliancely');
    return receiver;
  }

  /** Where to look and where to subscribe: README, "Operating it". */
  private addOperationsOutputs(receiver: WebhookReceiver, prefix: string): void {
    const { dashboard } = receiver.monitoring;
    if (dashboard !== undefined) {
      new CfnOutput(this, `${prefix}DashboardName`, {
        description: `The CloudWatch dashboard of the ${receiver.provider.displayName} receiver`,
        value: dashboard.dashboardName,
      });
    }
    if (prefix === '' && receiver.alarmTopic !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', {
        description:
          'Every alarm of this stack notifies this SNS topic: subscribe your e-mail or pager to it',
        value: receiver.alarmTopic.topicArn,
      });
    }
  }

  private exampleSubscriber(id: string, file: string, description: string): NodejsFunction {
    const fn = new NodejsFunction(this, id, {
      description,
      entry: fileURLToPath(new URL(`../functions/example-subscriber/${file}`, import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
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

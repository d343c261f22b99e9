import { fileURLToPath } from 'node:url';
import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  TokenComparison,
  Validations,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ENV,
  FUNCTION_URL_MAX_BYTES,
  MAX_BUS_ENTRY_BYTES,
  type SignatureVerification,
} from '../contract/env.js';
import { LEDGER_ATTRIBUTES } from '../contract/ledger.js';
import { DEFAULT_METRICS_NAMESPACE } from '../contract/metrics.js';
import { type ProviderDescriptor, Providers } from '../contract/providers.js';
import { functionBundling } from './bundling.js';
import { ComplyCubeConnection, type ConnectProps } from './complycube-connection.js';
import { providerArchive } from './event-archive.js';
import { type ReceiverAlarms, ReceiverMonitoring } from './receiver-monitoring.js';
import {
  archiveRetentionDays,
  validateMemory,
  validateNamespace,
  validateRetention,
  validateSignatureVerification,
  validateWhole,
} from './receiver-validation.js';
import {
  ReceiverSubscriptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionProps,
  type SubscriptionTarget,
} from './subscriptions.js';

export type {
  SubscribeOptions,
  Subscription,
  SubscriptionProps,
  SubscriptionTarget,
} from './subscriptions.js';

import { WebhookWatch } from './webhook-watch.js';

export interface WebhookReceiverProps {
  /**
   * The provider whose webhooks this receiver takes.
   * @default Providers.COMPLYCUBE
   */
  readonly provider?: ProviderDescriptor;
  /**
   * The bus events are published on. Bring your own to share one bus between receivers.
   * @default - a new event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The secret that holds the webhook secret the provider's portal shows (plain text, or
   * `{"current":"…","next":"…"}` during a rotation).
   * @default - a new secret holding a placeholder; the receiver answers 503 until it is set
   */
  readonly webhookSecret?: secretsmanager.ISecret;
  /**
   * How long a processed event id is remembered; a redelivery within it is acknowledged without
   * publishing again. Longer than the provider's whole retry schedule.
   * @default Duration.days(30)
   */
  readonly idempotencyRetention?: Duration;
  /**
   * What happens to the idempotency table, the created secret and the quarantine queue when the
   * stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Memory of the receiver function, in MB. Lambda gives CPU in proportion, and a cold start is
   * CPU-bound (loading the bundle, TLS to three services).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * How long the receiver's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long authentic bodies that are not events stay in the quarantine queue.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly quarantineRetention?: Duration;
  /**
   * Caps the receiver's concurrent executions, so a flood (or a hostile burst of forged requests)
   * cannot take the account's whole Lambda concurrency. Past the cap the function URL answers
   * 429 and the provider retries later.
   * @default - no reservation: the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Bodies larger than this get 413 before anything is hashed or written.
   * @default 1_048_576 (1 MiB; ComplyCube events are a few KB)
   */
  readonly maxBodyBytes?: number;
  /**
   * The largest PutEvents entry the bus takes. Larger events are stored in `largePayloadBucket`
   * and published as a pointer. Raise it to 1_048_576 where EventBridge takes 1 MiB entries.
   * @default 262_144 (256 KiB)
   */
  readonly maxBusEntryBytes?: number;
  /**
   * Subscriptions to create; each is the same as calling `subscribe`.
   * @default - none
   */
  readonly subscriptions?: readonly SubscriptionProps[];
  /**
   * `'optional'` says the provider is configured to send its webhooks unsigned: a request without
   * the signature header is then taken in, so anyone who learns the URL can publish events and
   * pre-empt real ones (README, "Unsigned deliveries"). A request that carries a signature is
   * still verified. Only for a provider that can send unsigned webhooks (Compliancely); warns at
   * synth time. Sign your webhooks instead whenever you can.
   * @default 'required'
   */
  readonly signatureVerification?: SignatureVerification;
  /**
   * The CloudWatch namespace of the receiver's metrics (embedded in its log lines). Give each
   * deployment in an account and region its own, or their metrics add up.
   * @default 'ComplyCubeWebhooks'
   */
  readonly metricsNamespace?: string;
  /**
   * A CloudWatch dashboard for this receiver (README, "Operating it").
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Which alarms to create, or `false` for none. Each alarm's description says what to check first.
   * @default - every alarm except `noEventsFor`
   */
  readonly alarms?: ReceiverAlarms | false;
  /**
   * Where the alarms notify. Pass one topic to several receivers to get one stream of alarms.
   * @default - a new SNS topic (`alarmTopic`)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Archive the provider's events on the bus, so they can be replayed to a subscriber added later
   * or to one that failed (`npx complycube-webhooks replay`). Only the provider's own source is
   * archived. `true` makes a bus that cannot have an archive here (another account or region) an
   * error instead of a warning.
   * @default - an archive when the bus is in this stack's account and region; on a bus elsewhere,
   * a warning and no archive (where `true` is an error)
   */
  readonly archive?: boolean;
  /**
   * How long archived events are kept; whole days. Longer than `idempotencyRetention` means a
   * replayed pointer to a large body may find the body gone.
   * @default - the idempotency retention (30 days)
   */
  readonly archiveRetention?: Duration;
  /**
   * Register the receiver's webhook in the provider at deploy time, with the events the
   * subscriptions need, and store the secret it issues (docs/connect.md). ComplyCube only.
   * `{}` creates the API key secret with a placeholder: deployments warn and connect nothing
   * until the key is put in it.
   * @default - not connected: register the webhook in the portal, or run `npx complycube-webhooks connect`
   */
  readonly connect?: ConnectProps;
}

const DEFAULT_RETENTION = Duration.days(30);
/** Under ComplyCube's 15 s, so the provider never gives up on an attempt we are still working on. */
const FUNCTION_TIMEOUT = Duration.seconds(10);
/**
 * Longer than the function timeout, so a live attempt's claim is never taken over; the function
 * refuses a lease shorter than its timeout plus `LEASE_MARGIN_SECONDS` (`FUNCTION_TIMEOUT_SECONDS`).
 */
const CLAIM_LEASE = FUNCTION_TIMEOUT.plus(Duration.seconds(20));

/**
 * A webhook front door: a function URL that verifies each delivery's signature, records its id in
 * DynamoDB and publishes it once onto EventBridge, where subscribers pick the event types they want.
 *
 * @example
 * const receiver = new WebhookReceiver(this, 'ComplyCube');
 * receiver.subscribe(['check.completed*'], onCheckCompleted);
 * new CfnOutput(this, 'Url', { value: receiver.functionUrl.url });
 */
export class WebhookReceiver extends Construct {
  readonly provider: ProviderDescriptor;
  readonly eventBus: events.IEventBus;
  readonly table: dynamodb.Table;
  readonly webhookSecret: secretsmanager.ISecret;
  readonly function: NodejsFunction;
  readonly functionUrl: lambda.FunctionUrl;
  /** Authentic bodies that are not events (see README, "Quarantine"). */
  readonly quarantineQueue: sqs.Queue;
  /**
   * Bodies too large for the bus; their events carry `payloadStored: { bucket, key }` instead
   * (README, "Events too large for the bus"). Lambda subscribers are granted read on it.
   */
  readonly largePayloadBucket: s3.Bucket;
  /** The CloudWatch namespace the function writes its metrics to. */
  readonly metricsNamespace: string;
  /** How many days a processed event id is remembered (`idempotencyRetention`). */
  readonly idempotencyRetentionDays: number;
  /** Dashboard, alarms and the alarm topic (README, "Operating it"). */
  readonly monitoring: ReceiverMonitoring;
  /** Where the alarms notify; undefined when `alarms` is false. */
  readonly alarmTopic: sns.ITopic | undefined;
  /** The archive of the provider's events, unless switched off or impossible for the bus. */
  readonly archive: events.Archive | undefined;
  /** The deploy-time connection to the provider, when `connect` is set. */
  readonly connection: ComplyCubeConnection | undefined;
  /** The webhook watcher and the catch-up (docs/catch-up.md), when connected and not switched off. */
  readonly watch: WebhookWatch | undefined;
  private readonly removalPolicy: RemovalPolicy;
  private readonly subscriptions: ReceiverSubscriptions;

  constructor(scope: Construct, id: string, props: WebhookReceiverProps = {}) {
    super(scope, id);
    this.provider = props.provider ?? Providers.COMPLYCUBE;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retentionDays = validateRetention(props.idempotencyRetention ?? DEFAULT_RETENTION);
    this.idempotencyRetentionDays = retentionDays;
    const memorySize = validateMemory(props.memorySize ?? 1024);
    const reservedConcurrency = validateWhole('reservedConcurrency', props.reservedConcurrency, 1, 10_000);
    const maxBodyBytes = validateWhole('maxBodyBytes', props.maxBodyBytes, 1_024, FUNCTION_URL_MAX_BYTES);
    const maxBusEntryBytes = validateWhole(
      'maxBusEntryBytes',
      props.maxBusEntryBytes,
      1_024,
      MAX_BUS_ENTRY_BYTES,
    );
    const { displayName } = this.provider;
    const signatureVerification = validateSignatureVerification(
      this,
      this.provider,
      props.signatureVerification,
    );
    const metricsNamespace = validateNamespace(props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE);
    this.metricsNamespace = metricsNamespace;

    this.eventBus =
      props.eventBus ?? new events.EventBus(this, 'Bus', { description: `${displayName} webhook events` });

    this.table = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: LEDGER_ATTRIBUTES.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: LEDGER_ATTRIBUTES.ttl,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: this.removalPolicy,
    });

    this.webhookSecret = props.webhookSecret ?? this.createSecret(displayName);

    this.largePayloadBucket = new s3.Bucket(this, 'LargePayloads', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Kept as long as the ids are remembered, so a pointer on the bus never outlives its body.
      lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
      removalPolicy: this.removalPolicy,
    });
    Validations.of(this.largePayloadBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the receiver writes here and only subscribers read, both through IAM; CloudTrail data events cover access if an account wants them.',
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.function = new NodejsFunction(this, 'Function', {
      description: `Receives ${displayName} webhooks: verify, deduplicate, publish to EventBridge`,
      entry: fileURLToPath(new URL('../functions/receiver/handler.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      reservedConcurrentExecutions: reservedConcurrency,
      timeout: FUNCTION_TIMEOUT,
      logGroup,
      bundling: functionBundling('receiver'),
      environment: {
        [ENV.provider]: this.provider.name,
        // The ARN, so a bus shared from another account works as well as our own.
        [ENV.eventBusName]: this.eventBus.eventBusArn,
        [ENV.tableName]: this.table.tableName,
        [ENV.secretArn]: this.webhookSecret.secretArn,
        [ENV.retentionDays]: String(retentionDays),
        [ENV.leaseSeconds]: String(CLAIM_LEASE.toSeconds()),
        [ENV.functionTimeoutSeconds]: String(FUNCTION_TIMEOUT.toSeconds()),
        ...(maxBodyBytes === undefined ? {} : { [ENV.maxBodyBytes]: String(maxBodyBytes) }),
        [ENV.signatureVerification]: signatureVerification,
        [ENV.payloadBucket]: this.largePayloadBucket.bucketName,
        ...(maxBusEntryBytes === undefined ? {} : { [ENV.maxEntryBytes]: String(maxBusEntryBytes) }),
        [ENV.metricsNamespace]: metricsNamespace,
      },
    });

    // Least privilege: the three item writes the ledger makes, PutEvents on this bus, read the secret.
    this.table.grant(this.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.eventBus.grantPutEventsTo(this.function);
    this.webhookSecret.grantRead(this.function);
    // grantRead hands an imported customer-managed key's decrypt grant to a principal that
    // adds nothing to the role: ask the key directly, or GetSecretValue is refused.
    this.webhookSecret.encryptionKey?.grantDecrypt(this.function);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.largePayloadBucket.arnForObjects('*')],
      }),
    );
    Validations.of(this.function).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/*]`,
      reason:
        'Objects are keyed by provider, day and body digest; the receiver may write any of them and nothing else.',
    });

    // AuthType NONE is deliberate: the provider cannot sign requests with AWS credentials. Every
    // request is authenticated by its HMAC signature before anything is read, written or published.
    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    this.quarantineQueue = new sqs.Queue(this, 'Quarantine', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.quarantineRetention ?? Duration.days(14),
      removalPolicy: this.removalPolicy,
    });
    const quarantineRule = new events.Rule(this, 'QuarantineRule', {
      eventBus: this.eventBus,
      description: `Authentic ${displayName} bodies that are not events, kept for an operator`,
      eventPattern: { source: [this.provider.quarantineSource] },
    });
    this.subscriptions = new ReceiverSubscriptions({
      scope: this,
      provider: this.provider,
      eventBus: this.eventBus,
      removalPolicy: this.removalPolicy,
      grantReadLargePayloads: (grantee) => this.grantReadLargePayloads(grantee),
      // Only subscriptions call it, and they are made after the monitoring.
      watch: (delivery) => this.monitoring.watchDelivery(delivery),
    });
    const quarantineDelivery = this.subscriptions.deliver(quarantineRule, this.quarantineQueue, {});
    quarantineRule.addTarget(quarantineDelivery.target);

    // Findings of the AwsSolutions checks (cdk-nag) that are deliberate, each with its reason.
    Validations.of(this.quarantineQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The quarantine queue is the last stop for bodies an operator reads by hand; the rule that feeds it has its own dead-letter queue.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only allows writing the function’s own logs; it is the policy AWS maintains for exactly that.',
    });

    this.warnIfBusSharedWithSameProvider();

    this.monitoring = new ReceiverMonitoring(this, 'Monitoring', {
      provider: this.provider,
      namespace: metricsNamespace,
      function: this.function,
      eventBus: this.eventBus,
      quarantineQueue: this.quarantineQueue,
      dashboard: props.dashboard ?? true,
      alarms: props.alarms ?? {},
      alarmTopic: props.alarmTopic,
      reservedConcurrency,
    });
    this.alarmTopic = this.monitoring.alarmTopic;
    this.monitoring.watchDelivery({
      name: quarantineRule.node.id,
      rule: quarantineRule,
      deadLetterQueue: quarantineDelivery.deadLetterQueue(),
    });
    this.warnIfNamespaceShared(metricsNamespace);

    this.archive =
      props.archive === false
        ? undefined
        : providerArchive(this, 'Archive', {
            eventBus: this.eventBus,
            provider: this.provider,
            retentionDays: archiveRetentionDays(this, props.archiveRetention, retentionDays),
            required: props.archive === true,
          });

    for (const subscription of props.subscriptions ?? []) {
      this.subscribe(subscription.eventTypes, subscription.target, subscription);
    }

    this.connection =
      props.connect === undefined
        ? undefined
        : new ComplyCubeConnection(this, 'Connection', {
            ...props.connect,
            provider: this.provider,
            webhookUrl: this.functionUrl.url,
            webhookSecret: this.webhookSecret,
            // Read at synth time, so subscriptions added after the constructor count too.
            events: () => this.webhookEvents,
            receiverRemovalPolicy: this.removalPolicy,
          });
    const watch = props.connect?.watch;
    this.watch =
      this.connection === undefined || watch === false
        ? undefined
        : new WebhookWatch(this, 'Watch', {
            ...watch,
            receiver: this,
            apiKeySecret: this.connection.apiKeySecret,
            // Empty while the API key is the placeholder: the watcher then finds the webhook by URL.
            webhookId: this.connection.resource.getAttString('WebhookId'),
            apiUrl: props.connect?.apiUrl,
          });
  }

  /**
   * The events list to register with the provider: `["*"]` when a subscription takes every type
   * (so types the provider adds later flow too), else `portalEventTypes`.
   */
  get webhookEvents(): readonly string[] {
    return this.subscribedEventTypes.includes('*') ? ['*'] : this.portalEventTypes;
  }

  /**
   * Delivers the provider's events of the given types to a target: one rule keyed on the
   * detail-type, with a retry policy and a dead-letter queue unless the target brings its own.
   *
   * **A Lambda target is changed**, not only invoked (an SQS queue or a ready-made rule target is
   * left as it is):
   * - its role is granted `s3:GetObject` on the provider's bodies too large for the bus
   *   (`grantReadLargePayloads`), since its events may carry a pointer to one instead;
   * - it gets an asynchronous invocation configuration: 2 retries, events kept at most 6 hours,
   *   failures sent to this subscription's dead-letter queue. EventBridge invokes it
   *   asynchronously, so without this an event whose invocations all throw would be dropped by
   *   Lambda. A function has one such configuration: when it already has one (its own, made
   *   with `configureAsyncInvoke` before this call, or one an earlier subscription set), that one
   *   is kept, with a synth-time warning saying failed invocations go there instead. Configure
   *   your own before subscribing; `configureAsyncInvoke` after this call throws;
   * - its environment names the subscription and its dead-letter queue, and `once` / `order`
   *   add the subscriber table and a grant on the subscription's own records, for `onEvents`
   *   from `functions/subscriber` (docs/subscribers.md).
   *
   * @param eventTypes exact types (`check.completed.clear`), families ending in `*`
   *   (`check.completed*` is every type starting with `check.completed`), or `*` for all
   * @param target a Lambda function, an SQS queue, or any EventBridge rule target
   *
   * @example
   * receiver.subscribe(['check.completed*'], onCheckCompleted);
   * receiver.subscribe(['client.deleted'], eraseClientQueue, { retryAttempts: 10 });
   * receiver.subscribe(['check.completed*'], onCheckCompleted, { once: true, order: 'latest' });
   */
  subscribe(
    eventTypes: string | readonly string[],
    target: SubscriptionTarget,
    options: SubscribeOptions = {},
  ): Subscription {
    return this.subscriptions.add(eventTypes, target, options);
  }

  /** Every pattern subscribed so far, as given. */
  get subscribedEventTypes(): readonly string[] {
    return this.subscriptions.subscribedEventTypes;
  }

  /**
   * The documented event types the subscriptions need: tick these in the provider's portal.
   * Families are expanded against the catalogue.
   */
  get portalEventTypes(): readonly string[] {
    return this.subscriptions.portalEventTypes;
  }

  /**
   * Adds an output listing the event types to enable in the portal (or, for a provider whose
   * portal does not ask, the types the subscriptions listen to); resolved at synth time. Outputs
   * live on the stack: give each receiver of a stack its own `id`.
   *
   * @example
   * complyCube.addPortalEventTypesOutput();
   * compliancely.addPortalEventTypesOutput('CompliancelyEventTypes');
   */
  addPortalEventTypesOutput(id = 'PortalEventTypes'): CfnOutput {
    const stack = Stack.of(this);
    if (stack.node.tryFindChild(id) !== undefined) {
      throw new Error(
        `The stack already has a construct '${id}'. With several receivers in one stack, pass each its own id, e.g. addPortalEventTypesOutput('${this.node.id}PortalEventTypes').`,
      );
    }
    const { displayName, portalSelectsEventTypes } = this.provider;
    return new CfnOutput(stack, id, {
      description: portalSelectsEventTypes
        ? `Event types to enable for this webhook in the ${displayName} portal`
        : `Event types the ${displayName} subscriptions listen to (${displayName} sends every type; nothing to tick)`,
      value: Token.asString({ resolve: () => this.portalEventTypes.join(',') || 'none' }),
    });
  }

  /**
   * Two receivers of one provider on one bus publish under the same source, so each one's
   * subscriptions and quarantine queue would also get the other's events.
   */
  private warnIfBusSharedWithSameProvider(): void {
    const twin = Stack.of(this)
      .node.findAll()
      .find(
        (c): c is WebhookReceiver =>
          c instanceof WebhookReceiver &&
          c !== this &&
          c.provider.name === this.provider.name &&
          c.eventBus.eventBusArn === this.eventBus.eventBusArn,
      );
    if (twin !== undefined) {
      Annotations.of(this).addWarningV2(
        'webhook-receiver:same-provider-same-bus',
        `${twin.node.path} already receives ${this.provider.displayName} webhooks on this bus. Both publish under the source '${this.provider.source}', so each receiver's subscriptions and quarantine queue also get the other's events. Give each its own bus.`,
      );
    }
  }

  /** Two receivers of one provider writing the same namespace would add up each other's metrics. */
  private warnIfNamespaceShared(namespace: string): void {
    const stack = Stack.of(this);
    const twin = this.node.root.node
      .findAll()
      .find(
        (c): c is WebhookReceiver =>
          c instanceof WebhookReceiver &&
          c !== this &&
          c.provider.name === this.provider.name &&
          c.metricsNamespace === namespace &&
          Token.compareStrings(Stack.of(c).account, stack.account) !== TokenComparison.DIFFERENT &&
          Token.compareStrings(Stack.of(c).region, stack.region) !== TokenComparison.DIFFERENT,
      );
    if (twin !== undefined) {
      Annotations.of(this).addWarningV2(
        'webhook-receiver:same-metrics-namespace',
        `${twin.node.path} also writes ${this.provider.displayName} metrics to the namespace '${namespace}', so the two would add up on both dashboards and alarms. Give each its own metricsNamespace.`,
      );
    }
  }

  /**
   * Lets a subscriber read the bodies too large for the bus (GetObject only).
   *
   * @example
   * receiver.grantReadLargePayloads(myQueueConsumer);
   */
  grantReadLargePayloads(grantee: iam.IGrantable & Partial<Construct>): void {
    // The provider's events only: quarantined bodies are under quarantine/ and stay for operators.
    const prefix = `${this.provider.name}/*`;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.largePayloadBucket.arnForObjects(prefix)],
      }),
    );
    if (grantee.node !== undefined) {
      Validations.of(grantee as Construct).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${prefix}]`,
        reason: 'A subscriber reads whichever stored body an event points at; GetObject only.',
      });
    }
  }

  private bucketLogicalId(): string {
    const cfn = this.largePayloadBucket.node.defaultChild;
    if (!(cfn instanceof s3.CfnBucket)) throw new Error('The large-payload bucket has no CfnBucket.');
    return Stack.of(this).getLogicalId(cfn);
  }

  private createSecret(displayName: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description: `${displayName} webhook secret: paste the secret the portal shows (README, "Set the webhook secret")`,
      // A placeholder without `current`: the receiver answers 503 "not set yet" instead of
      // refusing every delivery as forged, so the provider keeps retrying until it is set.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ note: 'replace this whole value with the webhook secret' }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy: this.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `The value is issued by ${displayName} and rotated in its portal; Secrets Manager cannot rotate it. README describes a rotation without downtime.`,
    });
    return secret;
  }
}

import { createHash } from 'node:crypto';
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
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LEDGER_ATTRIBUTES } from '../functions/receiver/adapters/dynamodb-ledger.js';
import { ENV, FUNCTION_URL_MAX_BYTES } from '../functions/receiver/config.js';
import { DEFAULT_METRICS_NAMESPACE, namespaceProblem } from '../functions/receiver/core/metrics.js';
import type { SignatureVerification } from '../functions/receiver/core/verifier.js';
import { functionBundling } from './bundling.js';
import { providerArchive } from './event-archive.js';
import { expandPatterns, parsePatterns } from './event-types.js';
import { type ProviderSpec, Providers } from './providers.js';
import { type ReceiverAlarms, ReceiverMonitoring } from './receiver-monitoring.js';

/** Options of one subscription. */
export interface SubscribeOptions {
  /**
   * Construct id of the subscription's rule. Changing it replaces the rule.
   * @default - derived from the event types, e.g. `check.completed*` gives `OnCheckCompletedAll`
   */
  readonly id?: string;
  /**
   * Where events go that the target could not take after every retry.
   * @default - a new encrypted queue for this subscription, kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * How many times EventBridge retries a failed delivery to the target.
   * @default 185 (EventBridge's maximum, spread over `maxEventAge`)
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying a delivery.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * The rule's description.
   * @default - names the provider and the event types
   */
  readonly description?: string;
}

/** One subscription in the `subscriptions` prop. */
export interface SubscriptionProps extends SubscribeOptions {
  /** Exact types (`check.completed.clear`), families (`check.completed*`) or `*`. */
  readonly eventTypes: readonly string[];
  /** A Lambda function, an SQS queue, or any EventBridge rule target. */
  readonly target: SubscriptionTarget;
}

/** What a subscription can deliver to. */
export type SubscriptionTarget = events.IRuleTarget | lambda.IFunction | sqs.IQueue;

/** What `subscribe` made. */
export interface Subscription {
  readonly rule: events.Rule;
  /** The dead-letter queue of the target, unless the target brought its own. */
  readonly deadLetterQueue: sqs.IQueue | undefined;
  readonly eventTypes: readonly string[];
}

export interface WebhookReceiverProps {
  /**
   * The provider whose webhooks this receiver takes.
   * @default Providers.COMPLYCUBE
   */
  readonly provider?: ProviderSpec;
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
   * @default true
   */
  readonly archive?: boolean;
  /**
   * How long archived events are kept; whole days. Longer than `idempotencyRetention` means a
   * replayed pointer to a large body may find the body gone.
   * @default - the idempotency retention (30 days)
   */
  readonly archiveRetention?: Duration;
}

const DEFAULT_RETENTION = Duration.days(30);
/** Under ComplyCube's 15 s, so the provider never gives up on an attempt we are still working on. */
const FUNCTION_TIMEOUT = Duration.seconds(10);
/** Longer than the function timeout, so a live attempt's claim is never taken over. */
const CLAIM_LEASE = Duration.seconds(30);
const DLQ_RETENTION = Duration.days(14);

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
  readonly provider: ProviderSpec;
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
  /** Dashboard, alarms and the alarm topic (README, "Operating it"). */
  readonly monitoring: ReceiverMonitoring;
  /** Where the alarms notify; undefined when `alarms` is false. */
  readonly alarmTopic: sns.ITopic | undefined;
  /** The archive of the provider's events, unless switched off or impossible for the bus. */
  readonly archive: events.Archive | undefined;
  private readonly removalPolicy: RemovalPolicy;
  private readonly patterns: string[] = [];

  constructor(scope: Construct, id: string, props: WebhookReceiverProps = {}) {
    super(scope, id);
    this.provider = props.provider ?? Providers.COMPLYCUBE;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retentionDays = validateRetention(props.idempotencyRetention ?? DEFAULT_RETENTION);
    const memorySize = validateMemory(props.memorySize ?? 1024);
    const reservedConcurrency = validateWhole('reservedConcurrency', props.reservedConcurrency, 1, 10_000);
    const maxBodyBytes = validateWhole('maxBodyBytes', props.maxBodyBytes, 1_024, FUNCTION_URL_MAX_BYTES);
    const maxBusEntryBytes = validateWhole('maxBusEntryBytes', props.maxBusEntryBytes, 1_024, 1_048_576);
    const { definition, displayName } = this.provider;
    const signatureVerification = this.validateSignatureVerification(props.signatureVerification);
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
        [ENV.provider]: definition.name,
        // The ARN, so a bus shared from another account works as well as our own.
        [ENV.eventBusName]: this.eventBus.eventBusArn,
        [ENV.tableName]: this.table.tableName,
        [ENV.secretArn]: this.webhookSecret.secretArn,
        [ENV.retentionDays]: String(retentionDays),
        [ENV.leaseSeconds]: String(CLAIM_LEASE.toSeconds()),
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
      eventPattern: { source: [definition.quarantineSource] },
    });
    const quarantineDelivery = this.withDeliveryPolicy(quarantineRule, this.quarantineQueue, {});
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
            retentionDays: this.archiveRetentionDays(props.archiveRetention, retentionDays),
            required: props.archive === true,
          });

    for (const subscription of props.subscriptions ?? []) {
      this.subscribe(subscription.eventTypes, subscription.target, subscription);
    }
  }

  /**
   * Delivers the provider's events of the given types to a target: one rule keyed on the
   * detail-type, with a retry policy and a dead-letter queue unless the target brings its own.
   *
   * @param eventTypes exact types (`check.completed.clear`), families ending in `*`
   *   (`check.completed*` is every type starting with `check.completed`), or `*` for all
   * @param target a Lambda function, an SQS queue, or any EventBridge rule target
   *
   * @example
   * receiver.subscribe(['check.completed*'], onCheckCompleted);
   * receiver.subscribe(['client.deleted'], eraseClientQueue, { retryAttempts: 10 });
   */
  subscribe(
    eventTypes: string | readonly string[],
    target: SubscriptionTarget,
    options: SubscribeOptions = {},
  ): Subscription {
    const list = typeof eventTypes === 'string' ? [eventTypes] : [...eventTypes];
    const parsed = parsePatterns(list);
    const id = options.id ?? subscriptionId(list);
    if (this.node.tryFindChild(id) !== undefined) {
      throw new Error(
        `A subscription with id '${id}' already exists on ${this.node.path}. Pass a distinct { id } to subscribe() for the second one.`,
      );
    }
    const { definition, displayName, eventTypes: catalogue } = this.provider;
    for (const pattern of list) {
      if (expandPatterns([pattern], catalogue).length === 0) {
        Annotations.of(this).addWarningV2(
          `webhook-receiver:unknown-event-type:${pattern}`,
          `'${pattern}' matches no ${displayName} event type documented today. It will still receive such events if the provider sends them; check the spelling (README, "Event catalogue").`,
        );
      }
    }

    const detailType: string[] = parsed.all
      ? []
      : [...parsed.exact, ...parsed.prefixes.flatMap((prefix) => events.Match.prefix(prefix))];
    const rule = new events.Rule(this, id, {
      eventBus: this.eventBus,
      description: options.description ?? `${displayName} ${list.join(', ')}`.slice(0, 512),
      eventPattern: {
        source: [definition.source],
        ...(detailType.length > 0 ? { detailType } : {}),
      },
    });
    const delivery = this.withDeliveryPolicy(rule, target, options);
    rule.addTarget(delivery.target);
    this.patterns.push(...list);
    // Read after addTarget: a ready-made target decides at bind time whether it needs our queue.
    const deadLetterQueue = delivery.deadLetterQueue();
    this.monitoring.watchDelivery({ name: id, rule, deadLetterQueue });
    return { rule, deadLetterQueue, eventTypes: list };
  }

  /** Every pattern subscribed so far, as given. */
  get subscribedEventTypes(): readonly string[] {
    return [...new Set(this.patterns)].sort();
  }

  /**
   * The documented event types the subscriptions need: tick these in the provider's portal.
   * Families are expanded against the catalogue.
   */
  get portalEventTypes(): readonly string[] {
    return expandPatterns(this.patterns, this.provider.eventTypes);
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

  private validateSignatureVerification(mode: SignatureVerification = 'required'): SignatureVerification {
    const { definition, displayName } = this.provider;
    if (mode !== 'required' && mode !== 'optional') {
      throw new Error(
        `signatureVerification must be 'required' or 'optional' (got ${JSON.stringify(mode)}).`,
      );
    }
    if (mode === 'optional' && !definition.signingOptional) {
      throw new Error(
        `signatureVerification 'optional' is not possible for ${displayName}: it signs every webhook, so an unsigned request is never its own. Remove the prop.`,
      );
    }
    if (mode === 'optional') {
      Annotations.of(this).addWarningV2(
        'webhook-receiver:unsigned-deliveries',
        `${displayName} webhooks are taken in without a signature: anyone who learns the function URL can publish ${displayName} events and pre-empt real ones. Set a webhook secret in ${displayName} and remove signatureVerification (README, "Unsigned deliveries").`,
      );
    }
    return mode;
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
          c.provider.definition.name === this.provider.definition.name &&
          c.eventBus.eventBusArn === this.eventBus.eventBusArn,
      );
    if (twin !== undefined) {
      Annotations.of(this).addWarningV2(
        'webhook-receiver:same-provider-same-bus',
        `${twin.node.path} already receives ${this.provider.displayName} webhooks on this bus. Both publish under the source '${this.provider.definition.source}', so each receiver's subscriptions and quarantine queue also get the other's events. Give each its own bus.`,
      );
    }
  }

  private archiveRetentionDays(retention: Duration | undefined, idempotencyDays: number): number {
    if (retention === undefined) return idempotencyDays;
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new Error(
        `archiveRetention must be a whole number of days from 1 to 3650 (got ${retention.toHumanString()}), e.g. Duration.days(30).`,
      );
    }
    if (days > idempotencyDays) {
      Annotations.of(this).addWarningV2(
        'webhook-receiver:archive-outlives-large-payloads',
        `Archived events are kept ${days} days but bodies too large for the bus only ${idempotencyDays} (idempotencyRetention): a replay of an older event that points at a stored body will find it gone.`,
      );
    }
    return days;
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
          c.provider.definition.name === this.provider.definition.name &&
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
    const prefix = `${this.provider.definition.name}/*`;
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

  private withDeliveryPolicy(
    rule: events.Rule,
    target: SubscriptionTarget,
    options: SubscribeOptions,
  ): Delivery {
    const retry = {
      retryAttempts: options.retryAttempts ?? 185,
      maxEventAge: options.maxEventAge ?? Duration.hours(24),
    };
    const dlq = (): sqs.IQueue => options.deadLetterQueue ?? this.createDeadLetterQueue(rule);
    if (isRuleTarget(target)) {
      return withDefaults(rule, target, retry, dlq);
    }
    const deadLetterQueue = dlq();
    if (isQueue(target)) {
      return {
        target: new targets.SqsQueue(target, { deadLetterQueue, ...retry }),
        deadLetterQueue: () => deadLetterQueue,
      };
    }
    // A Lambda subscriber may get a pointer instead of the event; it can follow it.
    this.grantReadLargePayloads(target);
    this.sendFailedInvocationsTo(target, deadLetterQueue);
    return {
      target: new targets.LambdaFunction(target, { deadLetterQueue, ...retry }),
      deadLetterQueue: () => deadLetterQueue,
    };
  }

  /**
   * EventBridge invokes a Lambda target asynchronously: once the function has the event, the rule's
   * retry policy and dead-letter queue no longer apply, and an event whose invocations all throw
   * is dropped by Lambda unless the function has an on-failure destination. So the subscription's
   * dead-letter queue becomes that destination too (after Lambda's 2 retries), unless the function
   * already has an asynchronous invocation configuration of its own.
   */
  private sendFailedInvocationsTo(fn: lambda.IFunction, deadLetterQueue: sqs.IQueue): void {
    if (fn.node.tryFindChild('EventInvokeConfig') !== undefined) {
      Annotations.of(this).addWarningV2(
        `webhook-receiver:async-config:${fn.node.path}`,
        `${fn.node.path} already has an asynchronous invocation configuration, so events its invocations fail on go where that says, not to this subscription's dead-letter queue.`,
      );
      return;
    }
    fn.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
  }

  private createDeadLetterQueue(rule: events.Rule): sqs.Queue {
    const queue = new sqs.Queue(this, `${rule.node.id}DeadLetters`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: this.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue, of an EventBridge rule target; the check only recognises SQS redrive.',
    });
    return queue;
  }
}

interface Delivery {
  readonly target: events.IRuleTarget;
  /** The dead-letter queue in use once the target is bound; undefined if the target brought its own. */
  readonly deadLetterQueue: () => sqs.IQueue | undefined;
}

function isRuleTarget(target: SubscriptionTarget): target is events.IRuleTarget {
  return (
    'bind' in target &&
    typeof target.bind === 'function' &&
    !('functionArn' in target) &&
    !('queueArn' in target)
  );
}

function isQueue(target: SubscriptionTarget): target is sqs.IQueue {
  return 'queueArn' in target;
}

/**
 * Gives a ready-made rule target our retry policy and dead-letter queue when it has none of its own.
 * The queue policy lets only this rule send to the dead-letter queue.
 */
function withDefaults(
  rule: events.Rule,
  inner: events.IRuleTarget,
  retry: { retryAttempts: number; maxEventAge: Duration },
  dlq: () => sqs.IQueue,
): Delivery {
  let deadLetterQueue: sqs.IQueue | undefined;
  const target: events.IRuleTarget = {
    bind(boundRule, id) {
      const config = inner.bind(boundRule, id);
      if (config.deadLetterConfig !== undefined) return config;
      deadLetterQueue = dlq();
      targets.addToDeadLetterQueueResourcePolicy(rule, deadLetterQueue);
      return {
        ...config,
        deadLetterConfig: { arn: deadLetterQueue.queueArn },
        retryPolicy: config.retryPolicy ?? {
          maximumRetryAttempts: retry.retryAttempts,
          maximumEventAgeInSeconds: retry.maxEventAge.toSeconds(),
        },
      };
    },
  };
  return { target, deadLetterQueue: () => deadLetterQueue };
}

/** `check.completed*` → `OnCheckCompletedAll`; several patterns join with `And`. */
export function subscriptionId(patterns: readonly string[]): string {
  const words = (pattern: string): string =>
    pattern === '*'
      ? 'Everything'
      : pattern
          .replace(/\*$/, '.all')
          .split(/[^A-Za-z0-9]+/)
          .filter((w) => w.length > 0)
          .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
          .join('');
  const id = `On${patterns.map(words).join('And')}`;
  if (id.length <= 80) return id;
  return `${id.slice(0, 70)}${createHash('sha256').update(id).digest('hex').slice(0, 10)}`;
}

function validateRetention(retention: Duration): number {
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(
      `idempotencyRetention must be a whole number of days from 1 to 3650 (got ${retention.toHumanString()}); ComplyCube retries for hours, so keep it at least a few days.`,
    );
  }
  return days;
}

function validateWhole(
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${value}).`);
  }
  return value;
}

function validateNamespace(namespace: string): string {
  if (Token.isUnresolved(namespace)) return namespace;
  const problem = namespaceProblem(namespace);
  if (problem !== undefined) throw new Error(`metricsNamespace ${JSON.stringify(namespace)} ${problem}.`);
  return namespace;
}

function validateMemory(memorySize: number): number {
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
    throw new Error(`memorySize must be a whole number of MB from 128 to 10240 (got ${memorySize}).`);
  }
  return memorySize;
}

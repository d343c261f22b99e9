import { createHash } from 'node:crypto';
import { Annotations, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { expandPatterns, parsePatterns } from '../contract/event-types.js';
import type { ProviderDescriptor } from '../contract/providers.js';
import { SUBSCRIBER_ENV, SUBSCRIBER_TABLE_ATTRIBUTES } from '../contract/subscriber.js';
import type { WatchedDelivery } from './receiver-monitoring.js';

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
  /**
   * Run a Lambda subscriber's code once per event id: with `onEvents({ once: true }, …)` from
   * `functions/subscriber` in the function, a copy of an event it already handled is skipped
   * (docs/subscribers.md). This creates the table the runtime needs (or uses `subscriberTable`),
   * grants the function its own records only, and sets `SUBSCRIBER_TABLE_NAME`. Lambda targets only.
   * @default false
   */
  readonly once?: boolean;
  /**
   * `'latest'`: a Lambda subscriber using `onEvents({ order: 'latest' }, …)` skips an event whose
   * resource already had a state as new or newer handled. Same table and grants as `once`.
   * Lambda targets only.
   * @default 'any'
   */
  readonly order?: 'latest' | 'any';
  /**
   * The table for `once` and `order` records (partition key `pk` string, TTL on `expiresAt`).
   * @default - one table per receiver, created by its first subscription that needs one, shared by
   *   them all (each function may touch only its own subscription's records)
   */
  readonly subscriberTable?: dynamodb.ITable;
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
  /** The table of `once` / `order` records, when the subscription asked for either. */
  readonly subscriberTable: dynamodb.ITable | undefined;
}

/** What the subscriptions need from the receiver they belong to. */
export interface ReceiverSubscriptionsProps {
  /** The receiver: rules and dead-letter queues are made in its scope, so their ids stay what they were. */
  readonly scope: Construct;
  readonly provider: ProviderDescriptor;
  readonly eventBus: events.IEventBus;
  /** Of the dead-letter queues made here. */
  readonly removalPolicy: RemovalPolicy;
  /** Lets a Lambda subscriber read the bodies too large for the bus. */
  readonly grantReadLargePayloads: (grantee: iam.IGrantable & Partial<Construct>) => void;
  /** Called for every subscription made, to put it on the dashboard and alarm on its dead letters. */
  readonly watch: (delivery: WatchedDelivery) => void;
}

/** A target wrapped with our delivery policy, and the dead-letter queue it ended up with. */
export interface Delivery {
  readonly target: events.IRuleTarget;
  /** The dead-letter queue in use once the target is bound; undefined if the target brought its own. */
  readonly deadLetterQueue: () => sqs.IQueue | undefined;
}

const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(24);
const DLQ_RETENTION = Duration.days(14);

/**
 * The subscriptions of one `WebhookReceiver`: one EventBridge rule per subscription, keyed on the
 * provider's source and the detail-type, with a retry policy and a dead-letter queue.
 */
export class ReceiverSubscriptions {
  private readonly props: ReceiverSubscriptionsProps;
  private readonly patterns: string[] = [];
  private table: dynamodb.Table | undefined;

  constructor(props: ReceiverSubscriptionsProps) {
    this.props = props;
  }

  /** Every pattern subscribed so far, as given, sorted and without repeats. */
  get subscribedEventTypes(): readonly string[] {
    return [...new Set(this.patterns)].sort();
  }

  /** The documented event types the subscriptions select, in catalogue order. */
  get portalEventTypes(): readonly string[] {
    return expandPatterns(this.patterns, this.props.provider.eventTypes);
  }

  /** See `WebhookReceiver.subscribe`, which documents what this changes on a Lambda target. */
  add(
    eventTypes: string | readonly string[],
    target: SubscriptionTarget,
    options: SubscribeOptions = {},
  ): Subscription {
    const { scope, provider, eventBus } = this.props;
    const list = typeof eventTypes === 'string' ? [eventTypes] : [...eventTypes];
    const parsed = parsePatterns(list);
    const id = options.id ?? subscriptionId(list);
    if (scope.node.tryFindChild(id) !== undefined) {
      throw new Error(
        `A subscription with id '${id}' already exists on ${scope.node.path}. Pass a distinct { id } to subscribe() for the second one.`,
      );
    }
    const needsTable = checkRuntimeOptions(id, target, options);
    for (const pattern of list) {
      if (expandPatterns([pattern], provider.eventTypes).length === 0) {
        Annotations.of(scope).addWarningV2(
          `webhook-receiver:unknown-event-type:${pattern}`,
          `'${pattern}' matches no ${provider.displayName} event type documented today. It will still receive such events if the provider sends them; check the spelling (README, "Event catalogue").`,
        );
      }
    }

    const detailType: string[] = parsed.all
      ? []
      : [...parsed.exact, ...parsed.prefixes.flatMap((prefix) => events.Match.prefix(prefix))];
    const rule = new events.Rule(scope, id, {
      eventBus,
      description: options.description ?? `${provider.displayName} ${list.join(', ')}`.slice(0, 512),
      eventPattern: {
        source: [provider.source],
        ...(detailType.length > 0 ? { detailType } : {}),
      },
    });
    const delivery = this.deliver(rule, target, options);
    rule.addTarget(delivery.target);
    this.patterns.push(...list);
    // Read after addTarget: a ready-made target decides at bind time whether it needs our queue.
    const deadLetterQueue = delivery.deadLetterQueue();
    this.props.watch({ name: id, rule, deadLetterQueue });
    let subscriberTable: dynamodb.ITable | undefined;
    if (needsTable && target instanceof lambda.Function) {
      subscriberTable = options.subscriberTable ?? this.sharedTable();
      // Its records are under the name the runtime reads: the first subscription's, if it has two.
      grantOwnRecords(subscriberTable, target, environmentValue(target, SUBSCRIBER_ENV.subscription) ?? id);
      setEnvironment(target, SUBSCRIBER_ENV.table, subscriberTable.tableName);
    }
    return { rule, deadLetterQueue, eventTypes: list, subscriberTable };
  }

  /** The receiver's one subscriber table, made the first time a subscription needs it. */
  private sharedTable(): dynamodb.Table {
    if (this.table !== undefined) return this.table;
    this.table = new dynamodb.Table(this.props.scope, 'SubscriberTable', {
      partitionKey: { name: SUBSCRIBER_TABLE_ATTRIBUTES.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SUBSCRIBER_TABLE_ATTRIBUTES.ttl,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: this.props.removalPolicy,
    });
    return this.table;
  }

  /**
   * Wraps a target in our delivery policy: the retry policy, and a dead-letter queue unless a
   * ready-made target brings its own. A Lambda target is changed too (see `sendFailedInvocationsTo`).
   */
  deliver(rule: events.Rule, target: SubscriptionTarget, options: SubscribeOptions): Delivery {
    const retry = {
      retryAttempts: options.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
      maxEventAge: options.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
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
    this.props.grantReadLargePayloads(target);
    const configured = sendFailedInvocationsTo(this.props.scope, target, {
      subscription: rule.node.id,
      deadLetterQueue,
    });
    if (target instanceof lambda.Function) {
      setEnvironment(target, SUBSCRIBER_ENV.subscription, rule.node.id);
      // Where `onEvents` sends an invalid event at once: the queue its failed invocations go to.
      if (configured) {
        deadLetterQueue.grantSendMessages(target);
        setEnvironment(target, SUBSCRIBER_ENV.deadLetterQueueUrl, deadLetterQueue.queueUrl);
      }
    }
    return {
      target: new targets.LambdaFunction(target, { deadLetterQueue, ...retry }),
      deadLetterQueue: () => deadLetterQueue,
    };
  }

  private createDeadLetterQueue(rule: events.Rule): sqs.Queue {
    const queue = new sqs.Queue(this.props.scope, `${rule.node.id}DeadLetters`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: this.props.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is a dead-letter queue, of an EventBridge rule target; the check only recognises SQS redrive.',
    });
    return queue;
  }
}

/**
 * The functions whose asynchronous invocation configuration a subscription set, and which
 * subscription: tracked here rather than read back from the function's construct children, whose
 * ids are CDK's own business.
 */
const configuredBySubscription = new WeakMap<lambda.IFunction, string>();

/**
 * EventBridge invokes a Lambda target asynchronously: once the function has the event, the rule's
 * retry policy and dead-letter queue no longer apply, and an event whose invocations all throw
 * is dropped by Lambda unless the function has an on-failure destination. So the subscription's
 * dead-letter queue becomes that destination too (after Lambda's 2 retries), unless the function
 * already has an asynchronous invocation configuration: one an earlier subscription set (a
 * function has only one), or its own. Then a warning says where failed invocations go instead.
 */
function sendFailedInvocationsTo(
  scope: Construct,
  fn: lambda.IFunction,
  to: { readonly subscription: string; readonly deadLetterQueue: sqs.IQueue },
): boolean {
  const earlier = configuredBySubscription.get(fn);
  if (earlier !== undefined || hasOwnAsyncInvokeConfig(fn)) {
    const owner = earlier === undefined ? 'its own' : `set by the subscription ${earlier}`;
    Annotations.of(scope).addWarningV2(
      `webhook-receiver:async-config:${fn.node.path}`,
      `${fn.node.path} already has an asynchronous invocation configuration (${owner}), so events its invocations fail on go where that says, not to this subscription's dead-letter queue.`,
    );
    return false;
  }
  fn.configureAsyncInvoke({
    onFailure: new destinations.SqsDestination(to.deadLetterQueue),
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
  });
  configuredBySubscription.set(fn, to.subscription);
  return true;
}

/**
 * Refuses `once` / `order` where the runtime cannot run (not a Lambda function defined in this
 * app, which is the only kind whose environment can be set); says whether a table is needed.
 */
function checkRuntimeOptions(id: string, target: SubscriptionTarget, options: SubscribeOptions): boolean {
  const asked = [
    ...(options.once === true ? ['once: true'] : []),
    ...(options.order === 'latest' ? ["order: 'latest'"] : []),
  ];
  if (options.order !== undefined && options.order !== 'latest' && options.order !== 'any') {
    throw new Error(`subscribe() '${id}': order is '${String(options.order)}'; use 'latest' or 'any'.`);
  }
  if (asked.length === 0) {
    if (options.subscriberTable !== undefined) {
      throw new Error(
        `subscribe() '${id}': subscriberTable is given but neither once nor order: 'latest' is; add the option that needs it, or leave the table out.`,
      );
    }
    return false;
  }
  if (!(target instanceof lambda.Function)) {
    throw new Error(
      `subscribe() '${id}': { ${asked.join(', ')} } runs inside a Lambda subscriber (onEvents from functions/subscriber), so the target must be a lambda.Function defined in this app; for a queue or another target, deduplicate in its consumer.`,
    );
  }
  return true;
}

/**
 * The function may read and write its own subscription's records only: every key starts with the
 * subscription's name (`<subscription>#event#…`, `<subscription>#latest#…`).
 */
function grantOwnRecords(table: dynamodb.ITable, fn: lambda.Function, subscription: string): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${subscription}#*`] },
      },
    }),
  );
  if (table.encryptionKey !== undefined) table.encryptionKey.grantEncryptDecrypt(fn);
}

/**
 * Sets a variable the subscriber runtime reads. A function subscribed twice keeps the first
 * subscription's value (its name, its queue), as it keeps the first one's failure destination.
 */
function setEnvironment(fn: lambda.Function, name: string, value: string): void {
  const set = environmentSet.get(fn) ?? new Map<string, string>();
  if (set.has(name)) return;
  set.set(name, value);
  environmentSet.set(fn, set);
  fn.addEnvironment(name, value);
}

function environmentValue(fn: lambda.Function, name: string): string | undefined {
  return environmentSet.get(fn)?.get(name);
}

const environmentSet = new WeakMap<lambda.Function, Map<string, string>>();

/** Whether the function was given an asynchronous invocation configuration before it was subscribed. */
function hasOwnAsyncInvokeConfig(fn: lambda.IFunction): boolean {
  return fn.node.children.some((child) => child instanceof lambda.EventInvokeConfig);
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

import { fileURLToPath } from 'node:url';
import { CustomResource, Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { COMPLYCUBE_API_URL_ENV } from '../contract/connect.js';
import type { ProviderDescriptor } from '../contract/providers.js';
import { functionBundling } from './bundling.js';
import type { WebhookWatchOptions } from './webhook-watch.js';

function checkApiUrl(value: string): string {
  if (Token.isUnresolved(value)) return value;
  if (!/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) {
    throw new Error(
      `connect.apiUrl must be an https:// base URL without query or fragment, e.g. https://api.complycube.com/v1 (got ${JSON.stringify(value)}).`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** The `connect` prop of `WebhookReceiver`: register the webhook in the provider at deploy time. */
export interface ConnectProps {
  /**
   * The secret holding the provider's API key (plain text `test_…`/`live_…`, or `{"apiKey": "…"}`).
   * @default - a new secret holding a placeholder; deployments succeed and warn until it is set
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /**
   * Whether deleting the stack (or switching `connect` off) deletes the webhook in the provider.
   * @default - the receiver's removal policy: RETAIN keeps the webhook, DESTROY deletes it
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The webhook's description in the provider's portal.
   * @default - names the stack and the receiver
   */
  readonly description?: string;
  /**
   * The API's base URL, for a proxy; set as `COMPLYCUBE_API_URL` on the function. `https://` only
   * (a deployed function has no loopback to reach).
   * @default https://api.complycube.com/v1
   */
  readonly apiUrl?: string;
  /**
   * Watch the webhook once connected: alarm when it is disabled, missing or drifted, turn it back
   * on when ComplyCube has disabled it and the receiver is healthy, and catch up the gap
   * (docs/catch-up.md). `false` for none.
   * @default {} (every 5 minutes, re-enabling on, a 36-hour look-back)
   */
  readonly watch?: WebhookWatchOptions | false;
}

export interface ComplyCubeConnectionProps extends ConnectProps {
  readonly provider: ProviderDescriptor;
  /** The receiver's function URL. */
  readonly webhookUrl: string;
  /** The receiver's webhook secret, which the connection writes. */
  readonly webhookSecret: secretsmanager.ISecret;
  /** The event types to register, read at synth time (`["*"]` for every type). */
  readonly events: () => readonly string[];
  /** Removal policy of the created API key secret and the default for the webhook. */
  readonly receiverRemovalPolicy: RemovalPolicy;
}

/**
 * The provider side of a receiver, made at deploy time: a custom resource (aws-cdk-lib's provider
 * framework) that finds the receiver's webhook in ComplyCube (by the id it stored, else by URL),
 * creates it when absent, sets its events to what the subscriptions need and `enabled: true`, and
 * writes the secret ComplyCube issues into the receiver's webhook secret (docs/connect.md).
 *
 * @example
 * new WebhookReceiver(this, 'ComplyCube', { connect: {} }); // creates the API key secret
 */
export class ComplyCubeConnection extends Construct {
  /** The secret holding the API key: the one given, or one created with a placeholder. */
  readonly apiKeySecret: secretsmanager.ISecret;
  readonly function: NodejsFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ComplyCubeConnectionProps) {
    super(scope, id);
    if (props.provider.webhookApi !== true) {
      throw new Error(
        `connect is not possible for ${props.provider.displayName}: it documents no API for managing webhooks. Set its webhook up in the ${props.provider.displayName} app, and remove the connect prop.`,
      );
    }
    this.apiKeySecret =
      props.apiKeySecret ?? this.createApiKeySecret(props.provider, props.receiverRemovalPolicy);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      description: `Connects the receiver's webhook in ${props.provider.displayName} at deploy time`,
      entry: fileURLToPath(new URL('../functions/connect/handler.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A few paced calls with back-off on 429: well under a minute, bounded here.
      timeout: Duration.minutes(2),
      logGroup,
      bundling: functionBundling('function', { envCredentialsOnly: true }),
      environment: props.apiUrl === undefined ? {} : { [COMPLYCUBE_API_URL_ENV]: checkApiUrl(props.apiUrl) },
    });

    // Least privilege: read the key; read the webhook secret and put a new value into it, nothing else.
    this.apiKeySecret.grantRead(this.function);
    this.apiKeySecret.encryptionKey?.grantDecrypt(this.function);
    props.webhookSecret.grantRead(this.function);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:PutSecretValue'],
        resources: [props.webhookSecret.secretArn],
      }),
    );
    props.webhookSecret.encryptionKey?.grantEncryptDecrypt(this.function);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });

    const keep = (props.removalPolicy ?? props.receiverRemovalPolicy) === RemovalPolicy.RETAIN;
    this.resource = new CustomResource(this, 'Webhook', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ComplyCubeWebhook',
      properties: {
        WebhookUrl: props.webhookUrl,
        Events: Lazy.list({ produce: () => [...props.events()] }),
        ApiKeySecretId: this.apiKeySecret.secretArn,
        WebhookSecretId: props.webhookSecret.secretArn,
        Description:
          props.description ?? `complycube-webhooks ${Stack.of(this).stackName} ${scope.node.path}`,
        RemovalPolicy: keep ? 'retain' : 'destroy',
      },
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only allows writing the functions’ own logs.',
    });
    const onEvent = this.function.node.defaultChild;
    if (!(onEvent instanceof lambda.CfnFunction)) throw new Error('The connect function has no CfnFunction.');
    Validations.of(provider).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(onEvent)}.Arn>:*]`,
        reason: "The provider framework's own policy: invoke the onEvent function and its versions.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'The provider framework chooses its own runtime; aws-cdk-lib updates it.',
      },
    );
  }

  /** The webhook id the custom resource connected (its physical id). */
  get webhookId(): string {
    return this.resource.ref;
  }

  /** What the last deployment did, and what to do when the API key is still the placeholder. */
  get status(): string {
    return this.resource.getAttString('Status');
  }

  private createApiKeySecret(
    provider: ProviderDescriptor,
    removalPolicy: RemovalPolicy,
  ): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'ApiKey', {
      description: `${provider.displayName} API key for connect: replace the whole value with your test_ or live_ key (docs/connect.md)`,
      // A placeholder without `apiKey`: connect warns and does nothing until it is set.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          note: `replace this whole value with your ${provider.displayName} API key`,
        }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `The key is issued by ${provider.displayName} and rotated in its portal; Secrets Manager cannot rotate it.`,
    });
    return secret;
  }
}

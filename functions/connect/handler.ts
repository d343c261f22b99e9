/**
 * The connect custom resource: the `onEvent` handler of aws-cdk-lib's custom resource provider
 * framework (`custom-resources.Provider`). Create and Update connect the receiver's webhook in
 * ComplyCube; Delete removes it, or keeps it when the removal policy says retain.
 *
 * The physical id is the webhook's id, so CloudFormation hands it back on every later event; while
 * nothing is connected (the API key still the placeholder) it is `NOT_CONNECTED`. Outputs (`Data`)
 * carry the webhook id and a status line, never a secret or the key.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ComplyCubeClient, type ComplyCubeClientOptions } from '../complycube-api/client.js';
import { secretsManagerStore } from './adapters/secrets-manager-store.js';
import { connect, disconnect } from './core/connect.js';
import type { ConnectPorts } from './core/ports.js';

/** The physical id while no webhook is connected. */
export const NOT_CONNECTED = 'complycube-webhook-not-connected';

/** The custom resource's properties, as the construct sets them (CloudFormation passes strings). */
export interface ConnectResourceProperties {
  /** The receiver's function URL. */
  readonly WebhookUrl: string;
  /** The event types to register; `["*"]` for every type. */
  readonly Events: readonly string[];
  /** ARN or name of the secret holding the ComplyCube API key. */
  readonly ApiKeySecretId: string;
  /** ARN or name of the receiver's webhook secret. */
  readonly WebhookSecretId: string;
  readonly Description?: string;
  /** `retain` keeps the webhook when the resource is deleted. @default 'destroy' */
  readonly RemovalPolicy?: string;
}

/** What the provider framework expects back. */
export interface ConnectResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data: {
    readonly WebhookId: string;
    readonly Action: string;
    /** What happened and, when something needs a person, what to do. */
    readonly Status: string;
  };
}

export interface ConnectHandlerDependencies {
  readonly secretsManager: SecretsManagerClient;
  /** Options for the API client besides the key (the base URL comes from COMPLYCUBE_API_URL). */
  readonly apiOptions?: Omit<ComplyCubeClientOptions, 'apiKey'>;
  /** One JSON line per event; never a secret or the key. @default console.log */
  readonly log?: (line: string) => void;
}

/**
 * @example
 * export const handler = createConnectHandler({ secretsManager: new SecretsManagerClient({}) });
 */
export function createConnectHandler(
  dependencies: ConnectHandlerDependencies,
): (event: CloudFormationCustomResourceEvent) => Promise<ConnectResourceResponse> {
  const log = dependencies.log ?? ((line: string) => console.log(line));
  return async (event) => {
    const properties = readProperties(event.ResourceProperties);
    const ports: ConnectPorts = {
      apiKey: secretsManagerStore(
        dependencies.secretsManager,
        properties.ApiKeySecretId,
        'the ComplyCube API key secret',
      ),
      webhookSecret: secretsManagerStore(
        dependencies.secretsManager,
        properties.WebhookSecretId,
        'the webhook secret',
      ),
      api: (apiKey) => new ComplyCubeClient({ ...dependencies.apiOptions, apiKey }),
    };
    const previous =
      event.RequestType === 'Create' || event.PhysicalResourceId === NOT_CONNECTED
        ? undefined
        : event.PhysicalResourceId;

    if (event.RequestType === 'Delete') {
      if (previous === undefined)
        return respond(NOT_CONNECTED, '', 'absent', 'No webhook was connected.', log, event);
      try {
        const result = await disconnect(
          { webhookId: previous, keep: properties.RemovalPolicy?.toLowerCase() === 'retain' },
          ports,
        );
        return respond(previous, previous, result.action, result.summary, log, event);
      } catch (error) {
        // A third-party API must not hold the stack's deletion hostage: the webhook left behind
        // delivers to a URL that is gone, and ComplyCube disables it after its retries.
        const message = `Could not delete ComplyCube webhook ${previous} (${error instanceof Error ? error.message : String(error)}); delete it in the ComplyCube portal.`;
        return respond(previous, previous, 'left', message, log, event);
      }
    }

    const result = await connect(
      {
        url: properties.WebhookUrl,
        events: properties.Events,
        ...(previous === undefined ? {} : { webhookId: previous }),
        ...(properties.Description === undefined ? {} : { description: properties.Description }),
      },
      ports,
    );
    const status = [result.summary, ...result.warnings.filter((w) => w !== result.summary)].join(' ');
    // Skipped (the key is the placeholder): keep the id CloudFormation has, so it does not take a
    // new id as a replacement and delete the webhook that exists.
    const physicalId =
      result.webhookId ?? (event.RequestType === 'Update' ? event.PhysicalResourceId : NOT_CONNECTED);
    return respond(physicalId, result.webhookId ?? '', result.action, status, log, event);
  };
}

export const handler = createConnectHandler({ secretsManager: new SecretsManagerClient({}) });

function respond(
  physicalId: string,
  webhookId: string,
  action: string,
  status: string,
  log: (line: string) => void,
  event: CloudFormationCustomResourceEvent,
): ConnectResourceResponse {
  log(
    JSON.stringify({
      level: action === 'skipped' || action === 'left' ? 'WARN' : 'INFO',
      message: status,
      requestType: event.RequestType,
      logicalResourceId: event.LogicalResourceId,
      action,
      webhookId,
    }),
  );
  return { PhysicalResourceId: physicalId, Data: { WebhookId: webhookId, Action: action, Status: status } };
}

function readProperties(value: Record<string, unknown>): ConnectResourceProperties {
  const text = (name: string): string => {
    const v = value[name];
    if (typeof v !== 'string' || v === '')
      throw new Error(`The connect custom resource needs ${name} (a string).`);
    return v;
  };
  const events = value.Events;
  if (!Array.isArray(events) || !events.every((e): e is string => typeof e === 'string')) {
    throw new Error('The connect custom resource needs Events (a list of event types).');
  }
  const optional = (name: string): string | undefined =>
    typeof value[name] === 'string' ? String(value[name]) : undefined;
  return {
    WebhookUrl: text('WebhookUrl'),
    Events: events,
    ApiKeySecretId: text('ApiKeySecretId'),
    WebhookSecretId: text('WebhookSecretId'),
    ...(optional('Description') === undefined ? {} : { Description: optional('Description') }),
    ...(optional('RemovalPolicy') === undefined ? {} : { RemovalPolicy: optional('RemovalPolicy') }),
  };
}

/**
 * Which receiver `connect`, `status` and `disconnect` act on, and the ports they use: the running
 * local stack (its ComplyCube API emulator and its moto Secrets Manager), a deployed stack's
 * outputs (`--stack`), or `--url` with `--secret-id`.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { COMPLYCUBE_API_KEY_ENV, CONNECT_OUTPUTS, parseEventsList } from '../../../contract/connect.js';
import { COMPLYCUBE_API_URL_ENV } from '../../../functions/complycube-api/base-url.js';
import { ComplyCubeClient, type RetryNotice } from '../../../functions/complycube-api/client.js';
import { secretsManagerStore } from '../../../functions/connect/adapters/secrets-manager-store.js';
import type { ApiKeySource, SecretStore, WebhookApi } from '../../../functions/connect/core/ports.js';
import { LOCAL_CREDENTIALS } from '../../../local/provision.js';
import { DEFAULT_STATE_DIR, readStackState } from '../../../local/state.js';
import { LOCAL_REGION } from '../../../local/template.js';
import { awsFailure } from '../../aws/clients.js';
import { OpsError } from '../../kit/failure.js';
import type { CliIo } from '../../kit/io.js';
import { UsageError } from '../../kit/usage-error.js';
import {
  cloudWatchClient,
  cloudWatchLastAccepted,
  type LastAccepted,
  ledgerLastAccepted,
} from './last-accepted.js';
import type { ConnectCliOptions } from './options.js';

/** The provider whose receiver these commands act on, as its metrics and ledger keys name it. */
const PROVIDER = 'complycube';

export interface ConnectTarget {
  /** For messages: `the local stack`, `stack ComplyCubeWebhooks`, or the URL. */
  readonly label: string;
  readonly url: string | undefined;
  /** The event types the receiver needs, when known. */
  readonly events: readonly string[] | undefined;
  /** The webhook id connect stored (a stack output, or --webhook-id). */
  readonly webhookId: string | undefined;
  readonly webhookSecret: SecretStore | undefined;
  readonly apiKey: ApiKeySource;
  readonly api: (key: string) => WebhookApi;
  /** When the receiver last accepted a delivery; `undefined` when there is nowhere to read it (--url). */
  readonly lastAccepted: (() => Promise<LastAccepted>) | undefined;
  /** Releases the clients. */
  close(): void;
}

export interface TargetDependencies {
  /** For `--stack`: the stack's outputs. @default DescribeStacks through the SDK */
  readonly stackOutputs?: (stack: string, region: string | undefined) => Promise<Record<string, string>>;
  /** @default the SDK's chain (`--region`, AWS_REGION, the profile) */
  readonly secretsManager?: SecretsManagerClient;
  /** For `--stack`: the receiver's metrics. @default the SDK's chain, as for Secrets Manager */
  readonly cloudWatch?: CloudWatchClient;
  /** Told before each retry of a ComplyCube call. */
  readonly onRetry?: (notice: RetryNotice) => void;
  readonly stateDir?: string;
}

/**
 * @example
 * const target = await resolveConnectTarget(options, io, {});
 */
export async function resolveConnectTarget(
  options: ConnectCliOptions,
  io: CliIo,
  dependencies: TargetDependencies = {},
): Promise<ConnectTarget> {
  const { command } = options;
  const clients: { destroy(): void }[] = [];
  const apiClient = (baseUrl: string | undefined) => (key: string) =>
    new ComplyCubeClient({
      apiKey: key,
      baseUrl: baseUrl ?? io.env[COMPLYCUBE_API_URL_ENV],
      ...(dependencies.onRetry === undefined ? {} : { onRetry: dependencies.onRetry }),
    });
  const close = () => {
    for (const client of clients) client.destroy();
  };

  if (options.stack === undefined && options.url === undefined && options.webhookId === undefined) {
    return localTarget(options, io, dependencies.stateDir ?? DEFAULT_STATE_DIR, apiClient, clients, close);
  }

  const secretsManager =
    dependencies.secretsManager ??
    track(
      clients,
      new SecretsManagerClient({
        maxAttempts: 4,
        ...(options.region === undefined ? {} : { region: options.region }),
      }),
    );
  let outputs: Record<string, string> = {};
  if (options.stack !== undefined) {
    const read = dependencies.stackOutputs ?? describeStackOutputs;
    outputs = await read(options.stack, options.region);
  }
  const url = options.url ?? outputs[CONNECT_OUTPUTS.webhookUrl];
  const secretId = options.secretId ?? outputs[CONNECT_OUTPUTS.webhookSecretArn];
  if (options.stack !== undefined && (url === undefined || secretId === undefined)) {
    throw new OpsError(
      `Stack ${options.stack} has no ${CONNECT_OUTPUTS.webhookUrl}/${CONNECT_OUTPUTS.webhookSecretArn} outputs: is it a complycube-webhooks stack? Pass --url and --secret-id instead.`,
    );
  }
  const events =
    options.events ??
    (outputs[CONNECT_OUTPUTS.webhookEvents] !== undefined
      ? parseEventsList(outputs[CONNECT_OUTPUTS.webhookEvents])
      : outputs[CONNECT_OUTPUTS.portalEventTypes] !== undefined
        ? parseEventsList(outputs[CONNECT_OUTPUTS.portalEventTypes])
        : undefined);
  const apiKeySecretId = options.apiKeySecretId ?? outputs[CONNECT_OUTPUTS.apiKeySecretArn];
  return {
    label: options.stack === undefined ? (url ?? 'the webhook') : `stack ${options.stack}`,
    url,
    events,
    webhookId: options.webhookId ?? nonEmpty(outputs[CONNECT_OUTPUTS.webhookId]),
    webhookSecret:
      secretId === undefined
        ? undefined
        : secretsManagerStore(secretsManager, secretId, 'the webhook secret'),
    apiKey: apiKeySource(options, io, secretsManager, apiKeySecretId, command),
    api: apiClient(undefined),
    lastAccepted: options.stack === undefined ? undefined : stackLastAccepted(options, dependencies, clients),
    close,
  };
}

function localTarget(
  options: ConnectCliOptions,
  io: CliIo,
  stateDir: string,
  apiClient: (baseUrl: string | undefined) => (key: string) => WebhookApi,
  clients: { destroy(): void }[],
  close: () => void,
): ConnectTarget {
  const state = readStackState(stateDir);
  if (state === undefined) {
    throw new UsageError(
      'No local stack is running. Start it with `npm run dev -- --complycube-api local`, or name a deployed one: --stack <name>, or --url <function url> --secret-id <webhook secret>.',
      options.command,
    );
  }
  const receiver = state.receivers.find((r) => r.provider === 'complycube');
  const api = state.complyCubeApi;
  if (receiver === undefined || receiver.webhookSecretArn === undefined || state.emulators === undefined) {
    throw new UsageError(
      'The local stack serves no ComplyCube receiver it can connect. Restart it with `npm run dev -- --complycube-api local`, or pass --stack/--url.',
      options.command,
    );
  }
  if (
    api === undefined &&
    io.env[COMPLYCUBE_API_KEY_ENV] === undefined &&
    options.apiKeySecretId === undefined
  ) {
    throw new UsageError(
      'The local stack runs without the ComplyCube API emulator. Restart it with `npm run dev -- --complycube-api local` to try connect without an account (or set COMPLYCUBE_API_KEY to use the real sandbox).',
      options.command,
    );
  }
  const secretsManager = track(
    clients,
    new SecretsManagerClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: state.emulators.moto,
      maxAttempts: 3,
    }),
  );
  const useEmulator =
    api !== undefined && io.env[COMPLYCUBE_API_KEY_ENV] === undefined && options.apiKeySecretId === undefined;
  return {
    label: 'the local stack',
    url: receiver.url,
    events: options.events ?? receiver.webhookEvents,
    webhookId: options.webhookId,
    webhookSecret: secretsManagerStore(secretsManager, receiver.webhookSecretArn, 'the local webhook secret'),
    apiKey:
      useEmulator && api !== undefined
        ? { description: "the local ComplyCube API emulator's key", read: async () => api.apiKey }
        : apiKeySource(options, io, secretsManager, options.apiKeySecretId, options.command),
    api: apiClient(useEmulator ? api?.url : undefined),
    lastAccepted:
      receiver.tableName === undefined
        ? undefined
        : localLastAccepted(state.emulators.dynamodb, receiver.tableName, clients),
    close,
  };
}

function stackLastAccepted(
  options: ConnectCliOptions,
  dependencies: TargetDependencies,
  clients: { destroy(): void }[],
): (() => Promise<LastAccepted>) | undefined {
  const stack = options.stack;
  if (stack === undefined) return undefined;
  return () => {
    const client = dependencies.cloudWatch ?? track(clients, cloudWatchClient(options.region));
    // The app's stack sets the receiver's metrics namespace to the stack's name
    // (infra/complycube-webhooks-stack.ts), so two deployments in one account stay apart.
    return cloudWatchLastAccepted(client, stack, PROVIDER);
  };
}

function localLastAccepted(
  endpoint: string,
  tableName: string,
  clients: { destroy(): void }[],
): () => Promise<LastAccepted> {
  return () => {
    const client = track(
      clients,
      new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint, maxAttempts: 2 }),
    );
    return ledgerLastAccepted(client, tableName, PROVIDER);
  };
}

function apiKeySource(
  options: ConnectCliOptions,
  io: CliIo,
  secretsManager: SecretsManagerClient,
  secretId: string | undefined,
  command: string,
): ApiKeySource {
  const fromEnv = io.env[COMPLYCUBE_API_KEY_ENV];
  if (options.apiKeySecretId === undefined && fromEnv !== undefined && fromEnv.trim() !== '') {
    return { description: COMPLYCUBE_API_KEY_ENV, read: async () => fromEnv };
  }
  if (secretId !== undefined) {
    const store = secretsManagerStore(secretsManager, secretId, 'the ComplyCube API key secret');
    return { description: store.description, read: () => store.read() };
  }
  throw new UsageError(
    `Which ComplyCube API key? Set ${COMPLYCUBE_API_KEY_ENV} (e.g. read -rs ${COMPLYCUBE_API_KEY_ENV} && export ${COMPLYCUBE_API_KEY_ENV}), or name the secret that holds it: --api-key-secret-id <name or ARN>.`,
    command,
  );
}

export async function describeStackOutputs(
  stack: string,
  region: string | undefined,
): Promise<Record<string, string>> {
  const client = new CloudFormationClient({ maxAttempts: 4, ...(region === undefined ? {} : { region }) });
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs: Record<string, string> = {};
    for (const output of answer.Stacks?.[0]?.Outputs ?? []) {
      if (output.OutputKey !== undefined && output.OutputValue !== undefined)
        outputs[output.OutputKey] = output.OutputValue;
    }
    return outputs;
  } catch (error) {
    if (error instanceof Error && /does not exist/i.test(error.message)) {
      throw new OpsError(
        `There is no stack ${stack}${region === undefined ? '' : ` in ${region}`}. Check the name (cdk list) and pass --region if it is elsewhere.`,
        { cause: error },
      );
    }
    throw awsFailure(error, `read the outputs of stack ${stack}`);
  } finally {
    client.destroy();
  }
}

function track<T extends { destroy(): void }>(clients: { destroy(): void }[], client: T): T {
  clients.push(client);
  return client;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' || value === 'complycube-webhook-not-connected'
    ? undefined
    : value;
}

/**
 * `complycube-webhooks catch-up`: lists what changed in ComplyCube in a window and publishes it on
 * the receiver's bus once, marked as caught up, through the receiver's ledger (docs/catch-up.md).
 * Runs here, with your credentials (or the local stack's emulators); resumable: run it again with
 * the same window to continue.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CATCH_UP_OUTPUTS } from '../../contract/catch-up.js';
import { COMPLYCUBE_API_KEY_ENV, CONNECT_OUTPUTS, parseEventsList } from '../../contract/connect.js';
import { Providers } from '../../contract/providers.js';
import { ComplyCubeApiReader } from '../../functions/catch-up/adapters/complycube-api-reader.js';
import { DynamoDbCursorStore } from '../../functions/catch-up/adapters/dynamodb-cursor-store.js';
import { type CatchUpSummary, CatchUpWindowError, catchUp } from '../../functions/catch-up/core/catch-up.js';
import { parseEventTypeFilter } from '../../functions/catch-up/core/events.js';
import { COMPLYCUBE_API_URL_ENV } from '../../functions/complycube-api/base-url.js';
import { ComplyCubeClient } from '../../functions/complycube-api/client.js';
import { secretsManagerStore } from '../../functions/connect/adapters/secrets-manager-store.js';
import { readApiKeyValue } from '../../functions/connect/core/stored-secret.js';
import { DynamoDbLedger } from '../../functions/receiver/adapters/dynamodb-ledger.js';
import { EventBridgePublisher } from '../../functions/receiver/adapters/eventbridge-publisher.js';
import { systemClock } from '../../functions/receiver/core/clock.js';
import { LOCAL_CREDENTIALS } from '../../local/provision.js';
import { DEFAULT_STATE_DIR, readStackState } from '../../local/state.js';
import { LOCAL_REGION } from '../../local/template.js';
import { OpsError } from '../kit/failure.js';
import type { CliIo } from '../kit/io.js';
import { type Printer, printer } from '../kit/printer.js';
import { UsageError } from '../kit/usage-error.js';
import { type CatchUpCliOptions, COMMAND, parseCatchUpArgs } from './catch-up/options.js';
import { describeStackOutputs } from './connect/target.js';
import type { CommandModule } from './registry.js';

export const CATCH_UP_HELP = `List what changed in ComplyCube between two times and publish each change on the receiver's bus
as the event the webhook would have sent for the object's state now, once, marked "catchUp".
For a gap after ComplyCube disabled the webhook (the watcher does this by itself in a deployed
stack with connect). Resumable: stopped or failed, run it again with the same window.

Usage
  npx complycube-webhooks catch-up --since <time> [--until <time>]              the local stack
  npx complycube-webhooks catch-up --stack <name> --since <time> [--until <time>] [--region <r>]

Options
  --since <time>              Start of the window: ISO 8601 with a zone, or how long ago (90m, 36h, 7d).
  --until <time>              End of the window, the same forms. Default: now.
  --stack <name>              A deployed stack: its outputs name the table, the bus, the event types
                              and the API key secret.
  --events <types>            The event types to publish (comma-separated, or *). Default: what the
                              subscriptions need.
  --api-key-secret-id <id>    The secret holding the ComplyCube API key (else COMPLYCUBE_API_KEY, else
                              the stack's ComplyCubeApiKeySecretArn output).
  --max-objects <n>           Stop after listing n objects; run again to continue. Default 10000.
  --region <r>                The stack's region.
  --json                      JSON lines: progress, then the summary.
  -h, --help                  This help.

Exit codes: 0 complete · 1 failed or stopped (run it again to continue) · 2 bad arguments ·
3 the API key is not set.

Examples
  npx complycube-webhooks catch-up --since 36h
  npx complycube-webhooks catch-up --stack ComplyCubeWebhooks --since 2026-12-01T08:00:00Z --until 2026-12-03T10:00:00Z
`;

const EXIT_NOT_CONFIGURED = 3;

/** Where the catch-up reads and writes. */
interface Target {
  readonly label: string;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly events: readonly string[];
  readonly retentionDays: number;
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly apiKey: () => Promise<string | undefined>;
  readonly apiKeyDescription: string;
  readonly apiUrl: string | undefined;
  close(): void;
}

export interface CatchUpCliDependencies {
  /** Where the local stack keeps `server.json`. @default `.dev/` at the project root */
  readonly stateDir?: string;
}

/**
 * @example
 * process.exitCode = await runCatchUpCli(['--since', '36h'], io);
 */
export async function runCatchUpCli(
  argv: readonly string[],
  io: CliIo,
  dependencies: CatchUpCliDependencies = {},
): Promise<number> {
  const options = parseCatchUpArgs(argv, Date.now());
  if (options === 'help') {
    io.stdout.write(CATCH_UP_HELP);
    return 0;
  }
  const out = printer(io, options.json);
  const target = await resolveTarget(options, io, dependencies.stateDir ?? DEFAULT_STATE_DIR);
  try {
    return await run(options, target, out, io);
  } finally {
    target.close();
  }
}

export const catchUpCommand: CommandModule = {
  help: CATCH_UP_HELP,
  run: (argv, io) => runCatchUpCli(argv, io),
};

async function run(options: CatchUpCliOptions, target: Target, out: Printer, io: CliIo): Promise<number> {
  const key = readApiKeyValue(await target.apiKey());
  if (key === undefined) {
    out.print(
      'not_configured',
      { reason: 'api_key_not_set' },
      `The ComplyCube API key in ${target.apiKeyDescription} is not set: put it there (or set ${COMPLYCUBE_API_KEY_ENV}) and run this again.`,
      true,
    );
    return EXIT_NOT_CONFIGURED;
  }
  if (target.events.length === 0) {
    throw new OpsError(
      `${target.label} has no subscription that needs an event type: nothing to catch up. Pass --events to choose.`,
    );
  }
  const retentionSeconds = target.retentionDays * 86_400;
  const client = new ComplyCubeClient({
    apiKey: key,
    baseUrl: target.apiUrl ?? io.env[COMPLYCUBE_API_URL_ENV],
    onRetry: (notice) =>
      out.print(
        'retry',
        { ...notice },
        out.colour.dim(
          `ComplyCube ${notice.status === undefined ? 'did not answer' : `answered ${notice.status}`} to ${notice.method} ${notice.path}; slowing down, trying again in ${(notice.delayMs / 1000).toFixed(1)} s`,
        ),
      ),
  });
  out.line(
    `Catching up ${target.label} from ${options.since.toISOString()} to ${options.until.toISOString()} (${target.events.join(', ')})`,
  );
  let summary: CatchUpSummary;
  try {
    summary = await catchUp(
      { since: options.since, until: options.until, maxObjects: options.maxObjects },
      {
        provider: { name: Providers.COMPLYCUBE.name, source: Providers.COMPLYCUBE.source },
        reader: new ComplyCubeApiReader(client, io.interrupt === undefined ? {} : { signal: io.interrupt }),
        ledger: new DynamoDbLedger({
          client: target.dynamodb,
          tableName: target.tableName,
          retentionSeconds,
          leaseSeconds: 120,
        }),
        publisher: new EventBridgePublisher({
          client: target.eventBridge,
          eventBusName: target.eventBusName,
        }),
        cursors: new DynamoDbCursorStore({
          client: target.dynamodb,
          tableName: target.tableName,
          provider: Providers.COMPLYCUBE.name,
          retentionSeconds,
        }),
        clock: systemClock,
        eventTypes: parseEventTypeFilter(target.events.join(',')),
        retentionSeconds,
        shouldStop: () => io.interrupt?.aborted === true,
        onProgress: (progress) =>
          out.progress(
            { phase: progress.phase, ...progress.counts },
            `${progress.phase}: ${progress.counts.listed} listed, ${progress.counts.published} published, ${progress.counts.alreadyKnown} already known`,
          ),
      },
    );
  } catch (error) {
    if (error instanceof CatchUpWindowError) throw new UsageError(error.message, COMMAND);
    throw error;
  }
  out.done();
  printSummary(summary, out);
  return summary.status === 'complete' ? 0 : 1;
}

function printSummary(summary: CatchUpSummary, out: Printer): void {
  const { counts } = summary;
  const skipped = Object.entries(counts.skipped)
    .map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`)
    .join(', ');
  const lines = [
    `${summary.status === 'complete' ? out.colour.green('Caught up') : out.colour.red(`Catch-up ${summary.status}`)}: ${counts.listed} listed, ${out.colour.bold(String(counts.published))} published, ${counts.alreadyKnown} already known, ${skipped === '' ? 'none skipped' : `skipped: ${skipped}`} (${counts.requests} API requests, run ${summary.runId}${summary.resumed ? ', resumed' : ''}).`,
  ];
  if (summary.auditLogUnavailable !== undefined) {
    lines.push(
      `Not recovered: deletions, documents and addresses (${summary.auditLogUnavailable}). See docs/catch-up.md.`,
    );
  }
  if (summary.error !== undefined) lines.push(`Why: ${summary.error}`);
  if (summary.status !== 'complete') {
    lines.push(`Run the same command again to continue from where it stopped (phase ${summary.phase}).`);
  }
  out.print('summary', { ...summary }, lines.join('\n'));
}

async function resolveTarget(options: CatchUpCliOptions, io: CliIo, stateDir: string): Promise<Target> {
  if (options.stack === undefined) return localTarget(options, io, stateDir);
  const outputs = await describeStackOutputs(options.stack, options.region);
  const region = options.region === undefined ? {} : { region: options.region };
  const tableName = outputs[CATCH_UP_OUTPUTS.tableName];
  const eventBusName = outputs.EventBusName;
  if (tableName === undefined || eventBusName === undefined) {
    throw new OpsError(
      `Stack ${options.stack} has no ${CATCH_UP_OUTPUTS.tableName}/EventBusName outputs: deploy it with this version (and connect) first.`,
    );
  }
  const events =
    options.events ??
    parseEventsList(outputs[CONNECT_OUTPUTS.webhookEvents] ?? outputs[CONNECT_OUTPUTS.portalEventTypes]);
  const secretId = options.apiKeySecretId ?? outputs[CONNECT_OUTPUTS.apiKeySecretArn];
  const secretsManager = new SecretsManagerClient({ maxAttempts: 4, ...region });
  const dynamodb = new DynamoDBClient({ maxAttempts: 4, ...region });
  const eventBridge = new EventBridgeClient({ maxAttempts: 4, ...region });
  const key = apiKey(options, io, secretsManager, secretId);
  return {
    label: `stack ${options.stack}`,
    tableName,
    eventBusName,
    events,
    retentionDays: Number(outputs[CATCH_UP_OUTPUTS.retentionDays] ?? 30) || 30,
    dynamodb,
    eventBridge,
    ...key,
    apiUrl: undefined,
    close: () => {
      for (const client of [secretsManager, dynamodb, eventBridge]) client.destroy();
    },
  };
}

function localTarget(options: CatchUpCliOptions, io: CliIo, stateDir: string): Target {
  const state = readStackState(stateDir);
  if (state === undefined) {
    throw new UsageError(
      'No local stack is running. Start it with `npm run dev -- --complycube-api local`, or name a deployed one: --stack <name>.',
      COMMAND,
    );
  }
  const receiver = state.receivers.find((r) => r.provider === Providers.COMPLYCUBE.name);
  if (
    receiver?.tableName === undefined ||
    receiver.eventBusName === undefined ||
    state.emulators === undefined
  ) {
    throw new UsageError(
      'The local stack serves no ComplyCube receiver to catch up (or it was started by an older version): restart it with `npm run dev -- --complycube-api local`.',
      COMMAND,
    );
  }
  const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 } as const;
  const dynamodb = new DynamoDBClient({ ...base, endpoint: state.emulators.dynamodb });
  const eventBridge = new EventBridgeClient({ ...base, endpoint: state.emulators.moto });
  const secretsManager = new SecretsManagerClient({ ...base, endpoint: state.emulators.moto });
  const api = state.complyCubeApi;
  const useEmulator =
    api !== undefined && io.env[COMPLYCUBE_API_KEY_ENV] === undefined && options.apiKeySecretId === undefined;
  const key =
    useEmulator && api !== undefined
      ? { apiKey: async () => api.apiKey, apiKeyDescription: "the local ComplyCube API emulator's key" }
      : apiKey(options, io, secretsManager, options.apiKeySecretId);
  return {
    label: 'the local stack',
    tableName: receiver.tableName,
    eventBusName: receiver.eventBusName,
    events: options.events ?? receiver.webhookEvents ?? [],
    retentionDays: 30,
    dynamodb,
    eventBridge,
    ...key,
    apiUrl: useEmulator ? api?.url : undefined,
    close: () => {
      for (const client of [secretsManager, dynamodb, eventBridge]) client.destroy();
    },
  };
}

function apiKey(
  options: CatchUpCliOptions,
  io: CliIo,
  secretsManager: SecretsManagerClient,
  secretId: string | undefined,
): Pick<Target, 'apiKey' | 'apiKeyDescription'> {
  const fromEnv = io.env[COMPLYCUBE_API_KEY_ENV];
  if (options.apiKeySecretId === undefined && fromEnv !== undefined && fromEnv.trim() !== '') {
    return { apiKey: async () => fromEnv, apiKeyDescription: COMPLYCUBE_API_KEY_ENV };
  }
  if (secretId !== undefined) {
    const store = secretsManagerStore(secretsManager, secretId, 'the ComplyCube API key secret');
    return { apiKey: () => store.read(), apiKeyDescription: store.description };
  }
  throw new UsageError(
    `Which ComplyCube API key? Set ${COMPLYCUBE_API_KEY_ENV} (e.g. read -rs ${COMPLYCUBE_API_KEY_ENV} && export ${COMPLYCUBE_API_KEY_ENV}), or name the secret that holds it: --api-key-secret-id <name or ARN>.`,
    COMMAND,
  );
}

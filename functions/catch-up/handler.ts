/**
 * The catch-up function: invoked asynchronously by the webhook watcher (or by a person with
 * `aws lambda invoke`) with `{ "since": ISO, "until": ISO }`. It runs the catch-up until the
 * window is done or its time is nearly up; then it invokes itself again with the same window, and
 * the next invocation continues from the cursor. A failed run throws, so Lambda retries it (twice)
 * and the `Errors` alarm fires; every retry resumes from the cursor too.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { Providers } from '../../contract/providers.js';
import { ComplyCubeClient } from '../complycube-api/client.js';
import { secretsManagerStore } from '../connect/adapters/secrets-manager-store.js';
import { readApiKeyValue } from '../connect/core/stored-secret.js';
import { DynamoDbLedger } from '../receiver/adapters/dynamodb-ledger.js';
import { EventBridgePublisher } from '../receiver/adapters/eventbridge-publisher.js';
import { systemClock } from '../receiver/core/clock.js';
import { jsonLogger } from '../receiver/core/logger.js';
import { ComplyCubeApiReader } from './adapters/complycube-api-reader.js';
import { DynamoDbCursorStore } from './adapters/dynamodb-cursor-store.js';
import { readCatchUpConfig } from './config.js';
import { type CatchUpSummary, CatchUpWindowError, catchUp } from './core/catch-up.js';
import { CATCH_UP_METRIC, emfOf } from './core/metrics.js';

/** What the watcher (or a person) sends. */
export interface CatchUpEvent {
  readonly since: string;
  readonly until: string;
  readonly reason?: string;
  /** How many invocations this run has had; set by the function when it hands over. */
  readonly continuation?: number;
}

const PROVIDER = Providers.COMPLYCUBE.name;
/** Stop this long before Lambda's timeout, so the cursor is saved and the hand-over sent. */
const SAFETY_MS = 60_000;
/** A run that needs more invocations than this stops handing over and fails loudly instead. */
const MAX_CONTINUATIONS = 100;
/** Lease of a catch-up's claim: longer than one publish with its retries can take. */
const LEASE_SECONDS = 120;

const config = readCatchUpConfig(process.env);
const logger = jsonLogger();
const dynamodb = new DynamoDBClient({});
const eventBridge = new EventBridgeClient({});
const lambda = new LambdaClient({});
const apiKeySecret = secretsManagerStore(
  new SecretsManagerClient({}),
  config.apiKeySecretId,
  'the ComplyCube API key secret',
);

export async function handler(
  event: CatchUpEvent,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'functionName'>,
) {
  const since = new Date(event.since);
  const until = new Date(event.until);
  const fields = {
    since: event.since,
    until: event.until,
    reason: event.reason,
    continuation: event.continuation ?? 0,
  };
  const apiKey = readApiKeyValue(await apiKeySecret.read());
  if (apiKey === undefined) {
    logger.error(
      'catch-up not run: the ComplyCube API key is not set',
      { ...fields, todo: `put the API key into ${apiKeySecret.description}, then run the catch-up again` },
      emfOf(config.metricsNamespace, PROVIDER, { [CATCH_UP_METRIC.failures]: 1 }, Date.now()),
    );
    return { status: 'failed', error: 'api_key_not_set' };
  }
  let summary: CatchUpSummary;
  try {
    summary = await catchUp(
      { since, until, maxObjects: config.maxObjects },
      {
        provider: { name: PROVIDER, source: Providers.COMPLYCUBE.source },
        reader: new ComplyCubeApiReader(new ComplyCubeClient({ apiKey })),
        ledger: new DynamoDbLedger({
          client: dynamodb,
          tableName: config.tableName,
          retentionSeconds: config.retentionSeconds,
          leaseSeconds: LEASE_SECONDS,
        }),
        publisher: new EventBridgePublisher({ client: eventBridge, eventBusName: config.eventBusName }),
        cursors: new DynamoDbCursorStore({
          client: dynamodb,
          tableName: config.tableName,
          provider: PROVIDER,
          retentionSeconds: config.retentionSeconds,
        }),
        clock: systemClock,
        eventTypes: config.eventTypes,
        retentionSeconds: config.retentionSeconds,
        shouldStop: () => context.getRemainingTimeInMillis() < SAFETY_MS,
        onProgress: (progress) =>
          logger.info('catch-up progress', { ...fields, phase: progress.phase, ...flat(progress.counts) }),
      },
    );
  } catch (error) {
    if (!(error instanceof CatchUpWindowError)) throw error;
    // A window no run can take: retrying would not help.
    logger.error(
      'catch-up refused its window',
      { ...fields, error: error.message },
      emfOf(config.metricsNamespace, PROVIDER, { [CATCH_UP_METRIC.failures]: 1 }, Date.now()),
    );
    return { status: 'failed', error: error.message };
  }
  const failed = summary.status === 'failed';
  const log = failed ? logger.error : logger.info;
  log(
    'catch-up',
    {
      ...fields,
      runId: summary.runId,
      status: summary.status,
      phase: summary.phase,
      resumed: summary.resumed,
      error: summary.error,
      auditLogUnavailable: summary.auditLogUnavailable,
      ...flat(summary.counts),
    },
    emfOf(
      config.metricsNamespace,
      PROVIDER,
      {
        [CATCH_UP_METRIC.published]: summary.counts.published,
        [CATCH_UP_METRIC.alreadyKnown]: summary.counts.alreadyKnown,
        [CATCH_UP_METRIC.failures]: failed ? 1 : 0,
        [CATCH_UP_METRIC.completed]: summary.status === 'complete' ? 1 : 0,
      },
      Date.now(),
    ),
  );
  if (failed)
    throw new Error(
      `Catch-up ${summary.runId} failed: ${summary.error ?? 'unknown error'}. It resumes from its cursor when retried.`,
    );
  if (summary.status === 'stopped' || summary.status === 'limit_reached') {
    const continuation = (event.continuation ?? 0) + 1;
    if (continuation > MAX_CONTINUATIONS) {
      throw new Error(
        `Catch-up ${summary.runId} needed more than ${MAX_CONTINUATIONS} invocations; run it again to continue.`,
      );
    }
    await lambda.send(
      new InvokeCommand({
        FunctionName: context.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ ...event, continuation })),
      }),
    );
  }
  return summary;
}

/** Counts as flat log fields: `listed`, `published`, `skipped_<reason>`. */
function flat(counts: CatchUpSummary['counts']): Record<string, number> {
  const fields: Record<string, number> = {
    listed: counts.listed,
    published: counts.published,
    alreadyKnown: counts.alreadyKnown,
    requests: counts.requests,
  };
  for (const [reason, n] of Object.entries(counts.skipped)) fields[`skipped_${reason}`] = n;
  return fields;
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { ENV } from '../../contract/env.js';
import { DeadlineRetryStrategy } from './adapters/deadline-retry.js';
import { DynamoDbLedger } from './adapters/dynamodb-ledger.js';
import { EventBridgePublisher } from './adapters/eventbridge-publisher.js';
import { S3PayloadStore } from './adapters/s3-payload-store.js';
import { secretsManagerSource } from './adapters/secrets-manager-source.js';
import { leaseProblem, readConfig } from './config.js';
import { systemClock } from './core/clock.js';
import { Deadline } from './core/deadline.js';
import { ConfigError } from './core/errors.js';
import { jsonLogger } from './core/logger.js';
import { emfMembers, sampleOf } from './core/metrics.js';
import { type ReceiveDependencies, type ReceiveResult, receive } from './core/receive.js';
import { WebhookSecrets } from './core/secrets.js';
import { type FunctionUrlResponse, toFunctionUrlResult, toWebhookRequest } from './function-url.js';

// Everything here runs once per cold start. Endpoints, region and credentials come from the SDK's
// own configuration (AWS_ENDPOINT_URL_<SERVICE> and friends), never from variables of ours.

const config = readConfig(process.env);

/**
 * Kept back from the function's remaining time for writing the log line and returning the answer:
 * the request's deadline is the timeout less this.
 */
export const ANSWER_MARGIN_MS = 500;

const ATTEMPT_MS = 2_500;

/**
 * Each attempt is bounded (`throwOnRequestTimeout` matters: without it the SDK only logs a warning
 * when `requestTimeout` passes and keeps waiting), and the request's deadline bounds the whole
 * call: its signal aborts a stalled attempt, and the retry strategy starts no attempt that could
 * not finish in time.
 */
function clientConfig() {
  return {
    retryStrategy: new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: ATTEMPT_MS }),
    requestHandler: { connectionTimeout: 1_000, requestTimeout: ATTEMPT_MS, throwOnRequestTimeout: true },
  } as const;
}

const logger = jsonLogger();
const eventTypeCatalogue: ReadonlySet<string> = new Set(config.provider.eventTypes);
const dynamodb = new DynamoDBClient(clientConfig());
const secrets = new WebhookSecrets({
  source: secretsManagerSource({
    client: new SecretsManagerClient(clientConfig()),
    secretArn: config.secretArn,
  }),
});

const deps: ReceiveDependencies = {
  provider: config.provider,
  secrets,
  ledger: new DynamoDbLedger({
    client: dynamodb,
    tableName: config.tableName,
    retentionSeconds: config.retentionSeconds,
    leaseSeconds: config.leaseSeconds,
  }),
  publisher: new EventBridgePublisher({
    client: new EventBridgeClient(clientConfig()),
    eventBusName: config.eventBusName,
  }),
  clock: systemClock,
  logger,
  signatureVerification: config.signatureVerification,
  limits: {
    maxBodyBytes: config.maxBodyBytes,
    maxEventAgeSeconds: config.retentionSeconds,
    maxEntryBytes: config.maxEntryBytes,
  },
  // Region, credentials, FIPS and dual-stack settings, HTTP handler and user agent as the SDK
  // resolved them for DynamoDB; the endpoint follows the SDK's own variables.
  payloadStore:
    config.payloadBucket === undefined
      ? undefined
      : new S3PayloadStore({
          bucket: config.payloadBucket,
          sdk: dynamodb.config,
          // Like the clients': no attempt that could not finish before the request's deadline.
          retryStrategy: new DeadlineRetryStrategy({ maxAttempts: 2, attemptMs: ATTEMPT_MS }),
          endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
        }),
};

// Fetch the secret during init, off the first request's clock. A failure is not fatal: the first
// request tries again and answers 503 if it still cannot.
await secrets.prefetch();

/**
 * Without `FUNCTION_TIMEOUT_SECONDS` (set by the construct) the timeout is learnt from the first
 * invocation: the lease must outlast it, or every request is refused with 503.
 */
let leaseChecked = config.functionTimeoutSeconds !== undefined;
let leaseError: ConfigError | undefined;

function checkLease(remainingMs: number): ConfigError | undefined {
  if (leaseChecked) return leaseError;
  leaseChecked = true;
  const problem = leaseProblem(config.leaseSeconds, Math.ceil(remainingMs / 1000));
  leaseError = problem === undefined ? undefined : new ConfigError(ENV.leaseSeconds, problem);
  return leaseError;
}

/**
 * Lambda function URL handler (payload format 2.0). The deadline of each request comes from the
 * `context` Lambda passes; a host that passes none (a local server) runs without one, bounded by
 * the SDK clients' own timeouts only.
 */
export async function handler(
  event: LambdaFunctionURLEvent,
  context?: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
): Promise<FunctionUrlResponse> {
  const started = performance.now();
  const remainingMs = context?.getRemainingTimeInMillis();
  const refused = remainingMs === undefined ? undefined : checkLease(remainingMs);
  const result = refused
    ? misconfigured(refused)
    : await receive(
        toWebhookRequest(event),
        deps,
        remainingMs === undefined ? undefined : Deadline.after(remainingMs - ANSWER_MARGIN_MS),
      );
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const log = result.statusCode >= 500 ? logger.error : logger.info;
  log(
    'webhook',
    {
      ...result.log,
      verdict: result.verdict,
      status: result.statusCode,
      durationMs,
      requestId: context?.awsRequestId,
    },
    // The same line carries the request's metrics (embedded metric format): one write, no API call.
    emfMembers(
      sampleOf({
        provider: config.provider.name,
        verdict: result.verdict,
        log: result.log,
        handlerMs: durationMs,
      }),
      { namespace: config.metricsNamespace, catalogue: eventTypeCatalogue, timestamp: Date.now() },
    ),
  );
  return toFunctionUrlResult(result);
}

function misconfigured(error: ConfigError): ReceiveResult {
  return {
    statusCode: 503,
    headers: { 'content-type': 'application/json' },
    body: {
      status: 'failed',
      message:
        'The event was not taken in because of a failure on our side. Retry the delivery; nothing was kept.',
    },
    verdict: 'failed',
    log: { provider: config.provider.name, errorName: error.name, errorMessage: error.message },
  };
}

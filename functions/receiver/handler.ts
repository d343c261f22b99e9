// First: sends the request for the secret before the SDK below is evaluated (see the module).
import './secret-at-load.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { DynamoDbLedger } from './adapters/dynamodb-ledger.js';
import { EventBridgePublisher } from './adapters/eventbridge-publisher.js';
import { S3PayloadStore } from './adapters/s3-payload-store.js';
import { secretsManagerSource } from './adapters/secrets-manager-source.js';
import { systemClock } from './core/clock.js';
import { jsonLogger } from './core/logger.js';
import { emfMembers, sampleOf } from './core/metrics.js';
import { type ReceiveDependencies, receive } from './core/receive.js';
import { firstFetchFrom, WebhookSecrets } from './core/secrets.js';
import { type FunctionUrlResponse, toFunctionUrlResult, toWebhookRequest } from './function-url.js';
import { config, secretReadAtLoad } from './secret-at-load.js';

// Everything here runs once per cold start. Endpoints come from the SDK's own configuration
// (AWS_ENDPOINT_URL_<SERVICE> and friends), never from variables of ours; the configuration is the
// one secret-at-load.ts read.

/**
 * Bounded so a stalled dependency fails the invocation with a 503 well inside ComplyCube's 15
 * seconds and the function's 10-second timeout. `throwOnRequestTimeout` matters: without it the
 * SDK only logs a warning when `requestTimeout` passes and keeps waiting.
 */
const clientConfig = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
} as const;

const logger = jsonLogger();
const eventTypeCatalogue: ReadonlySet<string> = new Set(config.provider.eventTypes);
const dynamodb = new DynamoDBClient(clientConfig);
const secrets = new WebhookSecrets({
  // The first read is the one `secret-at-load.ts` started, if it could; every later read signs
  // with the same credentials and region the SDK clients resolved. The endpoint follows the SDK's
  // own variables, so tests point it at an emulator like every other service.
  source: firstFetchFrom(
    secretReadAtLoad,
    secretsManagerSource({
      secretArn: config.secretArn,
      region: dynamodb.config.region,
      credentials: dynamodb.config.credentials,
      endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? process.env.AWS_ENDPOINT_URL,
    }),
  ),
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
    client: new EventBridgeClient(clientConfig),
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
  // Signs with the same credentials and region as the SDK clients; the S3 endpoint follows the
  // SDK's own variables, so tests point it at an emulator like every other service.
  payloadStore:
    config.payloadBucket === undefined
      ? undefined
      : new S3PayloadStore({
          bucket: config.payloadBucket,
          region: dynamodb.config.region,
          credentials: dynamodb.config.credentials,
          endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
        }),
};

// Fetch the secret during init, off the first request's clock. A failure is not fatal: the first
// request tries again and answers 503 if it still cannot.
await secrets.prefetch();

/** Lambda function URL handler (payload format 2.0). */
export async function handler(
  event: LambdaFunctionURLEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<FunctionUrlResponse> {
  const started = performance.now();
  const result = await receive(toWebhookRequest(event), deps);
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

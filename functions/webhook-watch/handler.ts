/**
 * The webhook watcher, run by a schedule (every 5 minutes unless configured otherwise): one
 * `watchOnce` per invocation, its findings as metrics (embedded in the one log line) for the alarms
 * and the dashboard. A run that cannot read ComplyCube throws, so the function's `Errors` alarm
 * says the watcher itself is blind.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Providers } from '../../contract/providers.js';
import { emfOf, WATCH_METRIC } from '../catch-up/core/metrics.js';
import { ComplyCubeClient } from '../complycube-api/client.js';
import { secretsManagerStore } from '../connect/adapters/secrets-manager-store.js';
import { readApiKeyValue } from '../connect/core/stored-secret.js';
import { systemClock } from '../receiver/core/clock.js';
import { jsonLogger } from '../receiver/core/logger.js';
import { complyCubeWebhookApi } from './adapters/complycube-webhook-api.js';
import { DynamoDbWatchState } from './adapters/dynamodb-watch-state.js';
import { HttpProbe } from './adapters/http-probe.js';
import { LambdaCatchUpStarter } from './adapters/lambda-catch-up-starter.js';
import { readWatchConfig } from './config.js';
import { watchMetrics } from './core/metrics.js';
import { watchOnce } from './core/watch.js';

const PROVIDER = Providers.COMPLYCUBE.name;
const config = readWatchConfig(process.env);
const logger = jsonLogger();
const dynamodb = new DynamoDBClient({});
const lambda = new LambdaClient({});
const apiKeySecret = secretsManagerStore(
  new SecretsManagerClient({}),
  config.apiKeySecretId,
  'the ComplyCube API key secret',
);

export async function handler(): Promise<void> {
  const apiKey = readApiKeyValue(await apiKeySecret.read());
  if (apiKey === undefined) {
    // Not connected yet: nothing to watch. The missing-webhook alarm says so until the key is set.
    logger.warn(
      'webhook watch skipped: the ComplyCube API key is not set',
      { todo: `put the API key into ${apiKeySecret.description}` },
      emfOf(
        config.metricsNamespace,
        PROVIDER,
        { [WATCH_METRIC.webhookMissing]: 1, [WATCH_METRIC.webhookEnabled]: 0 },
        Date.now(),
      ),
    );
    return;
  }
  const report = await watchOnce(
    {
      receiverUrl: config.receiverUrl,
      webhookId: config.webhookId,
      requiredEventTypes: config.requiredEventTypes,
      reEnable: config.reEnable,
      lookbackMs: config.lookbackMs,
      maxWindowMs: config.retentionMs,
    },
    {
      api: complyCubeWebhookApi(new ComplyCubeClient({ apiKey })),
      probe: new HttpProbe({
        url: config.receiverUrl,
        signatureHeader: Providers.COMPLYCUBE.signatureHeader,
      }),
      catchUp: new LambdaCatchUpStarter(lambda, config.catchUpFunctionName),
      state: new DynamoDbWatchState({ client: dynamodb, tableName: config.tableName, provider: PROVIDER }),
      clock: systemClock,
    },
  );
  const problem = report.webhook !== 'enabled' || !report.urlMatches || report.missingEventTypes.length > 0;
  const log =
    report.catchUpStartError !== undefined || (problem && !report.reEnabled) ? logger.warn : logger.info;
  log(
    'webhook watch',
    {
      webhook: report.webhook,
      webhookId: report.webhookId,
      urlMatches: report.urlMatches,
      missingEventTypes: report.missingEventTypes.join(',') || undefined,
      disabledSince: report.disabledSince,
      probeStatus: report.probe?.status,
      probe: report.probe?.detail,
      reEnabled: report.reEnabled,
      leftDisabledBecause: report.leftDisabledBecause,
      catchUpSince: report.catchUpStarted?.since,
      catchUpUntil: report.catchUpStarted?.until,
      catchUpStartError: report.catchUpStartError,
    },
    emfOf(config.metricsNamespace, PROVIDER, watchMetrics(report), Date.now()),
  );
}

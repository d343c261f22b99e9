import { CATCH_UP_ENV, DEFAULT_LOOKBACK_HOURS, WATCH_ENV } from '../../contract/catch-up.js';
import { DEFAULT_RETENTION_DAYS, ENV } from '../../contract/env.js';
import { DEFAULT_METRICS_NAMESPACE } from '../../contract/metrics.js';
import { CatchUpConfigError } from '../catch-up/config.js';

export interface WatchFunctionConfig {
  readonly tableName: string;
  readonly receiverUrl: string;
  readonly webhookId: string | undefined;
  readonly apiKeySecretId: string;
  readonly requiredEventTypes: readonly string[] | '*';
  readonly reEnable: boolean;
  readonly lookbackMs: number;
  readonly retentionMs: number;
  readonly catchUpFunctionName: string;
  readonly metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') throw new CatchUpConfigError(`${name} is required but not set.`);
  return value;
}

function hours(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || value < 1) {
    throw new CatchUpConfigError(
      `${name} must be a whole number of hours, at least 1 (got ${JSON.stringify(raw)}).`,
    );
  }
  return value;
}

/** The watcher's configuration, read once at start from the variables the construct sets. */
export function readWatchConfig(env: Env): WatchFunctionConfig {
  const types = required(env, CATCH_UP_ENV.eventTypes)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const reEnable = env[WATCH_ENV.reEnable]?.trim() ?? 'true';
  if (reEnable !== 'true' && reEnable !== 'false') {
    throw new CatchUpConfigError(
      `${WATCH_ENV.reEnable} must be true or false (got ${JSON.stringify(reEnable)}).`,
    );
  }
  const retentionDays = Number(env[ENV.retentionDays]?.trim() || DEFAULT_RETENTION_DAYS);
  return {
    tableName: required(env, ENV.tableName),
    receiverUrl: required(env, WATCH_ENV.receiverUrl),
    webhookId: env[WATCH_ENV.webhookId]?.trim() || undefined,
    apiKeySecretId: required(env, CATCH_UP_ENV.apiKeySecretId),
    requiredEventTypes: types.includes('*') ? '*' : types,
    reEnable: reEnable === 'true',
    lookbackMs: hours(env, WATCH_ENV.lookbackHours, DEFAULT_LOOKBACK_HOURS) * 3_600_000,
    retentionMs: (Number.isInteger(retentionDays) ? retentionDays : DEFAULT_RETENTION_DAYS) * 86_400_000,
    catchUpFunctionName: required(env, WATCH_ENV.catchUpFunction),
    metricsNamespace: env[ENV.metricsNamespace]?.trim() || DEFAULT_METRICS_NAMESPACE,
  };
}

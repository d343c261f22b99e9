import { CATCH_UP_ENV } from '../../contract/catch-up.js';
import { DEFAULT_RETENTION_DAYS, ENV } from '../../contract/env.js';
import { DEFAULT_METRICS_NAMESPACE } from '../../contract/metrics.js';
import { type EventTypeFilter, parseEventTypeFilter } from './core/events.js';

/** The catch-up function's configuration, read once at start from the variables the construct sets. */
export interface CatchUpConfig {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly retentionSeconds: number;
  readonly apiKeySecretId: string;
  readonly eventTypes: EventTypeFilter;
  readonly maxObjects: number;
  readonly metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A missing or malformed variable, named, with what it should hold. */
export class CatchUpConfigError extends Error {
  override readonly name = 'CatchUpConfigError';
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') throw new CatchUpConfigError(`${name} is required but not set.`);
  return value;
}

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new CatchUpConfigError(
      `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)}).`,
    );
  }
  return value;
}

export function readCatchUpConfig(env: Env): CatchUpConfig {
  const types = required(env, CATCH_UP_ENV.eventTypes);
  return {
    tableName: required(env, ENV.tableName),
    eventBusName: required(env, ENV.eventBusName),
    retentionSeconds: whole(env, ENV.retentionDays, DEFAULT_RETENTION_DAYS, 1, 3650) * 86_400,
    apiKeySecretId: required(env, CATCH_UP_ENV.apiKeySecretId),
    eventTypes: parseEventTypeFilter(types),
    maxObjects: whole(env, CATCH_UP_ENV.maxObjects, 10_000, 1, 1_000_000),
    metricsNamespace: env[ENV.metricsNamespace]?.trim() || DEFAULT_METRICS_NAMESPACE,
  };
}

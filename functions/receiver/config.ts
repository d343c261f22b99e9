import {
  DEFAULT_LEASE_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_ENTRY_BYTES,
  DEFAULT_RETENTION_DAYS,
  ENV,
  FUNCTION_URL_MAX_BYTES,
  LEASE_MARGIN_SECONDS,
  MAX_BUS_ENTRY_BYTES,
  SIGNATURE_VERIFICATION_MODES,
  type SignatureVerification,
} from '../../contract/env.js';
import { DEFAULT_METRICS_NAMESPACE, namespaceProblem } from '../../contract/metrics.js';
import { ConfigError } from './core/errors.js';
import type { WebhookProvider } from './providers/provider.js';
import { PROVIDERS } from './providers/registry.js';

/*
 * The receiver's configuration, from the environment the construct sets (`contract/env.ts` names
 * the variables). Read once at start; a missing or malformed value stops the start with a message
 * naming the variable.
 */

export interface ReceiverConfig {
  readonly provider: WebhookProvider;
  /** Bus name or ARN for PutEvents. */
  readonly eventBusName: string;
  readonly tableName: string;
  readonly secretArn: string;
  readonly retentionSeconds: number;
  readonly leaseSeconds: number;
  /** The function's timeout, when the construct says it (`FUNCTION_TIMEOUT_SECONDS`). */
  readonly functionTimeoutSeconds: number | undefined;
  /** `optional` only for a provider configured without signing; see `SignatureVerification`. */
  readonly signatureVerification: SignatureVerification;
  readonly maxBodyBytes: number;
  /** The largest PutEvents entry the bus takes; larger events are stored and published as a pointer. */
  readonly maxEntryBytes: number;
  /** The S3 bucket for events too large for the bus; unset, they fail with 503 (see README). */
  readonly payloadBucket: string | undefined;
  /** The CloudWatch namespace of the receiver's embedded metrics. */
  readonly metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const BUS_NAME =
  /^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(name, 'is required but not set.');
  return value.trim();
}

function matching(env: Env, name: string, pattern: RegExp, what: string): string {
  const value = required(env, name);
  if (!pattern.test(value)) throw new ConfigError(name, `${JSON.stringify(value)} is not ${what}.`);
  return value;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function optionalMatching(env: Env, name: string, pattern: RegExp, what: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return matching(env, name, pattern, what);
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `${JSON.stringify(raw)} is not a whole number from ${min} to ${max}.`);
  }
  return value;
}

function signatureVerification(env: Env, provider: WebhookProvider): SignatureVerification {
  const raw = env[ENV.signatureVerification]?.trim() ?? '';
  if (raw === '') return 'required';
  const mode = SIGNATURE_VERIFICATION_MODES.find((m) => m === raw);
  if (mode === undefined) {
    throw new ConfigError(
      ENV.signatureVerification,
      `${JSON.stringify(raw)} is not one of ${SIGNATURE_VERIFICATION_MODES.join(', ')}.`,
    );
  }
  if (mode === 'optional' && !provider.signingOptional) {
    throw new ConfigError(
      ENV.signatureVerification,
      `"optional" is not possible for ${provider.name}, which signs every delivery; set it to required or leave it unset.`,
    );
  }
  return mode;
}

/** Reads and validates the receiver's configuration. Throws `ConfigError` naming the bad variable. */
export function readConfig(env: Env): ReceiverConfig {
  const providerName = required(env, ENV.provider);
  // Own properties only: `constructor` or `__proto__` must not pass for a provider.
  const provider = Object.hasOwn(PROVIDERS, providerName) ? PROVIDERS[providerName] : undefined;
  if (provider === undefined) {
    throw new ConfigError(
      ENV.provider,
      `unknown provider ${JSON.stringify(providerName)}; expected one of ${Object.keys(PROVIDERS).join(', ')}.`,
    );
  }
  const leaseSeconds = wholeNumber(env, ENV.leaseSeconds, DEFAULT_LEASE_SECONDS, 5, 900);
  const rawTimeout = env[ENV.functionTimeoutSeconds];
  const functionTimeoutSeconds =
    rawTimeout === undefined || rawTimeout.trim() === ''
      ? undefined
      : wholeNumber(env, ENV.functionTimeoutSeconds, 0, 1, 900);
  if (functionTimeoutSeconds !== undefined) {
    const problem = leaseProblem(leaseSeconds, functionTimeoutSeconds);
    if (problem !== undefined) throw new ConfigError(ENV.leaseSeconds, problem);
  }
  return {
    provider,
    eventBusName: matching(env, ENV.eventBusName, BUS_NAME, 'an EventBridge bus name or ARN'),
    tableName: matching(env, ENV.tableName, TABLE_NAME, 'a DynamoDB table name'),
    secretArn: matching(env, ENV.secretArn, SECRET_ARN, 'a Secrets Manager secret ARN'),
    retentionSeconds: wholeNumber(env, ENV.retentionDays, DEFAULT_RETENTION_DAYS, 1, 3650) * 86_400,
    leaseSeconds,
    functionTimeoutSeconds,
    signatureVerification: signatureVerification(env, provider),
    maxBodyBytes: wholeNumber(env, ENV.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1_024, FUNCTION_URL_MAX_BYTES),
    maxEntryBytes: wholeNumber(env, ENV.maxEntryBytes, DEFAULT_MAX_ENTRY_BYTES, 1_024, MAX_BUS_ENTRY_BYTES),
    payloadBucket: optionalMatching(env, ENV.payloadBucket, BUCKET_NAME, 'an S3 bucket name'),
    metricsNamespace: metricsNamespace(env),
  };
}

/**
 * Why a claim lease of `leaseSeconds` is unsafe under a function timeout of `timeoutSeconds`, or
 * `undefined` when it is long enough: a lease that runs out while its attempt is still alive lets a
 * retry take the claim over and publish the event a second time.
 */
export function leaseProblem(leaseSeconds: number, timeoutSeconds: number): string | undefined {
  const least = timeoutSeconds + LEASE_MARGIN_SECONDS;
  if (leaseSeconds >= least) return undefined;
  return `${leaseSeconds}s is shorter than the function timeout (${timeoutSeconds}s) plus ${LEASE_MARGIN_SECONDS}s: a retry could take over a claim whose attempt is still running. Set it to at least ${least}.`;
}

function metricsNamespace(env: Env): string {
  const raw = env[ENV.metricsNamespace];
  if (raw === undefined || raw.trim() === '') return DEFAULT_METRICS_NAMESPACE;
  const problem = namespaceProblem(raw);
  if (problem !== undefined)
    throw new ConfigError(ENV.metricsNamespace, `${JSON.stringify(raw)} ${problem}.`);
  return raw;
}

import { Annotations, type Duration, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SignatureVerification } from '../contract/env.js';
import { namespaceProblem } from '../contract/metrics.js';
import type { ProviderDescriptor } from '../contract/providers.js';

/*
 * The checks on `WebhookReceiverProps`: a bad value throws at synth time with a message naming the
 * prop and what to pass, instead of failing at the function's first start or in CloudFormation.
 */

/** The idempotency retention in whole days, 1 to 3650. */
export function validateRetention(retention: Duration): number {
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(
      `idempotencyRetention must be a whole number of days from 1 to 3650 (got ${retention.toHumanString()}); ComplyCube retries for hours, so keep it at least a few days.`,
    );
  }
  return days;
}

/** An optional whole number within bounds. */
export function validateWhole(
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${value}).`);
  }
  return value;
}

/** A CloudWatch namespace the function will accept; a token is checked by the function at start. */
export function validateNamespace(namespace: string): string {
  if (Token.isUnresolved(namespace)) return namespace;
  const problem = namespaceProblem(namespace);
  if (problem !== undefined) throw new Error(`metricsNamespace ${JSON.stringify(namespace)} ${problem}.`);
  return namespace;
}

export function validateMemory(memorySize: number): number {
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
    throw new Error(`memorySize must be a whole number of MB from 128 to 10240 (got ${memorySize}).`);
  }
  return memorySize;
}

/** `optional` only for a provider that can send unsigned webhooks, and then with a warning. */
export function validateSignatureVerification(
  scope: Construct,
  provider: ProviderDescriptor,
  mode: SignatureVerification = 'required',
): SignatureVerification {
  const { displayName } = provider;
  if (mode !== 'required' && mode !== 'optional') {
    throw new Error(`signatureVerification must be 'required' or 'optional' (got ${JSON.stringify(mode)}).`);
  }
  if (mode === 'optional' && !provider.signingOptional) {
    throw new Error(
      `signatureVerification 'optional' is not possible for ${displayName}: it signs every webhook, so an unsigned request is never its own. Remove the prop.`,
    );
  }
  if (mode === 'optional') {
    Annotations.of(scope).addWarningV2(
      'webhook-receiver:unsigned-deliveries',
      `${displayName} webhooks are taken in without a signature: anyone who learns the function URL can publish ${displayName} events and pre-empt real ones. Set a webhook secret in ${displayName} and remove signatureVerification (README, "Unsigned deliveries").`,
    );
  }
  return mode;
}

/** The archive's retention in whole days; the idempotency retention when not given. */
export function archiveRetentionDays(
  scope: Construct,
  retention: Duration | undefined,
  idempotencyDays: number,
): number {
  if (retention === undefined) return idempotencyDays;
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(
      `archiveRetention must be a whole number of days from 1 to 3650 (got ${retention.toHumanString()}), e.g. Duration.days(30).`,
    );
  }
  if (days > idempotencyDays) {
    Annotations.of(scope).addWarningV2(
      'webhook-receiver:archive-outlives-large-payloads',
      `Archived events are kept ${days} days but bodies too large for the bus only ${idempotencyDays} (idempotencyRetention): a replay of an older event that points at a stored body will find it gone.`,
    );
  }
  return days;
}

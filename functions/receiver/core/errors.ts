/**
 * The receiver's error family. Every failure on the request path is one of these; `errorResult` in
 * `receive.ts` is the one place that turns them into HTTP answers. `expose` says whether the
 * message is safe to show the caller: true for the caller's own mistakes (4xx), false for ours
 * (5xx), whose details stay in the log.
 */

import type { Verdict } from '../../../contract/verdicts.js';

interface ErrorOptions {
  readonly cause?: unknown;
}

export abstract class ReceiverError extends Error {
  abstract readonly statusCode: number;
  /** A short machine-readable verdict, used in the log line and the response body. */
  abstract readonly verdict: Verdict;

  get expose(): boolean {
    return this.statusCode < 500;
  }

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The request is not a POST. */
export class MethodNotAllowedError extends ReceiverError {
  override readonly name = 'MethodNotAllowedError';
  readonly statusCode = 405;
  readonly verdict = 'method_not_allowed';
  constructor(readonly method: string) {
    super(`Method ${method} is not allowed: webhooks are delivered with POST.`);
  }
}

/** The body is larger than the receiver accepts; refused before a byte of it is hashed. */
export class PayloadTooLargeError extends ReceiverError {
  readonly statusCode = 413;
  readonly verdict = 'too_large';
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`The body is ${size} bytes; this receiver accepts at most ${limit} (MAX_BODY_BYTES).`);
  }
}

/**
 * The signature header is missing, malformed or matches none of the configured secrets. The
 * message never contains the received or the expected signature, nor the secret.
 */
export class SignatureError extends ReceiverError {
  override readonly name = 'SignatureError';
  readonly statusCode = 401;
  readonly verdict = 'forged';
  constructor(
    message: string,
    readonly reason: 'missing' | 'malformed' | 'mismatch',
  ) {
    super(message);
  }
}

/** Another attempt holds a live claim on this event id; the provider should come back later. */
export class InProgressError extends ReceiverError {
  override readonly name = 'InProgressError';
  readonly statusCode = 409;
  readonly verdict = 'in_progress';
  constructor(
    readonly eventId: string,
    /** Whole seconds until the other attempt's lease runs out. */
    readonly retryAfterSeconds: number,
  ) {
    super(`Event ${eventId} is being processed by another delivery; retry after ${retryAfterSeconds}s.`);
  }
}

/** The webhook secret could not be read, or has not been set yet. */
export class SecretUnavailableError extends ReceiverError {
  override readonly name = 'SecretUnavailableError';
  readonly statusCode = 503;
  readonly verdict = 'failed';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The idempotency table could not be read or written. */
export class LedgerError extends ReceiverError {
  override readonly name = 'LedgerError';
  readonly statusCode = 503;
  readonly verdict = 'failed';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A body too large for the bus could not be stored. */
export class PayloadStoreError extends ReceiverError {
  readonly statusCode = 503;
  readonly verdict = 'failed';
  override readonly name = 'PayloadStoreError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** PutEvents failed, or reported a failed entry. */
export class PublishError extends ReceiverError {
  override readonly name = 'PublishError';
  readonly statusCode = 503;
  readonly verdict = 'failed';
  constructor(
    message: string,
    readonly errorCode?: string,
    options?: ErrorOptions & {
      /**
       * The bus refused this entry itself (its detail, its size), so no retry can succeed; as
       * opposed to throttling, an outage, or a permission an operator can fix.
       */
      readonly permanent?: boolean;
      /** Requests the SDK sent; more than one means an earlier one may have reached the bus. */
      readonly attempts?: number;
    },
  ) {
    super(message, options);
    this.permanent = options?.permanent ?? false;
    this.attempts = options?.attempts;
  }
  readonly permanent: boolean;
  readonly attempts: number | undefined;
}

/** A configuration value is missing or malformed. Thrown at start, never on a request. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

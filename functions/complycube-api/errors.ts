/**
 * The ComplyCube API client's error family. Every failure the client reports is one of these, with
 * the request it concerns (method and path, never the key) and the underlying `cause`. Messages
 * say what to fix; none of them contains the API key.
 */

export interface ComplyCubeErrorContext {
  /** `GET`, `POST`, `DELETE`. */
  readonly method?: string;
  /** The path below the base URL, e.g. `/webhooks/5ed1…`. */
  readonly path?: string;
  /** The HTTP status, when ComplyCube answered. */
  readonly status?: number;
  /** ComplyCube's own `message`, when it sent one (the key redacted). */
  readonly apiMessage?: string;
  readonly cause?: unknown;
}

export abstract class ComplyCubeError extends Error {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;
  readonly apiMessage: string | undefined;

  protected constructor(message: string, context: ComplyCubeErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.method = context.method;
    this.path = context.path;
    this.status = context.status;
    this.apiMessage = context.apiMessage;
  }
}

/** The client was configured wrongly (base URL, key shape); nothing was sent. */
export class ComplyCubeConfigError extends ComplyCubeError {
  override readonly name = 'ComplyCubeConfigError';
  constructor(message: string, context?: ComplyCubeErrorContext) {
    super(message, context);
  }
}

/** ComplyCube refused the API key (401) or its permissions (403). */
export class ComplyCubeAuthError extends ComplyCubeError {
  override readonly name = 'ComplyCubeAuthError';
  constructor(message: string, context?: ComplyCubeErrorContext) {
    super(message, context);
  }
}

/** Still `429` after the client's retries, or a `Retry-After` longer than it waits. */
export class ComplyCubeRateLimitError extends ComplyCubeError {
  override readonly name = 'ComplyCubeRateLimitError';
  /** What ComplyCube's `Retry-After` asked for, in milliseconds, if it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, context: ComplyCubeErrorContext & { readonly retryAfterMs?: number }) {
    super(message, context);
    this.retryAfterMs = context.retryAfterMs;
  }
}

/** The account already has the most webhooks ComplyCube allows (20). */
export class ComplyCubeWebhookLimitError extends ComplyCubeError {
  override readonly name = 'ComplyCubeWebhookLimitError';
  constructor(message: string, context?: ComplyCubeErrorContext) {
    super(message, context);
  }
}

/** `400`/`422`: ComplyCube refused the request's content; `apiMessage` says why. */
export class ComplyCubeValidationError extends ComplyCubeError {
  override readonly name = 'ComplyCubeValidationError';
  constructor(message: string, context?: ComplyCubeErrorContext) {
    super(message, context);
  }
}

/** `404`: the object does not exist (or no longer does). */
export class ComplyCubeNotFoundError extends ComplyCubeError {
  override readonly name = 'ComplyCubeNotFoundError';
  constructor(message: string, context?: ComplyCubeErrorContext) {
    super(message, context);
  }
}

/** A `5xx` (after the retries an idempotent call gets), or another status the client does not expect. */
export class ComplyCubeServerError extends ComplyCubeError {
  override readonly name = 'ComplyCubeServerError';
  /**
   * True when a request that changes something (a create) failed in a way that leaves open
   * whether ComplyCube carried it out: look before trying again.
   */
  readonly outcomeUnknown: boolean;
  constructor(message: string, context: ComplyCubeErrorContext & { readonly outcomeUnknown: boolean }) {
    super(message, context);
    this.outcomeUnknown = context.outcomeUnknown;
  }
}

/** No answer: DNS, connection, TLS, a reset, the timeout, or the caller's signal. */
export class ComplyCubeNetworkError extends ComplyCubeError {
  override readonly name = 'ComplyCubeNetworkError';
  /** True when the request may have reached ComplyCube (see `ComplyCubeServerError.outcomeUnknown`). */
  readonly outcomeUnknown: boolean;
  /** True when the caller's own signal stopped it (not the client's timeout). */
  readonly aborted: boolean;
  constructor(
    message: string,
    context: ComplyCubeErrorContext & { readonly outcomeUnknown: boolean; readonly aborted?: boolean },
  ) {
    super(message, context);
    this.outcomeUnknown = context.outcomeUnknown;
    this.aborted = context.aborted ?? false;
  }
}

/** True when `error` leaves open whether a create reached ComplyCube and was carried out. */
export function isOutcomeUnknown(error: unknown): boolean {
  return (
    (error instanceof ComplyCubeServerError || error instanceof ComplyCubeNetworkError) &&
    error.outcomeUnknown
  );
}

/** Why connect, status or disconnect failed, in words that say what to fix. */
export type ConnectFailure =
  /** The API key was refused (401/403) or has the wrong shape. */
  | 'api_key'
  /** The account has 20 webhooks already. */
  | 'webhook_limit'
  /** The receiver's URL is not one ComplyCube accepts (not HTTPS). */
  | 'webhook_url'
  /** The webhook secret (or the API key's secret) could not be read or written. */
  | 'secret_store'
  /** ComplyCube could not be reached or kept failing. */
  | 'api';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly failure: ConnectFailure,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

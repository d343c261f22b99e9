export { type ApiKeyKind, checkApiKey, redactKey } from './api-key.js';
export { backoffDelayMs, parseRetryAfterMs } from './backoff.js';
export {
  COMPLYCUBE_API_URL_ENV,
  DEFAULT_COMPLYCUBE_API_URL,
  isLoopbackHost,
  resolveApiBaseUrl,
} from './base-url.js';
export {
  type CallOptions,
  ComplyCubeClient,
  type ComplyCubeClientOptions,
  paginate,
  parseWebhook,
  type RetryNotice,
} from './client.js';
export * from './errors.js';
export { abortableSleep, DOCUMENTED_RATE_LIMITS, type Pacer, slidingWindowPacer } from './rate-limit.js';
export * from './types.js';

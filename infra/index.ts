export { DIMENSION, METRIC, RECEIVER_METRICS, VERDICTS } from '../functions/receiver/core/metrics.js';
export type { SignatureVerification } from '../functions/receiver/core/verifier.js';
export { functionBundling } from './bundling.js';
export { ComplyCubeWebhooksStack, type ComplyCubeWebhooksStackProps } from './complycube-webhooks-stack.js';
export { expandPatterns, matchesPattern, parsePatterns } from './event-types.js';
export { type ProviderSpec, Providers } from './providers.js';
export { type ReceiverAlarms, ReceiverMonitoring } from './receiver-monitoring.js';
export {
  type SubscribeOptions,
  type Subscription,
  type SubscriptionProps,
  type SubscriptionTarget,
  WebhookReceiver,
  type WebhookReceiverProps,
} from './webhook-receiver.js';

export type { SignatureVerification } from '../contract/env.js';
export { expandPatterns, matchesPattern, parsePatterns } from '../contract/event-types.js';
export { DIMENSION, METRIC, RECEIVER_METRICS } from '../contract/metrics.js';
export { type ProviderDescriptor, Providers } from '../contract/providers.js';
export { VERDICTS } from '../contract/verdicts.js';
export { functionBundling } from './bundling.js';
export { ComplyCubeConnection, type ConnectProps } from './complycube-connection.js';
export { ComplyCubeWebhooksStack, type ComplyCubeWebhooksStackProps } from './complycube-webhooks-stack.js';
export { type ReceiverAlarms, ReceiverMonitoring } from './receiver-monitoring.js';
export type {
  SubscribeOptions,
  Subscription,
  SubscriptionProps,
  SubscriptionTarget,
} from './subscriptions.js';
export { WebhookReceiver, type WebhookReceiverProps } from './webhook-receiver.js';
export { WebhookWatch, type WebhookWatchOptions, type WebhookWatchProps } from './webhook-watch.js';

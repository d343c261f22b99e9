import { compliancely } from './compliancely.js';
import { complyCube } from './complycube.js';
import type { WebhookProvider } from './provider.js';

/** Every provider the receiver can serve, by the name the construct passes in `WEBHOOK_PROVIDER`. */
export const PROVIDERS: Readonly<Record<string, WebhookProvider>> = {
  [complyCube.name]: complyCube,
  [compliancely.name]: compliancely,
};

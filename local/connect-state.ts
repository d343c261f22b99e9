/**
 * What `connect` and `status` need to know about a local receiver, read from the provisioned stack:
 * its webhook secret in moto and the event types its subscriptions need.
 */
import { CONNECT_OUTPUTS, parseEventsList } from '../contract/connect.js';
import { ENV } from '../contract/env.js';
import type { LocalReceiver, ProvisionedStack } from './provision.js';
import { type CfnTemplate, resolveValue } from './template.js';

export interface ReceiverConnectState {
  readonly webhookSecretArn?: string;
  readonly webhookEvents?: readonly string[];
  /** Its idempotency table in DynamoDB Local and its bus in moto, for `catch-up`. */
  readonly tableName?: string;
  readonly eventBusName?: string;
}

/**
 * @example
 * const extra = receiverConnectState(stack, synthesized.template, receiver);
 */
export function receiverConnectState(
  stack: ProvisionedStack,
  template: CfnTemplate,
  receiver: LocalReceiver,
): ReceiverConnectState {
  const arn = resolveValue(receiver.fn.environment.WEBHOOK_SECRET_ARN, stack.physical, stack.model.stackName);
  const outputs = (template as { readonly Outputs?: Readonly<Record<string, { readonly Value?: unknown }>> })
    .Outputs;
  const value = (name: string): string | undefined => {
    const v = outputs?.[name]?.Value;
    return typeof v === 'string' ? v : undefined;
  };
  const events = value(CONNECT_OUTPUTS.webhookEvents) ?? value(CONNECT_OUTPUTS.portalEventTypes);
  const env = (name: string): string | undefined => {
    const resolved = resolveValue(receiver.fn.environment[name], stack.physical, stack.model.stackName);
    return typeof resolved === 'string' && resolved !== '' ? resolved : undefined;
  };
  const tableName = env(ENV.tableName);
  const eventBusName = env(ENV.eventBusName);
  return {
    ...(tableName === undefined ? {} : { tableName }),
    ...(eventBusName === undefined ? {} : { eventBusName }),
    ...(typeof arn === 'string' && arn.startsWith('arn:') ? { webhookSecretArn: arn } : {}),
    ...(events === undefined ? {} : { webhookEvents: parseEventsList(events) }),
  };
}

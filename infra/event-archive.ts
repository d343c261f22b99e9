import { Annotations, Duration, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { ProviderDescriptor } from '../contract/providers.js';

export interface ProviderArchiveOptions {
  /** The bus the receiver publishes on, its own or one it was given. */
  readonly eventBus: events.IEventBus;
  readonly provider: ProviderDescriptor;
  /** Whole days; 1 to 3650. */
  readonly retentionDays: number;
  /** `true` when the user asked for the archive explicitly, so a bus that cannot have one is an error. */
  readonly required: boolean;
}

/**
 * An EventBridge archive of one provider's events on the receiver's bus, for replays to
 * subscribers added later or to ones that failed. Scoped to the provider's source: another
 * receiver's events on a shared bus, and quarantined bodies, stay out of it.
 *
 * An archive lives in the bus's account and region. A bus from another account or region (an
 * `eventBus` imported by ARN) cannot have one from this stack: that is an error when the archive
 * was asked for, and a warning and no archive when it is only the default.
 *
 * @example
 * const archive = providerArchive(this, 'Archive', { eventBus, provider: Providers.COMPLYCUBE, retentionDays: 30, required: false });
 */
export function providerArchive(
  scope: Construct,
  id: string,
  options: ProviderArchiveOptions,
): events.Archive | undefined {
  const { eventBus, provider } = options;
  const elsewhere = foreignEnvironment(scope, eventBus);
  if (elsewhere !== undefined) {
    const message = `The event bus is in another ${elsewhere} than this stack, and an archive can only be created where the bus is, so ${provider.displayName} events on it cannot be replayed from here. Create the archive in the bus's own stack (source ${provider.source}), or pass archive: false to silence this.`;
    if (options.required) throw new Error(message);
    Annotations.of(scope).addWarningV2('webhook-receiver:no-archive-on-foreign-bus', message);
    return undefined;
  }
  return new events.Archive(scope, id, {
    sourceEventBus: eventBus,
    description: `${provider.displayName} events (source ${provider.source}) for replays: npx complycube-webhooks replay`,
    eventPattern: { source: [provider.source] },
    retention: Duration.days(options.retentionDays),
  });
}

/** `'account'` or `'region'` when the bus is known to be elsewhere; undefined when it is (or may be) here. */
function foreignEnvironment(scope: Construct, bus: events.IEventBus): 'account' | 'region' | undefined {
  const stack = Stack.of(scope);
  if (Token.compareStrings(bus.env.account, stack.account) === TokenComparison.DIFFERENT) return 'account';
  if (Token.compareStrings(bus.env.region, stack.region) === TokenComparison.DIFFERENT) return 'region';
  return undefined;
}

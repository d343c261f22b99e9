import type { EventBridgeEvent } from 'aws-lambda';

/** The part of a ComplyCube check event this example reads. */
interface CheckEventDetail {
  readonly id: string;
  readonly type: string;
  readonly payload?: { readonly id?: string; readonly outcome?: string; readonly status?: string };
}

/**
 * An example subscriber for the `check.completed*` family: logs the check id and its outcome.
 * Replace the body with your own work. On a thrown error Lambda retries the event twice, then
 * sends it to the subscription's dead-letter queue (the on-failure destination `subscribe()` adds).
 */
export async function handler(event: EventBridgeEvent<string, CheckEventDetail>): Promise<void> {
  const { detail } = event;
  console.log(
    JSON.stringify({
      level: 'info',
      message: 'check completed',
      eventId: detail.id,
      eventType: event['detail-type'],
      checkId: detail.payload?.id,
      outcome: detail.payload?.outcome ?? 'none',
    }),
  );
}

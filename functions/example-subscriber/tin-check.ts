import type { EventBridgeEvent } from 'aws-lambda';

/** The part of a Compliancely TIN check record this example reads (never the name or the TIN). */
interface TinCheckDetail {
  readonly id?: number | string;
  readonly status?: string;
  readonly irs_code?: number | null;
  readonly updated_date?: string;
}

/**
 * An example subscriber for `tin_check.did_not_match`: logs which record failed and the IRS code.
 * The detail is the record exactly as Compliancely sent it. Replace the body with your own work;
 * EventBridge retries it on a thrown error and then sends the event to the dead-letter queue.
 */
export async function handler(event: EventBridgeEvent<string, TinCheckDetail>): Promise<void> {
  const { detail } = event;
  console.log(
    JSON.stringify({
      level: 'info',
      message: 'TIN check did not match',
      eventType: event['detail-type'],
      recordId: detail.id,
      irsCode: detail.irs_code ?? 'none',
      updatedDate: detail.updated_date,
    }),
  );
}

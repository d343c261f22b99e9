import { onEvents } from '../subscriber/index.js';

/**
 * An example subscriber for `tin_check.did_not_match`: logs which record failed and the IRS code,
 * one line per event it handles (never the name or the TIN). `once` and `order: 'latest'` keep
 * copies and older states of a record away from it. Replace the body with your own work.
 */
export const handler = onEvents(
  { types: ['tin_check.did_not_match'], once: true, order: 'latest' },
  async (event) => {
    if (!event.known) return;
    console.log(
      JSON.stringify({
        level: 'info',
        message: 'TIN check did not match',
        eventId: event.id,
        eventType: event.type,
        recordId: event.payload.id,
        irsCode: event.payload.irs_code ?? 'none',
        updatedDate: event.payload.updated_date,
      }),
    );
  },
);

import { onEvents } from '../subscriber/index.js';

/**
 * An example subscriber for the `check.completed*` family: logs one line per event it actually
 * handles, with the event id, the check id and its outcome. `once` skips copies of an event already
 * handled, `order: 'latest'` skips a state older than (or as old as) one already handled for the
 * same check; both are logged by the runtime as "skipped: duplicate" / "skipped: stale".
 * Replace the body with your own work; a thrown error is retried, then dead-lettered.
 */
export const handler = onEvents(
  { types: ['check.completed*'], once: true, order: 'latest' },
  async (event) => {
    if (!event.known) {
      // A check.completed.* type this version does not document yet: it still arrives here.
      console.log(
        JSON.stringify({
          level: 'warn',
          message: 'unknown check event type',
          eventId: event.id,
          eventType: event.type,
        }),
      );
      return;
    }
    console.log(
      JSON.stringify({
        level: 'info',
        message: 'check completed',
        eventId: event.id,
        eventType: event.type,
        checkId: event.payload.id,
        outcome: event.payload.outcome,
      }),
    );
  },
);

/**
 * Compile-time tests: `npm run typecheck` covers this file, so a broken narrowing fails the build;
 * vitest runs the assertions too (they are no-ops at run time).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Address,
  CheckUpdate,
  Client,
  Deleted,
  EventFor,
  SubscriberEvent,
  TinCheckRecord,
  TypesMatching,
  UnknownEvent,
  Update,
  WorkflowSession,
} from '../../functions/subscriber/index.js';
import { onEvents, readEvent } from '../../functions/subscriber/index.js';
import { fixtureBusEvent } from '../helpers/bus-events.js';

/** A real event, so the narrowing below also runs; its static type is the whole union. */
function anEvent(): SubscriberEvent {
  const read = readEvent(fixtureBusEvent('check.completed.clear'));
  if (read.ok !== true) throw new Error('the fixture is not valid');
  return read.event;
}
const event = anEvent();

describe('narrowing a subscriber event by its type', () => {
  it('gives a completed check with its outcome for check.completed.clear', () => {
    if (event.known && event.type === 'check.completed.clear') {
      expectTypeOf(event.resourceType).toEqualTypeOf<'check'>();
      expectTypeOf(event.payload.outcome).toEqualTypeOf<'clear'>();
      expectTypeOf(event.payload.updatedAt).toEqualTypeOf<string>();
    }
  });

  it('gives a check whose outcome may be absent for check.pending', () => {
    if (event.known && event.type === 'check.pending') {
      expectTypeOf(event.payload.outcome).toEqualTypeOf<
        import('../../functions/subscriber/index.js').CheckOutcome | undefined
      >();
    }
  });

  it('gives the id and the changed fields for update events', () => {
    if (event.known && event.type === 'check.updated')
      expectTypeOf(event.payload).toEqualTypeOf<CheckUpdate>();
    if (event.known && event.type === 'client.updated') {
      expectTypeOf(event.payload).toEqualTypeOf<Update<Client>>();
      expectTypeOf(event.payload.email).toEqualTypeOf<string | undefined>();
    }
    if (event.known && event.type === 'workflow.session.updated')
      expectTypeOf(event.payload).toEqualTypeOf<Update<WorkflowSession>>();
  });

  it('gives the whole object for create events and the id alone for delete events', () => {
    if (event.known && event.type === 'client.created') expectTypeOf(event.payload).toEqualTypeOf<Client>();
    if (event.known && event.type === 'address.created') expectTypeOf(event.payload).toEqualTypeOf<Address>();
    if (event.known && event.type === 'document.deleted')
      expectTypeOf(event.payload).toEqualTypeOf<Deleted>();
  });

  it('narrows in a switch, with the event of each case', () => {
    if (!event.known) return;
    switch (event.type) {
      case 'workflow.session.completed':
        expectTypeOf(event.resourceType).toEqualTypeOf<'workflowSession'>();
        expectTypeOf(event.payload).toEqualTypeOf<WorkflowSession>();
        break;
      case 'tin_check.did_not_match':
        expectTypeOf(event.provider).toEqualTypeOf<'compliancely'>();
        expectTypeOf(event.payload.status).toEqualTypeOf<'Did Not Match'>();
        expectTypeOf(event.payload).toExtend<TinCheckRecord>();
        break;
      default:
        expectTypeOf(event.known).toEqualTypeOf<true>();
    }
  });

  it('keeps events of undocumented types representable, apart from the known ones', () => {
    if (!event.known) {
      expectTypeOf(event).toEqualTypeOf<UnknownEvent>();
      expectTypeOf(event.type).toEqualTypeOf<string>();
      expectTypeOf(event.payload).toEqualTypeOf<Readonly<Record<string, unknown>>>();
    }
  });

  it('does not let an unchecked event read a known payload field', () => {
    // @ts-expect-error: without `known`, the event may be of a type nobody documented.
    const outcome: string | undefined = event.payload.outcome;
    expectTypeOf(outcome).toEqualTypeOf<string | undefined>();
  });
});

describe('subscription patterns at the type level', () => {
  it('matches a family, an exact type and every type as subscribe() does', () => {
    expectTypeOf<TypesMatching<'check.completed*'>>().toEqualTypeOf<
      | 'check.completed'
      | 'check.completed.clear'
      | 'check.completed.attention'
      | 'check.completed.rejected'
      | 'check.completed.match_confirmed'
    >();
    expectTypeOf<TypesMatching<'client.deleted'>>().toEqualTypeOf<'client.deleted'>();
    expectTypeOf<TypesMatching<'*'>>().toEqualTypeOf<
      import('../../functions/subscriber/index.js').KnownEventType
    >();
    expectTypeOf<TypesMatching<'no.such.type'>>().toEqualTypeOf<never>();
  });

  it('types the handler of onEvents by the patterns it declares', () => {
    onEvents(
      { types: ['client.deleted', 'address.deleted'] },
      (received) => {
        expectTypeOf(received).toEqualTypeOf<EventFor<'client.deleted' | 'address.deleted'>>();
        if (received.known) {
          expectTypeOf(received.type).toEqualTypeOf<'client.deleted' | 'address.deleted'>();
          expectTypeOf(received.payload).toEqualTypeOf<Deleted>();
        }
      },
      {},
    );
    onEvents(
      { types: ['check.completed*'] },
      (received) => {
        if (received.known) expectTypeOf(received.payload.status).toExtend<string>();
        // @ts-expect-error: a check.completed* handler never sees a client event.
        if (received.known && received.type === 'client.created') return;
      },
      {},
    );
  });
});

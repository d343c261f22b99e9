/**
 * What a subscriber's code imports (docs/subscribers.md): the typed events, and `onEvents`, which
 * validates each event at the edge and runs your code once per event, on the latest state.
 */

export { OUTCOME, SUBSCRIBER_ENV } from '../../contract/subscriber.js';
export type {
  CompliancelyEvent,
  CompliancelyEventMap,
  CompliancelyEventOf,
  CompliancelyEventType,
  TinCheckRecord,
  TinCheckStatus,
} from './compliancely-events.js';
export type {
  Address,
  CatchUpMarker,
  CheckOutcome,
  CheckState,
  CheckStatus,
  CheckUpdate,
  Client,
  CompletedCheckState,
  ComplyCubeDocument,
  ComplyCubeEvent,
  ComplyCubeEventMap,
  ComplyCubeEventOf,
  ComplyCubeEventType,
  ComplyCubeResourceType,
  Deleted,
  DocumentImage,
  Open,
  Timestamp,
  Update,
  WorkflowSession,
  WorkflowSessionStatus,
} from './complycube-events.js';
export type {
  EventFor,
  EventOf,
  KnownEventType,
  SubscriberEvent,
  TypesMatching,
  UnknownEvent,
} from './events.js';
export { onEvents } from './on-events.js';
export {
  type BusEvent,
  type ReadResult,
  readEvent,
  type StoredEventDetail,
  type StoredPayloadPointer,
} from './read-event.js';
export {
  type EventHandler,
  EventInProgressError,
  InvalidEventError,
  type InvocationContext,
  type LambdaHandler,
  type OnEventsOptions,
} from './subscriber.js';

/**
 * ComplyCube's events as a subscriber receives them, typed per event type: narrowing on `type`
 * narrows `payload` (docs/subscribers.md).
 *
 * What ComplyCube documents (shared/seeds/complycube-webhooks-api.md, "Payload by resource type"):
 * a create event carries the whole object, an update event its `id` and the fields that changed, a
 * delete event the `id` alone. A check's other events (pending, completed, failed, monitoring)
 * carry `id`, `status`, `outcome` (only when complete), `createdAt` and `updatedAt`. Fields that
 * ComplyCube adds later are still in the object at run time; the types name the documented ones.
 */
import type { ComplyCubeEventType } from '../../contract/event-types.js';

export type { ComplyCubeEventType };

/** An ISO 8601 date and time, as ComplyCube writes them (`2020-01-01T11:14:23.964Z`). */
export type Timestamp = string;

/**
 * A value from a documented set that may grow: the documented values autocomplete and compare,
 * and a value ComplyCube adds later is still a string rather than a lie in the type.
 */
export type Open<T extends string> = T | (string & {});

export type CheckStatus = Open<'pending' | 'complete' | 'failed'>;
export type CheckOutcome = Open<'clear' | 'attention' | 'rejected' | 'match_confirmed'>;

/** A check's state, as its pending/completed/failed/monitoring events carry it. */
export interface CheckState {
  readonly id: string;
  readonly status: CheckStatus;
  /** Only when `status` is `complete`. */
  readonly outcome?: CheckOutcome;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
}

/** `check.completed*`: the check is complete, so it has an outcome. */
export interface CompletedCheckState<O extends CheckOutcome = CheckOutcome> extends CheckState {
  readonly status: Open<'complete'>;
  readonly outcome: O;
}

/** `check.updated`: the id and the fields that changed. */
export interface CheckUpdate extends Partial<Omit<CheckState, 'id'>> {
  readonly id: string;
  readonly [field: string]: unknown;
}

export type ClientType = Open<'person' | 'company'>;

export interface PersonDetails {
  readonly firstName?: string;
  readonly middleName?: string;
  readonly lastName?: string;
  readonly dob?: string;
  readonly gender?: string;
  readonly nationality?: string;
  readonly birthCountry?: string;
  readonly ssn?: string;
  readonly socialInsuranceNumber?: string;
  readonly nationalIdentityNumber?: string;
  readonly taxIdentificationNumber?: string;
}

export interface CompanyDetails {
  readonly name?: string;
  readonly website?: string;
  readonly registrationNumber?: string;
  readonly incorporationCountry?: string;
  readonly incorporationType?: string;
}

/** A client, as `client.created` carries it. */
export interface Client {
  readonly id: string;
  readonly type: ClientType;
  readonly entityName?: string;
  readonly email?: string;
  readonly mobile?: string;
  readonly telephone?: string;
  readonly externalId?: string;
  readonly joinedDate?: string;
  readonly personDetails?: PersonDetails;
  readonly companyDetails?: CompanyDetails;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
}

export interface DocumentImage {
  readonly id: string;
  readonly fileName?: string;
  readonly documentSide?: Open<'front' | 'back'>;
  readonly contentType?: string;
  readonly size?: number;
  readonly createdAt?: Timestamp;
  readonly updatedAt?: Timestamp;
}

/** A document, as `document.created` carries it. */
export interface ComplyCubeDocument {
  readonly id: string;
  readonly clientId: string;
  readonly type: string;
  readonly classification?: string;
  readonly issuingCountry?: string;
  readonly images?: readonly DocumentImage[];
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
}

/** An address, as `address.created` carries it. */
export interface Address {
  readonly id: string;
  readonly clientId: string;
  readonly type?: string;
  readonly propertyNumber?: string;
  readonly buildingName?: string;
  readonly line?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
}

export type WorkflowSessionStatus = Open<'in_progress' | 'processing' | 'completed' | 'cancelled'>;

/** A workflow session's state, as its events carry it. */
export interface WorkflowSession {
  readonly id: string;
  readonly clientId?: string;
  readonly workflowTemplateId?: string;
  readonly status: WorkflowSessionStatus;
  readonly outcome?: CheckOutcome;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
}

/** An update event's payload: the id, and only the fields that changed. */
export type Update<T extends { readonly id: string }> = Partial<Omit<T, 'id'>> & {
  readonly id: string;
  readonly [field: string]: unknown;
};

/** A delete event's payload: the id alone. */
export interface Deleted {
  readonly id: string;
}

/** The `resourceType` and the payload of every documented event type. */
export interface ComplyCubeEventMap {
  'workflow.session.started': { resourceType: 'workflowSession'; payload: WorkflowSession };
  'workflow.session.cancelled': { resourceType: 'workflowSession'; payload: WorkflowSession };
  'workflow.session.processing': { resourceType: 'workflowSession'; payload: WorkflowSession };
  'workflow.session.completed': { resourceType: 'workflowSession'; payload: WorkflowSession };
  'workflow.session.updated': { resourceType: 'workflowSession'; payload: Update<WorkflowSession> };
  'check.pending': { resourceType: 'check'; payload: CheckState };
  'check.completed': { resourceType: 'check'; payload: CompletedCheckState };
  'check.completed.clear': { resourceType: 'check'; payload: CompletedCheckState<'clear'> };
  'check.completed.attention': { resourceType: 'check'; payload: CompletedCheckState<'attention'> };
  'check.completed.rejected': { resourceType: 'check'; payload: CompletedCheckState<'rejected'> };
  'check.completed.match_confirmed': {
    resourceType: 'check';
    payload: CompletedCheckState<'match_confirmed'>;
  };
  'check.monitoring.attention': { resourceType: 'check'; payload: CompletedCheckState<'attention'> };
  'check.failed': { resourceType: 'check'; payload: CheckState };
  'check.updated': { resourceType: 'check'; payload: CheckUpdate };
  'client.created': { resourceType: 'client'; payload: Client };
  'client.updated': { resourceType: 'client'; payload: Update<Client> };
  'client.deleted': { resourceType: 'client'; payload: Deleted };
  'document.created': { resourceType: 'document'; payload: ComplyCubeDocument };
  'document.updated': { resourceType: 'document'; payload: Update<ComplyCubeDocument> };
  'document.updated.image_uploaded': { resourceType: 'document'; payload: Update<ComplyCubeDocument> };
  'document.updated.image_deleted': { resourceType: 'document'; payload: Update<ComplyCubeDocument> };
  'document.deleted': { resourceType: 'document'; payload: Deleted };
  'address.created': { resourceType: 'address'; payload: Address };
  'address.updated': { resourceType: 'address'; payload: Update<Address> };
  'address.deleted': { resourceType: 'address'; payload: Deleted };
}

/**
 * Set on an event the catch-up (docs/catch-up.md) put on the bus for an object's state now,
 * rather than the webhook delivering it live; live events never carry it. A caught-up event and
 * the live event for the same state carry the same `payload.updatedAt`, so `order: 'latest'` runs
 * only one of them; their ids differ, so `once` alone does not.
 */
export interface CatchUpMarker {
  /** The catch-up run (the same across the invocations of a resumed run). */
  readonly runId: string;
  /** The window the run covered. */
  readonly since: Timestamp;
  readonly until: Timestamp;
  /** When the event was put on the bus. */
  readonly caughtUpAt?: Timestamp;
  /** `current_state`: the payload is the whole object now; `deletion`: the object is gone, the payload is `{ id }`. */
  readonly basis: Open<'current_state' | 'deletion'>;
}

/** The fields every ComplyCube event has, whatever its type. */
interface ComplyCubeEnvelope {
  readonly provider: 'complycube';
  /** ComplyCube's event id: the same on every copy of one event. */
  readonly id: string;
  readonly createdAt: Timestamp;
  /** Present only on an event the catch-up published (see `CatchUpMarker`). */
  readonly catchUp?: CatchUpMarker;
}

/**
 * One documented event type's event. `known: true` tells it from an event of a type this version
 * does not know (`UnknownEvent`).
 */
export type ComplyCubeEventOf<T extends ComplyCubeEventType> = T extends ComplyCubeEventType
  ? ComplyCubeEnvelope & {
      readonly known: true;
      readonly type: T;
      readonly resourceType: ComplyCubeEventMap[T]['resourceType'];
      readonly payload: ComplyCubeEventMap[T]['payload'];
    }
  : never;

/** Every documented ComplyCube event: switch on `type` to get the payload's type. */
export type ComplyCubeEvent = ComplyCubeEventOf<ComplyCubeEventType>;

/** The `resourceType`s ComplyCube's documented events carry. */
export type ComplyCubeResourceType = ComplyCubeEventMap[ComplyCubeEventType]['resourceType'];

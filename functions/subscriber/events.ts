/**
 * The event a subscriber's handler gets, and the type-level matching of subscription patterns
 * (`check.completed*`) against the catalogue, so a handler declared for some types only sees those.
 */

import type { CompliancelyEvent, CompliancelyEventType } from './compliancely-events.js';
import type { CatchUpMarker, ComplyCubeEvent, ComplyCubeEventType, Timestamp } from './complycube-events.js';

/**
 * An event of a type this version does not document. Authentic events of new types flow through
 * the receiver, so a handler must be ready for them: `known: false` tells them apart, and after
 * `if (!event.known) …` the rest of the handler narrows on `type` as usual.
 */
export interface UnknownEvent {
  readonly provider: 'complycube' | 'compliancely';
  readonly known: false;
  readonly id: string;
  readonly type: string;
  readonly resourceType: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAt: Timestamp;
  readonly catchUp?: CatchUpMarker;
}

/** Every documented event type, of both providers. */
export type KnownEventType = ComplyCubeEventType | CompliancelyEventType;

/** The event of one documented type. */
export type EventOf<T extends KnownEventType> = Extract<ComplyCubeEvent | CompliancelyEvent, { type: T }>;

/** Any event a subscriber may get. */
export type SubscriberEvent = ComplyCubeEvent | CompliancelyEvent | UnknownEvent;

/**
 * The documented types a subscription pattern matches, as `subscribe()` matches them: an exact
 * type, a family ending in `*` (`check.completed*`), or `*` for every type.
 */
export type TypesMatching<P extends string> = P extends `${infer Prefix}*`
  ? Extract<KnownEventType, `${Prefix}${string}`>
  : Extract<KnownEventType, P>;

/** The event a handler subscribed with these patterns gets: the matching documented types, or an unknown one. */
export type EventFor<P extends string> = EventOf<TypesMatching<P>> | UnknownEvent;

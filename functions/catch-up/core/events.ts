/**
 * From an object's current state to the webhook events ComplyCube would have delivered for it,
 * and from those to bus entries in the live events' envelope with the catch-up marker.
 *
 * What can be recovered is a state, not a history: a check that went pending → complete during the
 * gap gives `check.completed` (and `check.completed.<outcome>`), never the `check.pending` it
 * passed through. docs/catch-up.md lists every rule below and what it cannot see.
 */
import { createHash } from 'node:crypto';
import type { ApiObject } from './source.js';

/** The `resourceType` values of ComplyCube's envelope for what the catch-up recovers. */
export type ResourceType = 'check' | 'client' | 'workflowSession' | 'document' | 'address';

import { CATCH_UP_MARKER_FIELD } from '../../../contract/catch-up.js';

export { CATCH_UP_MARKER_FIELD };

/** The value of the marker: which run recovered the event, from what, and when. */
export interface CatchUpMarker {
  /** Id of the catch-up run (the same across the invocations of a resumed run). */
  readonly runId: string;
  /** The window the run covered, ISO 8601. */
  readonly since: string;
  readonly until: string;
  /** When this event was put on the bus. */
  readonly caughtUpAt: string;
  /**
   * `current_state`: built from the object as the API shows it now (payload = the whole object).
   * `deletion`: the object is gone (the audit log showed its deletion, or a read answered 404);
   * the payload is `{ id }`, as in ComplyCube's own delete events.
   */
  readonly basis: 'current_state' | 'deletion';
}

/** Which event types to recover: the types the receiver's subscriptions need. */
export interface EventTypeFilter {
  /** True when a subscription takes every event (`*`). */
  readonly all: boolean;
  readonly types: ReadonlySet<string>;
}

/** `'*'` or a comma-separated list of exact types, as the construct passes it. */
export function parseEventTypeFilter(value: string): EventTypeFilter {
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (types.includes('*')) return { all: true, types: new Set() };
  return { all: false, types: new Set(types) };
}

export function wants(filter: EventTypeFilter, type: string): boolean {
  return filter.all || filter.types.has(type);
}

/** Whether a filter can select any event of a resource type (so its listing is needed at all). */
export function wantsAnyOf(filter: EventTypeFilter, resourceType: ResourceType): boolean {
  if (filter.all) return true;
  const prefix = RESOURCE_EVENT_PREFIX[resourceType];
  return [...filter.types].some((t) => t.startsWith(prefix));
}

const RESOURCE_EVENT_PREFIX: Readonly<Record<ResourceType, string>> = {
  check: 'check.',
  client: 'client.',
  workflowSession: 'workflow.session.',
  document: 'document.',
  address: 'address.',
};

/** Outcomes ComplyCube documents; another word becomes a type too (it flows through, like live). */
const OUTCOME = /^[a-z][a-z0-9_]{0,40}$/;

/** The window the object's state is judged in: `created` events need to know when the gap began. */
export interface Window {
  readonly since: number;
  readonly until: number;
}

/**
 * The event types the webhook would have delivered for an object changed in the window, judged by
 * its state now. Every type in the result is one ComplyCube documents (or a check outcome it adds).
 */
export function stateEventTypes(resourceType: ResourceType, object: ApiObject, window: Window): string[] {
  const created = timeOf(object.createdAt);
  const updated = timeOf(object.updatedAt);
  const status = typeof object.status === 'string' ? object.status : undefined;
  switch (resourceType) {
    case 'check': {
      if (status === 'pending') return ['check.pending'];
      if (status === 'failed') return ['check.failed'];
      if (status !== 'complete' && status !== 'completed') return [];
      const outcome = checkOutcome(object);
      const types = ['check.completed'];
      if (outcome !== undefined) types.push(`check.completed.${outcome}`);
      // An ongoing-monitoring hit changes a check made before the gap to `attention`: the closest
      // the state can say to the `check.monitoring.attention` the webhook would have sent.
      if (object.enableMonitoring === true && outcome === 'attention' && created !== undefined) {
        if (created < window.since) types.push('check.monitoring.attention');
      }
      return types;
    }
    case 'workflowSession': {
      const byStatus: Record<string, string> = {
        started: 'workflow.session.started',
        processing: 'workflow.session.processing',
        complete: 'workflow.session.completed',
        completed: 'workflow.session.completed',
        cancelled: 'workflow.session.cancelled',
      };
      const type = status === undefined ? undefined : byStatus[status];
      return type === undefined ? [] : [type];
    }
    case 'client':
    case 'document':
    case 'address': {
      const types: string[] = [];
      if (created !== undefined && created >= window.since) types.push(`${resourceType}.created`);
      if (created === undefined || updated === undefined || updated > created) {
        types.push(`${resourceType}.updated`);
      }
      return types;
    }
  }
}

function checkOutcome(object: ApiObject): string | undefined {
  const result = object.result;
  const nested =
    typeof result === 'object' && result !== null ? (result as Record<string, unknown>).outcome : undefined;
  const outcome = nested ?? object.outcome;
  return typeof outcome === 'string' && OUTCOME.test(outcome) ? outcome : undefined;
}

/** Epoch milliseconds of an ISO 8601 time, or `undefined`. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** One event the catch-up would publish, before the ledger decides whether it is new. */
export interface RecoveredEvent {
  /** Idempotency key: `<provider>#catch-up#<resourceType>#<object id>#<updatedAt | deleted>#<type>`. */
  readonly key: string;
  readonly type: string;
  /** The bus entry's `Detail`: the live envelope plus the marker. */
  readonly detail: string;
  /** Hex SHA-256 of the envelope without the marker (the same for every run that recovers it). */
  readonly digest: string;
  readonly time: Date;
}

export interface RecoverInput {
  readonly provider: string;
  readonly resourceType: ResourceType;
  readonly objectId: string;
  /** The object's `updatedAt`, or for a deletion the time it was seen deleted (ms). */
  readonly version: number;
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly marker: CatchUpMarker;
}

/**
 * Builds a caught-up event. Its `id` is derived from the key, so every run that recovers the same
 * change names it alike and a subscriber's own de-duplication by id holds across runs too.
 */
export function recoveredEvent(input: RecoverInput): RecoveredEvent {
  const versionPart = input.marker.basis === 'deletion' ? 'deleted' : new Date(input.version).toISOString();
  const key = `${input.provider}#catch-up#${input.resourceType}#${input.objectId}#${versionPart}#${input.type}`;
  const id = `catchup-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  const envelope = {
    id,
    type: input.type,
    resourceType: input.resourceType,
    payload: input.payload,
    createdAt: new Date(input.version).toISOString(),
  };
  const digest = createHash('sha256').update(JSON.stringify(envelope)).digest('hex');
  const detail = JSON.stringify({ ...envelope, [CATCH_UP_MARKER_FIELD]: input.marker });
  return { key, type: input.type, detail, digest, time: new Date(input.version) };
}

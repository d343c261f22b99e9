/**
 * The subscriber's edge: turns what EventBridge hands a subscriber (`unknown`) into a
 * `SubscriberEvent`, or says why it cannot. Hand-written rather than a schema library: the rules
 * are few, and a subscriber's bundle and cold start stay small (docs/subscribers.md, "Why no zod").
 *
 * What is checked is what the types promise, no more: the envelope, the resource type a documented
 * event type has, and each documented field that the type says is there (required) or may be
 * there (its JSON type when present). Fields nobody documented pass as they are: ComplyCube adds
 * fields, and an update event carries only the changed ones.
 */
import { COMPLIANCELY_EVENT_TYPES, COMPLYCUBE_EVENT_TYPES } from '../../contract/event-types.js';
import { COMPLIANCELY_SOURCE, COMPLYCUBE_SOURCE } from '../../contract/providers.js';
import { compliancely } from '../receiver/providers/compliancely.js';
import { isRecord, parseTimestamp } from '../receiver/providers/provider.js';
import type { SubscriberEvent } from './events.js';

/** A body too large for the bus, stored by the receiver; the bus event carries this pointer instead. */
export interface StoredPayloadPointer {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the stored bytes. */
  readonly sha256: string;
}

/** The detail of a bus event whose body was too large for the bus (functions/receiver/receive.ts). */
export interface StoredEventDetail {
  readonly id: string;
  readonly type: string;
  readonly payloadStored: StoredPayloadPointer;
}

/** The parts of an EventBridge event the subscriber reads. */
export interface BusEvent {
  readonly id?: string;
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: unknown;
}

export type ReadResult =
  | { readonly ok: true; readonly event: SubscriberEvent }
  | {
      readonly ok: 'stored';
      readonly pointer: StoredPayloadPointer;
      readonly source: string;
      readonly detailType: string;
    }
  | { readonly ok: false; readonly reason: string };

type FieldCheck = 'string' | 'timestamp' | 'number' | 'object' | 'array' | { readonly literal: string };

interface Shape {
  readonly resourceType: string;
  readonly required: Readonly<Record<string, FieldCheck>>;
  readonly optional: Readonly<Record<string, FieldCheck>>;
}

const CHECK_STATE: Shape = {
  resourceType: 'check',
  required: { id: 'string', status: 'string', createdAt: 'timestamp', updatedAt: 'timestamp' },
  optional: { outcome: 'string' },
};
const completed = (outcome?: string): Shape => ({
  resourceType: 'check',
  required: {
    ...CHECK_STATE.required,
    outcome: outcome === undefined ? 'string' : { literal: outcome },
  },
  optional: {},
});
const update = (resourceType: string, optional: Shape['optional']): Shape => ({
  resourceType,
  required: { id: 'string' },
  optional,
});
const deleted = (resourceType: string): Shape => ({ resourceType, required: { id: 'string' }, optional: {} });

const STAMPS = { createdAt: 'timestamp', updatedAt: 'timestamp' } as const;
const CLIENT_OPTIONAL = {
  entityName: 'string',
  email: 'string',
  mobile: 'string',
  telephone: 'string',
  externalId: 'string',
  joinedDate: 'string',
  personDetails: 'object',
  companyDetails: 'object',
  metadata: 'object',
} as const;
const CLIENT: Shape = {
  resourceType: 'client',
  required: { id: 'string', type: 'string', ...STAMPS },
  optional: CLIENT_OPTIONAL,
};
const DOCUMENT_OPTIONAL = { classification: 'string', issuingCountry: 'string', images: 'array' } as const;
const DOCUMENT: Shape = {
  resourceType: 'document',
  required: { id: 'string', clientId: 'string', type: 'string', ...STAMPS },
  optional: DOCUMENT_OPTIONAL,
};
const ADDRESS_OPTIONAL = {
  type: 'string',
  propertyNumber: 'string',
  buildingName: 'string',
  line: 'string',
  city: 'string',
  state: 'string',
  postalCode: 'string',
  country: 'string',
  fromDate: 'string',
  toDate: 'string',
} as const;
const ADDRESS: Shape = {
  resourceType: 'address',
  required: { id: 'string', clientId: 'string', ...STAMPS },
  optional: ADDRESS_OPTIONAL,
};
const SESSION_OPTIONAL = { clientId: 'string', workflowTemplateId: 'string', outcome: 'string' } as const;
const SESSION: Shape = {
  resourceType: 'workflowSession',
  required: { id: 'string', status: 'string', ...STAMPS },
  optional: SESSION_OPTIONAL,
};

/**
 * The shape of each documented type's payload, matching `ComplyCubeEventMap`. A `Record` over the
 * catalogue, so a type added there fails to compile here until it has a shape.
 */
const COMPLYCUBE_SHAPES: Readonly<Record<(typeof COMPLYCUBE_EVENT_TYPES)[number], Shape>> = {
  'workflow.session.started': SESSION,
  'workflow.session.cancelled': SESSION,
  'workflow.session.processing': SESSION,
  'workflow.session.completed': SESSION,
  'workflow.session.updated': update('workflowSession', { ...SESSION_OPTIONAL, status: 'string', ...STAMPS }),
  'check.pending': CHECK_STATE,
  'check.completed': completed(),
  'check.completed.clear': completed('clear'),
  'check.completed.attention': completed('attention'),
  'check.completed.rejected': completed('rejected'),
  'check.completed.match_confirmed': completed('match_confirmed'),
  'check.monitoring.attention': completed('attention'),
  'check.failed': CHECK_STATE,
  'check.updated': update('check', { status: 'string', outcome: 'string', ...STAMPS }),
  'client.created': CLIENT,
  'client.updated': update('client', { ...CLIENT_OPTIONAL, type: 'string', ...STAMPS }),
  'client.deleted': deleted('client'),
  'document.created': DOCUMENT,
  'document.updated': update('document', {
    ...DOCUMENT_OPTIONAL,
    clientId: 'string',
    type: 'string',
    ...STAMPS,
  }),
  'document.updated.image_uploaded': update('document', { ...DOCUMENT_OPTIONAL, ...STAMPS }),
  'document.updated.image_deleted': update('document', { ...DOCUMENT_OPTIONAL, ...STAMPS }),
  'document.deleted': deleted('document'),
  'address.created': ADDRESS,
  'address.updated': update('address', { ...ADDRESS_OPTIONAL, clientId: 'string', ...STAMPS }),
  'address.deleted': deleted('address'),
};

/** The catch-up marker (`CatchUpMarker`). */
const CATCH_UP: Shape = {
  resourceType: '',
  required: { runId: 'string', since: 'timestamp', until: 'timestamp', basis: 'string' },
  optional: { caughtUpAt: 'timestamp' },
};

/** Fields of any payload, documented or not, that the runtime relies on when they are there. */
const ANY_PAYLOAD: Shape = { resourceType: '', required: {}, optional: { id: 'string', ...STAMPS } };

const MAX_ID_LENGTH = 256;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Reads an EventBridge event as the receiver publishes it.
 *
 * @example
 * const read = readEvent(busEvent);
 * if (read.ok === true) console.log(read.event.type);
 */
export function readEvent(input: unknown): ReadResult {
  if (!isRecord(input)) return invalid('the invocation is not an EventBridge event (not an object)');
  const { source, detail } = input;
  const detailType = input['detail-type'];
  if (typeof source !== 'string') return invalid('the EventBridge event has no source');
  if (typeof detailType !== 'string') return invalid('the EventBridge event has no detail-type');
  if (!isRecord(detail)) return invalid('detail is not an object');
  if (detail.payloadStored !== undefined) return readPointer(detail, source, detailType);
  if (source === COMPLYCUBE_SOURCE) return readComplyCube(detail, detailType);
  if (source === COMPLIANCELY_SOURCE) return readCompliancely(detail, detailType);
  return invalid(`source '${clip(source)}' is not a provider this subscriber reads`);
}

/**
 * Reads a body the receiver stored because it was too large for the bus, once it has been fetched.
 * The same rules as `readEvent` apply, and the body must be the event the pointer named.
 */
export function readStoredBody(body: string, source: string, detailType: string): ReadResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return invalid('the stored body is not JSON');
  }
  return readEvent({ source, 'detail-type': detailType, detail: json });
}

function readPointer(detail: Record<string, unknown>, source: string, detailType: string): ReadResult {
  const pointer = detail.payloadStored;
  if (!isRecord(pointer)) return invalid('detail.payloadStored is not an object');
  const { bucket, key, bytes, sha256 } = pointer;
  if (typeof bucket !== 'string' || bucket.length === 0)
    return invalid('detail.payloadStored.bucket is missing');
  if (typeof key !== 'string' || key.length === 0) return invalid('detail.payloadStored.key is missing');
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
    return invalid('detail.payloadStored.bytes is not a byte count');
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256))
    return invalid('detail.payloadStored.sha256 is not 64 lowercase hex characters');
  return { ok: 'stored', pointer: { bucket, key, bytes, sha256 }, source, detailType };
}

function readComplyCube(detail: Record<string, unknown>, detailType: string): ReadResult {
  const { id, type, resourceType, payload, createdAt, catchUp } = detail;
  if (typeof id !== 'string' || id.length === 0) return invalid('detail.id is missing');
  if (id.length > MAX_ID_LENGTH) return invalid(`detail.id is longer than ${MAX_ID_LENGTH} characters`);
  if (typeof type !== 'string' || type.length === 0) return invalid('detail.type is missing');
  if (type !== detailType)
    return invalid(`detail.type '${clip(type)}' is not the event's detail-type '${clip(detailType)}'`);
  if (typeof resourceType !== 'string' || resourceType.length === 0)
    return invalid('detail.resourceType is missing');
  if (!isRecord(payload)) return invalid('detail.payload is not an object');
  if (parseTimestamp(createdAt) === undefined)
    return invalid('detail.createdAt is not an ISO 8601 date and time');
  if (catchUp !== undefined) {
    if (!isRecord(catchUp)) return invalid('detail.catchUp is not an object');
    const problem = checkFields(catchUp, CATCH_UP, 'detail.catchUp');
    if (problem !== undefined) return invalid(problem);
  }

  const shape = knownComplyCubeShape(type);
  if (shape === undefined) {
    const problem = checkFields(payload, ANY_PAYLOAD);
    if (problem !== undefined) return invalid(problem);
    return { ok: true, event: { ...detail, provider: 'complycube', known: false } as SubscriberEvent };
  }
  if (resourceType !== shape.resourceType)
    return invalid(
      `detail.resourceType is '${clip(resourceType)}'; a ${type} event's is '${shape.resourceType}'`,
    );
  const problem = checkFields(payload, shape);
  if (problem !== undefined) return invalid(problem);
  // Every rule of this type's shape holds, and the shape is the type's (COMPLYCUBE_SHAPES).
  return { ok: true, event: { ...detail, provider: 'complycube', known: true } as SubscriberEvent };
}

function knownComplyCubeShape(type: string): Shape | undefined {
  return (COMPLYCUBE_EVENT_TYPES as readonly string[]).includes(type)
    ? COMPLYCUBE_SHAPES[type as (typeof COMPLYCUBE_EVENT_TYPES)[number]]
    : undefined;
}

const TIN_CHECK: Shape = {
  resourceType: 'tin_check',
  required: { status: 'string', updated_date: 'timestamp' },
  optional: { name: 'string', tin: 'string', created_by: 'string', created_date: 'timestamp' },
};

function readCompliancely(detail: Record<string, unknown>, detailType: string): ReadResult {
  // The receiver's own derivation, so the id and the type are the ones it keyed and published.
  const derived = compliancely.readEvent(detail, '');
  if (!derived.ok) return invalid(`the record is not a TIN check (${derived.reason})`);
  const { id, type, time } = derived.event;
  if (type !== detailType)
    return invalid(
      `the record's status gives the type '${clip(type)}', not the detail-type '${clip(detailType)}'`,
    );
  const problem = checkFields(detail, TIN_CHECK, 'detail');
  if (problem !== undefined) return invalid(problem);
  const known = (COMPLIANCELY_EVENT_TYPES as readonly string[]).includes(type);
  return {
    ok: true,
    event: {
      provider: 'compliancely',
      known,
      id,
      type,
      resourceType: 'tin_check',
      payload: detail,
      createdAt: (time ?? new Date(0)).toISOString(),
    } as SubscriberEvent,
  };
}

function checkFields(
  payload: Record<string, unknown>,
  shape: Shape,
  at = 'detail.payload',
): string | undefined {
  for (const [field, check] of Object.entries(shape.required)) {
    const value = payload[field];
    if (value === undefined || value === null) return `${at}.${field} is missing`;
    const problem = checkValue(value, check);
    if (problem !== undefined) return `${at}.${field} ${problem}`;
  }
  for (const [field, check] of Object.entries(shape.optional)) {
    const value = payload[field];
    if (value === undefined || value === null) continue;
    const problem = checkValue(value, check);
    if (problem !== undefined) return `${at}.${field} ${problem}`;
  }
  return undefined;
}

function checkValue(value: unknown, check: FieldCheck): string | undefined {
  if (typeof check === 'object') {
    return value === check.literal ? undefined : `is ${describe(value)}, not '${check.literal}'`;
  }
  switch (check) {
    case 'string':
      return typeof value === 'string' ? undefined : `is ${describe(value)}, not a string`;
    case 'number':
      return typeof value === 'number' ? undefined : `is ${describe(value)}, not a number`;
    case 'timestamp':
      return parseTimestamp(value) !== undefined ? undefined : 'is not an ISO 8601 date and time';
    case 'object':
      return isRecord(value) ? undefined : `is ${describe(value)}, not an object`;
    case 'array':
      return Array.isArray(value) ? undefined : `is ${describe(value)}, not an array`;
  }
}

/** What a value is, for a reason: never the value itself if it is long (payloads carry personal data). */
function describe(value: unknown): string {
  if (typeof value === 'string') return value.length <= 40 ? `'${value}'` : 'a long string';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function clip(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}

function invalid(reason: string): ReadResult {
  return { ok: false, reason };
}

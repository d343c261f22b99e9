/**
 * The inspector's memory of what the local stack did: one entry per request to a local function
 * URL (or per event published onto a bus from elsewhere), with what the request carried, what the
 * receiver answered, the bus entry it published, the rules that matched it and every subscriber
 * run. Fed by the local stack as things happen; read by the inspector's HTTP API. Nothing is
 * written to disk, and the signature header is kept only to resend the exact request: it never
 * leaves this module unmasked.
 */
import type { BusEvent } from '../event-router.js';
import { eventKeys } from '../event-router.js';
import type { DeliveryRecord } from '../live-log.js';

/** The most entries kept; the oldest go first. */
export const STORE_CAPACITY = 500;

/** A body shown in the page is cut after this many characters. */
const BODY_PREVIEW_CHARS = 256 * 1024;

/** What a request to a local function URL carried and got, as the local stack saw it. */
export interface CapturedRequest {
  /** The function URL request id (`requestContext.requestId`, the `x-amzn-requestid` answer header). */
  readonly requestId: string;
  /** The receiver's provider, e.g. `complycube`. */
  readonly receiver: string;
  /** Where the request went, so it can be resent. */
  readonly url: string;
  readonly receivedAt: Date;
  readonly method: string;
  readonly path: string;
  /** Headers as the function got them (lowercased names). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body's bytes, as they arrived. */
  readonly body: Buffer;
  readonly status: number;
  readonly verdict: string;
  readonly eventId?: string;
  readonly eventType?: string;
  /** Why the request was refused or quarantined. */
  readonly reason?: string;
  readonly durationMs: number;
  /** The answer's body. */
  readonly response: string;
  /** `requestKeys` of the body: what ties the events it published back to it. */
  readonly keys: readonly string[];
  /** Whether the receiver put something on the bus for it (accepted or quarantined). */
  readonly published: boolean;
}

/** Where a rule sends what it matched. */
export interface RuleTarget {
  readonly kind: 'function' | 'queue' | 'other';
  /** The function's or queue's construct path, or a description. */
  readonly name: string;
}

export interface RuleMatch {
  readonly rule: string;
  readonly bus: string;
  readonly targets: readonly RuleTarget[];
}

/** One subscriber's handling of one bus event: Lambda's attempts, and what became of it. */
export interface SubscriberRun {
  readonly rule: string;
  readonly function: string;
  /** The asynchronous invocation's request id (the same across Lambda's retries). */
  readonly requestId: string;
  readonly attempts: readonly RunAttempt[];
}

export interface RunAttempt {
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly outcome: 'ok' | 'failed';
  readonly durationMs: number;
  readonly initMs?: number;
  readonly error?: { readonly type: string; readonly message: string };
  readonly output: readonly string[];
  /** What a subscriber built with `onEvents` said it did: `ran`, `skipped: duplicate`… */
  readonly handled?: string;
  readonly rejectedBecause?: string;
  readonly retryInMs?: number;
  readonly awsRetryInMs?: number;
  /** After the last failed attempt: the dead-letter queue or destination it went to, or that it is lost. */
  readonly finalOutcome?: string;
}

/** One row of the page's list. */
export interface DeliverySummary {
  readonly id: string;
  /** `request`: a request to a local function URL; `bus`: an event published onto the bus by something else. */
  readonly source: 'request' | 'bus';
  readonly time: string;
  readonly receiver?: string;
  readonly status?: number;
  readonly verdict: string;
  readonly eventType?: string;
  readonly eventId?: string;
  /** Why the request was refused or quarantined. */
  readonly reason?: string;
  readonly latencyMs?: number;
  readonly rules: number;
  /** Subscriber runs by state: ok, failed for good, still retrying. */
  readonly runs: { readonly ok: number; readonly failed: number; readonly retrying: number };
}

/** A header as the page shows it. */
export interface ShownHeader {
  readonly name: string;
  readonly value: string;
  readonly masked: boolean;
}

/** Everything the detail view shows. */
export interface DeliveryDetail extends DeliverySummary {
  readonly request?: {
    readonly method: string;
    readonly path: string;
    readonly url: string;
    readonly headers: readonly ShownHeader[];
    readonly body: ShownBody;
    readonly response: ShownBody;
    readonly reason?: string;
    readonly quarantined: boolean;
    /** A resend posts these very bytes and headers again. */
    readonly resendable: boolean;
  };
  readonly busEvent?: BusEvent;
  readonly matches: readonly RuleMatch[];
  readonly subscriberRuns: readonly SubscriberRun[];
}

export interface ShownBody {
  /** `json` is pretty-printed; `text` as it came; `binary` as base64. */
  readonly kind: 'json' | 'text' | 'binary' | 'empty';
  readonly text: string;
  readonly bytes: number;
  readonly truncated: boolean;
}

export type StoreChange = { readonly kind: 'delivery'; readonly summary: DeliverySummary };

interface Entry {
  readonly id: string;
  readonly source: 'request' | 'bus';
  readonly time: Date;
  readonly request?: CapturedRequest;
  busEvent?: BusEvent;
  readonly matches: RuleMatch[];
  readonly runs: Map<string, { rule: string; function: string; requestId: string; attempts: RunAttempt[] }>;
}

/** Header names whose value is a credential: shown masked. */
const SECRET_HEADER = /signature|authorization|cookie|api-key|token/i;

/**
 * What the inspector knows, in memory, with change notifications for the live page.
 *
 * @example
 * const store = new DeliveryStore();
 * store.subscribe((change) => console.log(change.summary.verdict));
 * store.request(captured);              // from the function URL server, once answered
 * store.routed(event, match);           // from the event router, per rule matched
 * store.delivered(event, record);       // from the event router, per subscriber attempt
 */
export class DeliveryStore {
  private readonly entries = new Map<string, Entry>();
  /** Bus event id → entry id. */
  private readonly byBusEvent = new Map<string, string>();
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(private readonly capacity: number = STORE_CAPACITY) {}

  /** A request to a local function URL, once answered. */
  request(captured: CapturedRequest): void {
    this.add({
      id: captured.requestId,
      source: 'request',
      time: captured.receivedAt,
      request: captured,
      matches: [],
      runs: new Map(),
    });
  }

  /**
   * A rule matched a bus event. The event is tied to the newest request that published a body with
   * its keys; an event no local request published gets an entry of its own.
   */
  routed(event: BusEvent, match: RuleMatch): void {
    const entry = this.entryOfBusEvent(event) ?? this.publisherOf(event) ?? this.busEntry(event);
    entry.busEvent ??= event;
    this.byBusEvent.set(event.id, entry.id);
    if (!entry.matches.some((m) => m.rule === match.rule)) entry.matches.push(match);
    this.changed(entry);
  }

  /** One attempt of a subscriber at a bus event (the record the live log printed). */
  delivered(event: BusEvent, record: DeliveryRecord): void {
    const entry = this.entryOfBusEvent(event) ?? this.busEntry(event);
    const key = `${record.rule}\u0000${record.function}\u0000${record.requestId}`;
    const run = entry.runs.get(key) ?? {
      rule: record.rule,
      function: record.function,
      requestId: record.requestId,
      attempts: [],
    };
    run.attempts.push({
      attempt: record.attempt,
      maxAttempts: record.maxAttempts,
      outcome: record.outcome,
      durationMs: record.durationMs,
      ...(record.initMs === undefined ? {} : { initMs: record.initMs }),
      ...(record.error === undefined ? {} : { error: record.error }),
      output: record.output,
      ...(record.handled === undefined ? {} : { handled: record.handled }),
      ...(record.rejectedBecause === undefined ? {} : { rejectedBecause: record.rejectedBecause }),
      ...(record.retryInMs === undefined ? {} : { retryInMs: record.retryInMs }),
      ...(record.awsRetryInMs === undefined ? {} : { awsRetryInMs: record.awsRetryInMs }),
      ...(record.finalOutcome === undefined ? {} : { finalOutcome: record.finalOutcome }),
    });
    entry.runs.set(key, run);
    this.changed(entry);
  }

  /** Every entry, newest first. */
  list(): DeliverySummary[] {
    return [...this.entries.values()].reverse().map(summarize);
  }

  /** The detail of one entry, with credentials masked; `undefined` when unknown (or dropped). */
  detail(id: string): DeliveryDetail | undefined {
    const entry = this.entries.get(id);
    return entry === undefined ? undefined : detailOf(entry);
  }

  /** The request of an entry as it arrived, credentials included: only for resending it. */
  original(id: string): CapturedRequest | undefined {
    return this.entries.get(id)?.request;
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private add(entry: Entry): void {
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      for (const [busId, entryId] of this.byBusEvent) if (entryId === oldest) this.byBusEvent.delete(busId);
    }
    this.changed(entry);
  }

  private entryOfBusEvent(event: BusEvent): Entry | undefined {
    const id = this.byBusEvent.get(event.id);
    return id === undefined ? undefined : this.entries.get(id);
  }

  private publisherOf(event: BusEvent): Entry | undefined {
    const keys = eventKeys(event.detail);
    let found: Entry | undefined;
    for (const entry of this.entries.values()) {
      const request = entry.request;
      if (request?.published === true && request.keys.some((key) => keys.includes(key))) found = entry;
    }
    return found;
  }

  private busEntry(event: BusEvent): Entry {
    const entry: Entry = {
      id: `bus-${event.id}`,
      source: 'bus',
      time: new Date(),
      busEvent: event,
      matches: [],
      runs: new Map(),
    };
    this.add(entry);
    this.byBusEvent.set(event.id, entry.id);
    return entry;
  }

  private changed(entry: Entry): void {
    if (!this.entries.has(entry.id)) return;
    const change: StoreChange = { kind: 'delivery', summary: summarize(entry) };
    for (const listener of this.listeners) listener(change);
  }
}

function summarize(entry: Entry): DeliverySummary {
  const request = entry.request;
  const detailType = entry.busEvent?.['detail-type'];
  const busId = idOf(entry.busEvent?.detail);
  const eventType = request?.eventType ?? (detailType === '' ? undefined : detailType);
  const eventId = request?.eventId ?? busId;
  const runs = { ok: 0, failed: 0, retrying: 0 };
  for (const run of entry.runs.values()) {
    const last = run.attempts.at(-1);
    if (last?.outcome === 'ok') runs.ok++;
    else if (last?.retryInMs !== undefined) runs.retrying++;
    else runs.failed++;
  }
  return {
    id: entry.id,
    source: entry.source,
    time: entry.time.toISOString(),
    ...(request === undefined ? {} : { receiver: request.receiver, status: request.status }),
    verdict: request?.verdict ?? 'published',
    ...(eventType === undefined ? {} : { eventType }),
    ...(eventId === undefined ? {} : { eventId }),
    ...(request?.reason === undefined ? {} : { reason: request.reason }),
    ...(request === undefined ? {} : { latencyMs: Math.round(request.durationMs * 10) / 10 }),
    rules: entry.matches.length,
    runs,
  };
}

function detailOf(entry: Entry): DeliveryDetail {
  const request = entry.request;
  return {
    ...summarize(entry),
    ...(request === undefined
      ? {}
      : {
          request: {
            method: request.method,
            path: request.path,
            url: request.url,
            headers: showHeaders(request.headers),
            body: showBody(request.body),
            response: showBody(Buffer.from(request.response, 'utf8')),
            ...(request.reason === undefined ? {} : { reason: request.reason }),
            quarantined: request.verdict === 'quarantined',
            resendable: request.method === 'POST',
          },
        }),
    ...(entry.busEvent === undefined ? {} : { busEvent: entry.busEvent }),
    matches: entry.matches,
    subscriberRuns: [...entry.runs.values()].map((run) => ({ ...run, attempts: [...run.attempts] })),
  };
}

/** Headers sorted by name, credentials replaced by a note of their length. */
export function showHeaders(headers: Readonly<Record<string, string>>): ShownHeader[] {
  return Object.entries(headers)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) =>
      SECRET_HEADER.test(name)
        ? { name, value: `•••••••• (masked, ${value.length} characters)`, masked: true }
        : { name, value, masked: false },
    );
}

/** A body for people: JSON pretty-printed, text as it is, anything else as base64. */
export function showBody(body: Buffer): ShownBody {
  if (body.length === 0) return { kind: 'empty', text: '', bytes: 0, truncated: false };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  const utf8 = Buffer.from(text, 'utf8').equals(body);
  let shown: { kind: ShownBody['kind']; text: string };
  if (!utf8) {
    shown = { kind: 'binary', text: body.toString('base64') };
  } else {
    try {
      shown = { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      shown = { kind: 'text', text };
    }
  }
  const truncated = shown.text.length > BODY_PREVIEW_CHARS;
  return {
    kind: shown.kind,
    text: truncated ? shown.text.slice(0, BODY_PREVIEW_CHARS) : shown.text,
    bytes: body.length,
    truncated,
  };
}

function idOf(detail: unknown): string | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const id = (detail as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * The catch-up: for a window of time, lists what changed in ComplyCube and puts each change on the
 * bus as the event the webhook would have delivered for the object's state now, once.
 *
 * Paging stays correct while objects change under it. ComplyCube lists newest `createdAt` first
 * and pages by number; an object updated during the listing leaves the `updatedBefore` filter,
 * which would shift every later object up a page and skip one. So each request asks for page 1
 * below the oldest `createdAt` handled so far (keyset paging): objects leaving or entering the
 * filter cannot move the ones not yet listed. An object that leaves was changed after `until`,
 * when the webhook was delivering again (docs/catch-up.md).
 *
 * Each event goes through the receiver's ledger (claim, publish, complete; release on failure)
 * under a key made of resource, object id, `updatedAt` and type, so overlapping runs never
 * publish the same change twice. The cursor is saved after every page.
 */

import type { Clock } from '../../receiver/core/clock.js';
import type { Claim, Ledger } from '../../receiver/core/ports/ledger.js';
import type { Publisher } from '../../receiver/core/ports/publisher.js';
import {
  type CatchUpCounts,
  type CatchUpCursor,
  type CursorStore,
  NO_COUNTS,
  PHASES,
  type Phase,
  type PhasePosition,
  START_OF_PHASE,
  windowKey,
} from './cursor.js';
import {
  type CatchUpMarker,
  type EventTypeFilter,
  type RecoveredEvent,
  type ResourceType,
  recoveredEvent,
  stateEventTypes,
  timeOf,
  type Window,
  wants,
  wantsAnyOf,
} from './events.js';
import {
  type ApiObject,
  type AuditLogEntry,
  AuditLogUnavailableError,
  type ComplyCubeReader,
  type ListQuery,
} from './source.js';

export interface CatchUpRequest {
  /** Start of the window (inclusive). */
  readonly since: Date;
  /** End of the window (inclusive); not in the future. */
  readonly until: Date;
  /**
   * Objects to list in this invocation before stopping with `limit_reached`; running again
   * continues from the cursor. @default 10_000
   */
  readonly maxObjects?: number;
}

export interface CatchUpDependencies {
  /** The provider's idempotency-key prefix and bus `Source` (`complycube`, `com.complycube`). */
  readonly provider: { readonly name: string; readonly source: string };
  readonly reader: ComplyCubeReader;
  readonly ledger: Ledger;
  readonly publisher: Publisher;
  readonly cursors: CursorStore;
  readonly clock: Clock;
  /** The types the subscriptions need; nothing else is published. */
  readonly eventTypes: EventTypeFilter;
  /**
   * How long the ledger remembers a key, in seconds. A window reaching further back is refused:
   * the receiver treats anything older as a possible replay too.
   */
  readonly retentionSeconds: number;
  /** @default 100 */
  readonly pageSize?: number;
  /** Asked before every page and object; true stops the run with its cursor saved (e.g. Lambda time). */
  readonly shouldStop?: () => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onProgress?: (progress: CatchUpProgress) => void;
  readonly newRunId?: () => string;
}

export type CatchUpStatus = 'complete' | 'stopped' | 'limit_reached' | 'failed';

/** What the terminal or the log shows after every page. */
export interface CatchUpProgress {
  readonly runId: string;
  readonly phase: Phase | 'done';
  readonly counts: CatchUpCounts;
}

/** The end of an invocation. `stopped`, `limit_reached` and `failed` resume on the next run of the window. */
export interface CatchUpSummary {
  readonly runId: string;
  readonly status: CatchUpStatus;
  readonly since: string;
  readonly until: string;
  /** Where the run stands: the phase it stopped in, or `done`. */
  readonly phase: Phase | 'done';
  /** Counts of the whole run, over every invocation. */
  readonly counts: CatchUpCounts;
  /** True when this invocation continued a run that an earlier one had started. */
  readonly resumed: boolean;
  /** Why the run failed, without internals beyond the error's message. */
  readonly error?: string;
  /** Set when deletions, documents and addresses could not be recovered (docs/catch-up.md). */
  readonly auditLogUnavailable?: string;
}

/** A window the catch-up refuses; the message says what to pass instead. */
export class CatchUpWindowError extends Error {
  override readonly name = 'CatchUpWindowError';
}

const DEFAULT_MAX_OBJECTS = 10_000;
const DEFAULT_PAGE_SIZE = 100;
/** How often a claim still held by another run is waited for before the run stops. */
const IN_PROGRESS_WAITS = 3;

/** Stops the run where it stands, leaving the cursor at the start of the current page. */
class StopRun extends Error {
  constructor(readonly status: 'stopped') {
    super(status);
  }
}

const RESOURCE_OF: Readonly<Record<Exclude<Phase, 'auditLogs'>, ResourceType>> = {
  checks: 'check',
  clients: 'client',
  workflowSessions: 'workflowSession',
};

/** Checks a window against the clock and the ledger's retention; throws `CatchUpWindowError`. */
export function validateWindow(since: Date, until: Date, now: number, retentionSeconds: number): Window {
  const s = since.getTime();
  const u = until.getTime();
  if (Number.isNaN(s) || Number.isNaN(u))
    throw new CatchUpWindowError('since and until must be valid times.');
  if (s >= u) {
    throw new CatchUpWindowError(
      `since (${since.toISOString()}) must be before until (${until.toISOString()}).`,
    );
  }
  if (u > now) {
    throw new CatchUpWindowError(
      `until (${until.toISOString()}) is in the future; leave it out to catch up to now.`,
    );
  }
  const oldest = now - retentionSeconds * 1000;
  if (s < oldest) {
    throw new CatchUpWindowError(
      `since (${since.toISOString()}) is older than the idempotency retention (${Math.round(retentionSeconds / 86_400)} days): ` +
        `events from before ${new Date(oldest).toISOString()} could be published a second time. Start at or after it.`,
    );
  }
  return { since: s, until: u };
}

/** Which phases a filter needs: a run for `check.*` only never lists clients or the audit log. */
export function phasesFor(filter: EventTypeFilter): Phase[] {
  return PHASES.filter((phase) => {
    if (phase === 'auditLogs') {
      return (
        wantsAnyOf(filter, 'document') || wantsAnyOf(filter, 'address') || wants(filter, 'client.deleted')
      );
    }
    if (phase === 'clients') return wants(filter, 'client.created') || wants(filter, 'client.updated');
    return wantsAnyOf(filter, RESOURCE_OF[phase]);
  });
}

/**
 * Runs (or resumes) the catch-up of a window until it is done, told to stop, over its count, or
 * failed. Never throws for the API or the bus: a failure is a `failed` summary, resumable. A bad
 * window throws `CatchUpWindowError` before anything is read.
 */
export async function catchUp(request: CatchUpRequest, deps: CatchUpDependencies): Promise<CatchUpSummary> {
  const now = deps.clock.now();
  const window = validateWindow(request.since, request.until, now, deps.retentionSeconds);
  const key = windowKey(window.since, window.until);
  const phases = phasesFor(deps.eventTypes);
  const stored = await deps.cursors.load(key);
  const resumed = stored !== undefined && stored.phase !== 'done';
  let cursor: CatchUpCursor =
    stored !== undefined && stored.phase !== 'done'
      ? stored
      : {
          runId: deps.newRunId?.() ?? `${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
          since: window.since,
          until: window.until,
          phase: phases[0] ?? 'done',
          position: START_OF_PHASE,
          counts: NO_COUNTS,
          startedAt: now,
          updatedAt: now,
        };
  const run = new Run(window, cursor, deps, request.maxObjects ?? DEFAULT_MAX_OBJECTS);
  let status: CatchUpStatus = 'complete';
  let error: string | undefined;
  try {
    status = await run.execute(phases);
  } catch (caught) {
    if (caught instanceof StopRun) {
      status = caught.status;
    } else {
      status = 'failed';
      error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    }
    // Best effort: the position is what matters, and it was saved with the last finished page.
    await run.keepCounts().catch(() => undefined);
  }
  cursor = run.cursor;
  return {
    runId: cursor.runId,
    status,
    since: new Date(window.since).toISOString(),
    until: new Date(window.until).toISOString(),
    phase: cursor.phase,
    counts: cursor.counts,
    resumed,
    ...(error === undefined ? {} : { error }),
    ...(cursor.auditLogUnavailable === undefined ? {} : { auditLogUnavailable: cursor.auditLogUnavailable }),
  };
}

class Run {
  /** Counts since the last saved cursor; merged into it when a page is done. */
  private pending: MutableCounts = fresh();
  private listedThisInvocation = 0;
  /** Documents and addresses read in this invocation, so an object in ten audit entries is read once. */
  private readonly read = new Set<string>();
  private readonly key: string;
  private readonly pageSize: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly window: Window,
    public cursor: CatchUpCursor,
    private readonly deps: CatchUpDependencies,
    private readonly maxObjects: number,
  ) {
    this.key = windowKey(window.since, window.until);
    this.pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async execute(phases: readonly Phase[]): Promise<CatchUpStatus> {
    while (this.cursor.phase !== 'done') {
      const phase = this.cursor.phase;
      const finished = await this.runPhase(phase);
      if (!finished) return this.stopReason();
      const next = phases[phases.indexOf(phase) + 1] ?? 'done';
      await this.advance({ phase: next, position: START_OF_PHASE });
    }
    return 'complete';
  }

  private stopReason(): CatchUpStatus {
    return this.listedThisInvocation >= this.maxObjects ? 'limit_reached' : 'stopped';
  }

  private stopping(): boolean {
    return this.deps.shouldStop?.() === true;
  }

  /** Pages through one phase; false when it stopped before the end (time or count). */
  private async runPhase(phase: Phase): Promise<boolean> {
    for (;;) {
      if (this.stopping() || this.listedThisInvocation >= this.maxObjects) return false;
      const position = this.cursor.position;
      let page: Awaited<ReturnType<ComplyCubeReader['list']>>;
      try {
        this.pending.requests++;
        page = await this.deps.reader.list(phase, this.query(phase, position));
      } catch (error) {
        if (phase === 'auditLogs' && error instanceof AuditLogUnavailableError) {
          await this.advance({ phase: this.cursor.phase, position }, error.message);
          return true;
        }
        throw error;
      }
      let handled = 0;
      for (const item of page.items) {
        if (alreadyHandled(item, position)) continue;
        if (this.stopping()) throw new StopRun('stopped');
        handled++;
        await this.handle(phase, item);
      }
      const last = page.items.length < this.pageSize || page.page >= page.pages;
      if (last) return true;
      await this.advance({ phase, position: nextPosition(page.items, position, handled) });
    }
  }

  private query(phase: Phase, position: PhasePosition): ListQuery {
    const iso = (ms: number): string => new Date(ms).toISOString();
    // One millisecond wider on every side: whether ComplyCube's bounds are inclusive is not documented.
    const below = position.createdBound === undefined ? undefined : iso(position.createdBound + 1);
    if (phase === 'auditLogs') {
      return {
        page: position.page,
        pageSize: this.pageSize,
        createdAfter: iso(this.window.since - 1),
        createdBefore: below ?? iso(this.window.until + 1),
      };
    }
    return {
      page: position.page,
      pageSize: this.pageSize,
      updatedAfter: iso(this.window.since - 1),
      updatedBefore: iso(this.window.until + 1),
      ...(below === undefined ? {} : { createdBefore: below }),
    };
  }

  private async handle(phase: Phase, item: ApiObject): Promise<void> {
    if (phase === 'auditLogs') {
      await this.handleAuditEntry(item);
      return;
    }
    this.listed();
    await this.publishState(RESOURCE_OF[phase], item);
  }

  private listed(): void {
    this.pending.listed++;
    this.listedThisInvocation++;
  }

  private skip(reason: string): void {
    this.pending.skipped[reason] = (this.pending.skipped[reason] ?? 0) + 1;
  }

  /** Publishes the events of an object's current state, if it changed inside the window. */
  private async publishState(resourceType: ResourceType, object: ApiObject): Promise<void> {
    const updated = timeOf(object.updatedAt);
    if (typeof object.id !== 'string' || object.id === '' || updated === undefined) {
      this.skip('no_id_or_updated_at');
      return;
    }
    if (updated > this.window.until) {
      // Changed again after the window: the webhook was delivering by then (docs/catch-up.md).
      this.skip('changed_after_window');
      return;
    }
    if (updated < this.window.since) {
      this.skip('not_changed_in_window');
      return;
    }
    const types = stateEventTypes(resourceType, object, this.window).filter((t) =>
      wants(this.deps.eventTypes, t),
    );
    if (types.length === 0) {
      this.skip('no_subscribed_type');
      return;
    }
    for (const type of types) {
      await this.publishOnce(
        recoveredEvent({
          provider: this.deps.provider.name,
          resourceType,
          objectId: object.id,
          version: updated,
          type,
          payload: object,
          marker: this.marker('current_state'),
        }),
      );
    }
  }

  /**
   * The audit log is the only place deletions show, and the only way to find the documents and
   * addresses that changed (their lists need a client id). Other entries are not counted.
   */
  private async handleAuditEntry(entry: AuditLogEntry): Promise<void> {
    const resourceType = entry.resourceType;
    const id = entry.resourceId;
    if (resourceType !== 'client' && resourceType !== 'document' && resourceType !== 'address') return;
    if (typeof id !== 'string' || id === '') return;
    if (entry.action === 'delete') {
      this.listed();
      await this.publishDeletion(resourceType, id, timeOf(entry.createdAt) ?? this.window.until);
      return;
    }
    // Clients were listed by their own `updatedAt`; only their deletions come from here.
    if (resourceType === 'client') return;
    const clientId = entry.clientId;
    if (typeof clientId !== 'string' || clientId === '') {
      this.listed();
      this.skip('audit_entry_without_client');
      return;
    }
    // Every document (address) of the client changed in the window, read once per invocation.
    const path = resourceType === 'document' ? 'documents' : 'addresses';
    if (this.read.has(`${path}#${clientId}`)) return;
    for (let page = 1; ; page++) {
      this.pending.requests++;
      const answer = await this.deps.reader.list(path, {
        page,
        pageSize: this.pageSize,
        updatedAfter: new Date(this.window.since - 1).toISOString(),
        updatedBefore: new Date(this.window.until + 1).toISOString(),
        filters: { clientId },
      });
      for (const object of answer.items) {
        if (this.stopping()) throw new StopRun('stopped');
        this.listed();
        await this.publishState(resourceType, object);
      }
      if (answer.items.length < this.pageSize || answer.page >= answer.pages) break;
    }
    this.read.add(`${path}#${clientId}`);
  }

  private async publishDeletion(resourceType: ResourceType, id: string, at: number): Promise<void> {
    const type = `${resourceType}.deleted`;
    if (!wants(this.deps.eventTypes, type)) {
      this.skip('no_subscribed_type');
      return;
    }
    await this.publishOnce(
      recoveredEvent({
        provider: this.deps.provider.name,
        resourceType,
        objectId: id,
        version: at,
        type,
        payload: { id },
        marker: this.marker('deletion'),
      }),
    );
  }

  private marker(basis: CatchUpMarker['basis']): CatchUpMarker {
    return {
      runId: this.cursor.runId,
      since: new Date(this.window.since).toISOString(),
      until: new Date(this.window.until).toISOString(),
      caughtUpAt: new Date(this.deps.clock.now()).toISOString(),
      basis,
    };
  }

  /** Claim, publish, complete, as the receiver does; a failed publish releases the claim and fails the run. */
  private async publishOnce(event: RecoveredEvent): Promise<void> {
    const { ledger, publisher } = this.deps;
    let claim: Claim | undefined;
    for (let wait = 0; claim === undefined; wait++) {
      const result = await ledger.claim({ key: event.key, eventType: event.type, bodySha256: event.digest });
      if (result.outcome === 'duplicate') {
        this.pending.alreadyKnown++;
        return;
      }
      if (result.outcome === 'claimed') {
        claim = result.claim;
        break;
      }
      // Another run holds it (or a crashed one did): wait for its lease, then look again.
      if (wait >= IN_PROGRESS_WAITS || this.stopping()) throw new StopRun('stopped');
      await this.sleep(Math.max(50, result.leaseExpiresAt - this.deps.clock.now() + 10));
    }
    try {
      await publisher.publish({
        source: this.deps.provider.source,
        detailType: event.type,
        detail: event.detail,
        time: event.time,
      });
    } catch (error) {
      await ledger.release(claim).catch(() => undefined);
      throw error;
    }
    this.pending.published++;
    // A completion that fails leaves the claim to expire; the event is on the bus either way.
    await ledger.complete(claim).catch(() => 'lease_lost' as const);
  }

  /** Saves the cursor with the counts so far. */
  private async advance(
    to: { phase: Phase | 'done'; position: PhasePosition },
    auditLogUnavailable?: string,
  ): Promise<void> {
    const counts = merge(this.cursor.counts, this.pending);
    this.pending = fresh();
    this.cursor = {
      ...this.cursor,
      phase: to.phase,
      position: to.position,
      counts,
      updatedAt: this.deps.clock.now(),
      ...(auditLogUnavailable === undefined ? {} : { auditLogUnavailable }),
    };
    await this.deps.cursors.save(this.key, this.cursor);
    this.deps.onProgress?.({ runId: this.cursor.runId, phase: to.phase, counts });
  }

  /**
   * After a stop or a failure: keeps what this invocation counted (what it published is on the
   * bus) without moving the position, so the next run re-reads the interrupted page. Its objects
   * are then counted again, as listed and already known.
   */
  async keepCounts(): Promise<void> {
    await this.advance({ phase: this.cursor.phase, position: this.cursor.position });
  }
}

interface MutableCounts {
  listed: number;
  published: number;
  alreadyKnown: number;
  skipped: Record<string, number>;
  requests: number;
}

function fresh(): MutableCounts {
  return { listed: 0, published: 0, alreadyKnown: 0, skipped: {}, requests: 0 };
}

function merge(a: CatchUpCounts, b: CatchUpCounts): CatchUpCounts {
  const skipped: Record<string, number> = { ...a.skipped };
  for (const [reason, n] of Object.entries(b.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
  return {
    listed: a.listed + b.listed,
    published: a.published + b.published,
    alreadyKnown: a.alreadyKnown + b.alreadyKnown,
    skipped,
    requests: a.requests + b.requests,
  };
}

/** Whether a listed object was handled on an earlier page of this keyset listing. */
function alreadyHandled(item: ApiObject, position: PhasePosition): boolean {
  if (position.createdBound === undefined) return false;
  const created = timeOf(item.createdAt);
  if (created === undefined) return false;
  return (
    created > position.createdBound ||
    (created === position.createdBound && position.boundaryIds.includes(item.id))
  );
}

/**
 * The position after a full page: below its oldest `createdAt`, or, when the page brought nothing
 * older (one `createdAt` shared by a whole page, or no times at all), the next page under the same bound.
 */
function nextPosition(items: readonly ApiObject[], position: PhasePosition, handled: number): PhasePosition {
  const times = items.map((i) => timeOf(i.createdAt)).filter((t): t is number => t !== undefined);
  // Keyset paging needs every object's time; without one, fall back to the page number.
  const oldest = times.length === items.length && times.length > 0 ? Math.min(...times) : undefined;
  if (oldest === undefined || handled === 0 || oldest === position.createdBound) {
    const atBound = items.filter((i) => timeOf(i.createdAt) === position.createdBound).map((i) => i.id);
    return {
      createdBound: position.createdBound,
      boundaryIds: [...new Set([...position.boundaryIds, ...atBound])],
      page: position.page + 1,
    };
  }
  return {
    createdBound: oldest,
    boundaryIds: items.filter((i) => timeOf(i.createdAt) === oldest).map((i) => i.id),
    page: 1,
  };
}

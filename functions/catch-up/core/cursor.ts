/**
 * Where a catch-up run stands, stored after every page so a crash, a timeout or a count limit
 * continues where it stopped. Re-listing part of a page after a stop is harmless (the ledger knows
 * what was published); skipping part of one is not, which is why the cursor moves only once every
 * event of a page is on the bus.
 */

/** The phases of a run, in order. */
export const PHASES = ['checks', 'clients', 'workflowSessions', 'auditLogs'] as const;
export type Phase = (typeof PHASES)[number];

/** What a run counted. Kept in the cursor so a resumed run's summary covers the whole run. */
export interface CatchUpCounts {
  /** Objects (and audit log entries) the lists returned inside the window. */
  readonly listed: number;
  /** Events put on the bus by this run. */
  readonly published: number;
  /** Events the ledger already had: an earlier or overlapping catch-up published them. */
  readonly alreadyKnown: number;
  /** Objects for which nothing was published, by reason (docs/catch-up.md). */
  readonly skipped: Readonly<Record<string, number>>;
  /** API requests made. */
  readonly requests: number;
}

export const NO_COUNTS: CatchUpCounts = {
  listed: 0,
  published: 0,
  alreadyKnown: 0,
  skipped: {},
  requests: 0,
};

/** The keyset position inside one phase's listing (newest `createdAt` first). */
export interface PhasePosition {
  /**
   * Every object created after this time (ms) was handled; the next request asks for
   * `createdBefore` one millisecond later and skips what it handled already.
   */
  readonly createdBound: number | undefined;
  /** Ids created exactly at `createdBound` that were handled. */
  readonly boundaryIds: readonly string[];
  /** Page under the same bound: above 1 only when a whole page shared one `createdAt`. */
  readonly page: number;
}

export const START_OF_PHASE: PhasePosition = { createdBound: undefined, boundaryIds: [], page: 1 };

export interface CatchUpCursor {
  readonly runId: string;
  /** Window, epoch ms. */
  readonly since: number;
  readonly until: number;
  /** The phase under way; `done` when the run has finished. */
  readonly phase: Phase | 'done';
  readonly position: PhasePosition;
  readonly counts: CatchUpCounts;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** Why the audit log could not be read, when it could not. */
  readonly auditLogUnavailable?: string;
}

/** Keeps one cursor per window. */
export interface CursorStore {
  load(windowKey: string): Promise<CatchUpCursor | undefined>;
  save(windowKey: string, cursor: CatchUpCursor): Promise<void>;
}

/** The key of a window's cursor: a run over the same window resumes it. */
export function windowKey(since: number, until: number): string {
  return `${new Date(since).toISOString()}/${new Date(until).toISOString()}`;
}

import { describe, expect, it } from 'vitest';
import {
  type CatchUpDependencies,
  CatchUpWindowError,
  catchUp,
  phasesFor,
} from '../../functions/catch-up/core/catch-up.js';
import type { CatchUpCursor, CursorStore } from '../../functions/catch-up/core/cursor.js';
import {
  CATCH_UP_MARKER_FIELD,
  parseEventTypeFilter,
  stateEventTypes,
} from '../../functions/catch-up/core/events.js';
import { AuditLogUnavailableError } from '../../functions/catch-up/core/source.js';
import { FakeComplyCubeReader } from '../helpers/fake-complycube-reader.js';
import { FakeClock, FakeLedger, RecordingPublisher } from '../helpers/fakes.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
/** The gap: T0+1h to T0+5h. */
const SINCE = new Date(T0 + HOUR);
const UNTIL = new Date(T0 + 5 * HOUR);

class MemoryCursors implements CursorStore {
  readonly saved = new Map<string, CatchUpCursor>();
  saves = 0;
  async load(key: string): Promise<CatchUpCursor | undefined> {
    return this.saved.get(key);
  }
  async save(key: string, cursor: CatchUpCursor): Promise<void> {
    this.saves++;
    this.saved.set(key, structuredClone(cursor));
  }
}

interface World {
  readonly reader: FakeComplyCubeReader;
  readonly ledger: FakeLedger;
  readonly publisher: RecordingPublisher;
  readonly cursors: MemoryCursors;
  readonly clock: FakeClock;
  deps(overrides?: Partial<CatchUpDependencies>): CatchUpDependencies;
}

function world(types = '*'): World {
  const clock = new FakeClock(T0 + 6 * HOUR);
  const reader = new FakeComplyCubeReader();
  const ledger = new FakeLedger({ clock });
  const publisher = new RecordingPublisher();
  const cursors = new MemoryCursors();
  return {
    reader,
    ledger,
    publisher,
    cursors,
    clock,
    deps: (overrides = {}) => ({
      provider: { name: 'complycube', source: 'com.complycube' },
      reader,
      ledger,
      publisher,
      cursors,
      clock,
      eventTypes: parseEventTypeFilter(types),
      retentionSeconds: 30 * 86_400,
      pageSize: 3,
      sleep: async (ms) => clock.advance(ms),
      newRunId: () => 'run-1',
      ...overrides,
    }),
  };
}

/** A completed check changed in the gap, created `createdOffset` hours after T0. */
function check(id: string, createdHours: number, updatedHours: number, outcome = 'clear') {
  return {
    id,
    clientId: 'client-1',
    type: 'extensive_screening_check',
    status: 'complete',
    result: { outcome },
    createdAt: iso(T0 + createdHours * HOUR),
    updatedAt: iso(T0 + updatedHours * HOUR),
  };
}

function published(publisher: RecordingPublisher): { type: string; detail: Record<string, unknown> }[] {
  return publisher.entries.map((e) => ({ type: e.detailType, detail: JSON.parse(e.detail) }));
}

/** `resourceType#objectId#type` of every published event, for "each exactly once" checks. */
function changes(publisher: RecordingPublisher): string[] {
  return published(publisher).map((e) => {
    const payload = e.detail.payload as { id: string };
    return `${String(e.detail.resourceType)}#${payload.id}#${e.type}`;
  });
}

describe('catch-up: what is published', () => {
  it('publishes a completed check as the types among check.completed* that the subscriptions need', async () => {
    const w = world('check.completed.clear,client.updated');
    w.reader.put('checks', check('c1', 2, 3));

    const summary = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(summary.status).toBe('complete');
    expect(published(w.publisher).map((e) => e.type)).toEqual(['check.completed.clear']);
  });

  it('publishes every state type when a subscription takes everything', async () => {
    const w = world('*');
    w.reader.put('checks', check('c1', 2, 3, 'attention'));

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(published(w.publisher).map((e) => e.type)).toEqual([
      'check.completed',
      'check.completed.attention',
    ]);
  });

  it('uses the live envelope with the current object as payload and a catchUp marker', async () => {
    const w = world('check.completed');
    const object = w.reader.put('checks', check('c1', 2, 3));

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    const [entry] = w.publisher.entries;
    expect(entry?.source).toBe('com.complycube');
    expect(entry?.detailType).toBe('check.completed');
    expect(entry?.time?.toISOString()).toBe(object.updatedAt);
    const detail = JSON.parse(entry?.detail ?? '{}');
    expect(Object.keys(detail).sort()).toEqual(
      ['catchUp', 'createdAt', 'id', 'payload', 'resourceType', 'type'].sort(),
    );
    expect(detail).toMatchObject({
      type: 'check.completed',
      resourceType: 'check',
      payload: object,
      createdAt: object.updatedAt,
      [CATCH_UP_MARKER_FIELD]: {
        runId: 'run-1',
        since: SINCE.toISOString(),
        until: UNTIL.toISOString(),
        basis: 'current_state',
      },
    });
    expect(detail.id).toMatch(/^catchup-[0-9a-f]{32}$/);
  });

  it('leaves out objects changed after the window: the webhook delivered those', async () => {
    const w = world('*');
    w.reader.put('checks', check('late', 2, 5.5));
    w.reader.put('checks', check('early', 0, 0.5));

    const summary = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(w.publisher.entries).toHaveLength(0);
    expect(summary.counts.listed).toBe(0);
  });

  it('counts an object whose state no subscription needs as skipped, with the reason', async () => {
    const w = world('check.completed.rejected');
    w.reader.put('checks', check('c1', 2, 3, 'clear'));

    const summary = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(w.publisher.entries).toHaveLength(0);
    expect(summary.counts).toMatchObject({ listed: 1, published: 0, skipped: { no_subscribed_type: 1 } });
  });

  it('lists only what the subscriptions can use', () => {
    expect(phasesFor(parseEventTypeFilter('check.completed'))).toEqual(['checks']);
    expect(phasesFor(parseEventTypeFilter('client.deleted'))).toEqual(['auditLogs']);
    expect(phasesFor(parseEventTypeFilter('*'))).toEqual([
      'checks',
      'clients',
      'workflowSessions',
      'auditLogs',
    ]);
  });
});

describe('catch-up: never the same change twice', () => {
  it('publishes nothing on a second run over the same window', async () => {
    const w = world('*');
    for (let i = 0; i < 7; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    const first = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    const second = await catchUp({ since: SINCE, until: UNTIL }, w.deps({ newRunId: () => 'run-2' }));

    expect(first.counts.published).toBe(14);
    expect(second.counts).toMatchObject({ published: 0, alreadyKnown: 14 });
    expect(w.publisher.entries).toHaveLength(14);
  });

  it('publishes a change once across overlapping windows, and a later change of the object again', async () => {
    const w = world('check.completed');
    w.reader.put('checks', check('c1', 2, 3));
    await catchUp({ since: SINCE, until: UNTIL }, w.deps());
    w.clock.advance(2 * HOUR);
    w.reader.update('checks', 'c1', { result: { outcome: 'attention' } }, iso(T0 + 7 * HOUR));

    const second = await catchUp(
      { since: new Date(T0 + 2 * HOUR), until: new Date(T0 + 8 * HOUR) },
      w.deps(),
    );
    const third = await catchUp({ since: new Date(T0 + 3 * HOUR), until: new Date(T0 + 8 * HOUR) }, w.deps());

    expect(second.status).toBe('complete');
    expect(third).toMatchObject({ status: 'complete', counts: { published: 0, alreadyKnown: 1 } });
    const states = published(w.publisher).map((e) => (e.detail.payload as { updatedAt: string }).updatedAt);
    expect(states).toEqual([iso(T0 + 3 * HOUR), iso(T0 + 7 * HOUR)]);
  });

  it('misses nothing when objects already listed change during the listing (keyset paging)', async () => {
    const w = world('check.completed');
    // Newest first, 3 per page: c9..c7 on page 1, c6..c4 on page 2, ...
    for (let i = 0; i < 10; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    let lists = 0;
    w.reader.beforeList = () => {
      // After page 1 was read, two of its objects change again after the window: they leave the
      // filter, so page 2 by number would start two objects further down and skip c6 and c5.
      if (++lists === 2) {
        w.reader.update('checks', 'c9', { status: 'complete' }, iso(T0 + 5.9 * HOUR));
        w.reader.update('checks', 'c8', { status: 'complete' }, iso(T0 + 5.9 * HOUR));
      }
    };

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(changes(w.publisher).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `check#c${i}#check.completed`).sort(),
    );
  });

  it('pages through objects that share one createdAt across a whole page', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 8; i++) w.reader.put('checks', check(`same${i}`, 2, 3));
    w.reader.put('checks', check('older', 1.5, 3));

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(new Set(changes(w.publisher)).size).toBe(9);
    expect(w.publisher.entries).toHaveLength(9);
  });
});

describe('catch-up: resumable and bounded', () => {
  it('stops when told, and the next run resumes where it stopped: all published, none twice', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 10; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    let asked = 0;

    const first = await catchUp({ since: SINCE, until: UNTIL }, w.deps({ shouldStop: () => ++asked > 5 }));
    const second = await catchUp({ since: SINCE, until: UNTIL }, w.deps({ newRunId: () => 'other' }));

    expect(first.status).toBe('stopped');
    expect(first.counts.published).toBeGreaterThan(0);
    expect(first.counts.published).toBeLessThan(10);
    expect(second).toMatchObject({ status: 'complete', resumed: true, runId: 'run-1' });
    expect(second.counts.published).toBe(10);
    expect(changes(w.publisher).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `check#c${i}#check.completed`).sort(),
    );
  });

  it('does not re-read pages a stopped run finished', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 9; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    let asked = 0;
    // Page 1 (3 objects, 4 questions) and page 2's first question pass; then stop.
    await catchUp({ since: SINCE, until: UNTIL }, w.deps({ shouldStop: () => ++asked > 6 }));
    const callsBefore = w.reader.calls.length;

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    const resumedFrom = w.reader.calls[callsBefore]?.query;
    expect(resumedFrom?.createdBefore).toBeDefined();
  });

  it('fails on a publish error without losing the event: released, and published by the next run', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 5; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    w.publisher.failNext(new Error('PutEvents failed'));

    const first = await catchUp({ since: SINCE, until: UNTIL }, w.deps());
    const second = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(first.status).toBe('failed');
    expect(first.error).toContain('PutEvents failed');
    expect(w.ledger.callsOf('release')).toBe(1);
    expect(second.status).toBe('complete');
    expect(changes(w.publisher).sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => `check#c${i}#check.completed`).sort(),
    );
  });

  it('fails on an API error, keeps its place, and the next run completes', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 7; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));
    let lists = 0;
    w.reader.beforeList = () => {
      if (++lists === 2) throw new Error('ComplyCube answered 503 after 5 attempts');
    };

    const first = await catchUp({ since: SINCE, until: UNTIL }, w.deps());
    const second = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(first).toMatchObject({ status: 'failed', phase: 'checks' });
    expect(first.counts.published).toBe(3);
    expect(second).toMatchObject({ status: 'complete', resumed: true });
    expect(second.counts.published).toBe(7);
    expect(w.publisher.entries).toHaveLength(7);
  });

  it('waits for a claim another run holds instead of skipping it', async () => {
    const w = world('check.completed');
    w.reader.put('checks', check('c1', 2, 3));
    const key = `complycube#catch-up#check#c1#${iso(T0 + 3 * HOUR)}#check.completed`;
    // A crashed run claimed it and never published: its lease runs out, then this run takes over.
    await w.ledger.claim({ key, eventType: 'check.completed', bodySha256: 'x' });

    const summary = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(summary.status).toBe('complete');
    expect(w.publisher.entries).toHaveLength(1);
  });

  it('stops at the count bound and continues on the next run', async () => {
    const w = world('check.completed');
    for (let i = 0; i < 10; i++) w.reader.put('checks', check(`c${i}`, 1 + i * 0.1, 3));

    const first = await catchUp({ since: SINCE, until: UNTIL, maxObjects: 4 }, w.deps());
    const second = await catchUp({ since: SINCE, until: UNTIL, maxObjects: 100 }, w.deps());

    expect(first.status).toBe('limit_reached');
    expect(first.counts.published).toBeLessThan(10);
    expect(second.status).toBe('complete');
    expect(w.publisher.entries).toHaveLength(10);
  });

  it('refuses a window that ends in the future, is empty, or reaches past the retention', async () => {
    const w = world();
    const now = w.clock.now();
    const run = (since: number, until: number) =>
      catchUp({ since: new Date(since), until: new Date(until) }, w.deps());

    await expect(run(now - HOUR, now + HOUR)).rejects.toThrow(/in the future/);
    await expect(run(now - HOUR, now - HOUR)).rejects.toThrow(/must be before until/);
    await expect(run(now - 31 * 86_400_000, now)).rejects.toThrow(CatchUpWindowError);
    expect(w.reader.calls).toHaveLength(0);
  });
});

describe('catch-up: deletions, documents and addresses come from the audit log', () => {
  it('publishes a deletion the audit log shows, with the id alone', async () => {
    const w = world('client.deleted');
    w.reader.audit({
      resourceType: 'client',
      resourceId: 'gone',
      clientId: 'gone',
      action: 'delete',
      createdAt: iso(T0 + 2 * HOUR),
    });

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(published(w.publisher)).toEqual([
      expect.objectContaining({
        type: 'client.deleted',
        detail: expect.objectContaining({
          payload: { id: 'gone' },
          catchUp: expect.objectContaining({ basis: 'deletion' }),
        }),
      }),
    ]);
  });

  it('finds the documents that changed through the audit log and publishes their state', async () => {
    const w = world('document.created,document.updated');
    w.reader.put('documents', {
      id: 'd1',
      clientId: 'k1',
      type: 'passport',
      createdAt: iso(T0 + 2 * HOUR),
      updatedAt: iso(T0 + 2 * HOUR),
    });
    w.reader.put('documents', {
      id: 'd2',
      clientId: 'k1',
      type: 'driving_license',
      createdAt: iso(T0 - HOUR),
      updatedAt: iso(T0 + 3 * HOUR),
    });
    for (const [id, action, at] of [
      ['d1', 'create', 2],
      ['d2', 'update', 3],
    ] as const) {
      w.reader.audit({
        resourceType: 'document',
        resourceId: id,
        clientId: 'k1',
        action,
        createdAt: iso(T0 + at * HOUR),
      });
    }

    await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(changes(w.publisher).sort()).toEqual([
      'document#d1#document.created',
      'document#d2#document.updated',
    ]);
    // One listing of the client's documents serves both entries.
    expect(w.reader.calls.filter((c) => c.path === 'documents')).toHaveLength(1);
  });

  it('goes on without the audit log when the plan has none, and says what it could not recover', async () => {
    const w = world('*');
    w.reader.put('checks', check('c1', 2, 3));
    w.reader.beforeList = (path) => {
      if (path === 'auditLogs') throw new AuditLogUnavailableError('GET /auditLogs answered 403');
    };

    const summary = await catchUp({ since: SINCE, until: UNTIL }, w.deps());

    expect(summary.status).toBe('complete');
    expect(summary.auditLogUnavailable).toContain('403');
    expect(w.publisher.entries).toHaveLength(2);
  });
});

describe('stateEventTypes', () => {
  const window = { since: T0 + HOUR, until: T0 + 5 * HOUR };
  const at = (h: number) => iso(T0 + h * HOUR);

  it.each([
    ['check', { id: 'x', status: 'pending', createdAt: at(2), updatedAt: at(2) }, ['check.pending']],
    ['check', { id: 'x', status: 'failed', createdAt: at(2), updatedAt: at(3) }, ['check.failed']],
    [
      'check',
      { id: 'x', status: 'complete', outcome: 'rejected', createdAt: at(2), updatedAt: at(3) },
      ['check.completed', 'check.completed.rejected'],
    ],
    [
      'check',
      {
        id: 'x',
        status: 'complete',
        enableMonitoring: true,
        result: { outcome: 'attention' },
        createdAt: at(0),
        updatedAt: at(3),
      },
      ['check.completed', 'check.completed.attention', 'check.monitoring.attention'],
    ],
    ['client', { id: 'x', createdAt: at(2), updatedAt: at(2) }, ['client.created']],
    ['client', { id: 'x', createdAt: at(2), updatedAt: at(3) }, ['client.created', 'client.updated']],
    ['address', { id: 'x', createdAt: at(0), updatedAt: at(3) }, ['address.updated']],
    [
      'workflowSession',
      { id: 'x', status: 'complete', createdAt: at(2), updatedAt: at(3) },
      ['workflow.session.completed'],
    ],
    ['workflowSession', { id: 'x', status: 'abandoned', createdAt: at(2), updatedAt: at(3) }, []],
  ] as const)('%s %j gives %j', (resourceType, object, expected) => {
    expect(stateEventTypes(resourceType, object, window)).toEqual(expected);
  });
});

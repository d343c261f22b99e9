import { describe, expect, it } from 'vitest';
import { COMPLYCUBE_EVENT_TYPES } from '../../contract/event-types.js';
import { listFixtureTypes, loadFixture, newEventId, withFreshId } from '../../fixtures/complycube.js';

const OBJECT_ID = /^[0-9a-f]{24}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CHECK_OUTCOMES = ['clear', 'attention', 'rejected', 'match_confirmed'];

describe('ComplyCube fixtures', () => {
  it('has exactly one fixture per documented event type', () => {
    expect(listFixtureTypes()).toEqual([...COMPLYCUBE_EVENT_TYPES].sort());
  });

  it.each(listFixtureTypes())('%s: has the event envelope, named after its file', (type) => {
    const event = loadFixture(type);

    expect(event.type).toBe(type);
    expect(event.id).toMatch(OBJECT_ID);
    expect(event.createdAt).toMatch(ISO_TIME);
    expect(event.payload.id).toMatch(OBJECT_ID);
    expect(
      type.startsWith(event.resourceType === 'workflowSession' ? 'workflow.session.' : event.resourceType),
    ).toBe(true);
  });

  it('uses a different event id in every fixture', () => {
    const ids = listFixtureTypes().map((type) => loadFixture(type).id);

    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(listFixtureTypes().filter((t) => t.endsWith('.deleted')))('%s: carries the id alone', (type) => {
    expect(Object.keys(loadFixture(type).payload)).toEqual(['id']);
  });

  it.each(listFixtureTypes().filter((t) => t.startsWith('check.') && t !== 'check.updated'))(
    '%s: a check with a status, an outcome only when complete, and timestamps',
    (type) => {
      const { payload } = loadFixture(type);

      expect(['pending', 'complete', 'failed']).toContain(payload.status);
      if (payload.status === 'complete') expect(CHECK_OUTCOMES).toContain(payload.outcome);
      else expect(payload).not.toHaveProperty('outcome');
      expect(payload.createdAt).toMatch(ISO_TIME);
      expect(payload.updatedAt).toMatch(ISO_TIME);
    },
  );

  it.each(['check.completed.clear', 'check.completed.attention', 'check.completed.rejected'])(
    '%s: has the outcome its type names',
    (type) => {
      expect(loadFixture(type).payload.outcome).toBe(type.split('.')[2]);
    },
  );
});

describe('withFreshId', () => {
  it('gives the event a new 24-hex id and the current time, and keeps the rest', () => {
    const original = loadFixture('check.completed.clear');
    const now = new Date('2024-03-01T12:00:00.000Z');

    const fresh = withFreshId(original, now);

    expect(fresh.id).toMatch(OBJECT_ID);
    expect(fresh.id).not.toBe(original.id);
    expect(fresh.createdAt).toBe('2024-03-01T12:00:00.000Z');
    expect(fresh.payload).toEqual(original.payload);
    expect(fresh.type).toBe(original.type);
  });

  it('makes ids that do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newEventId()));

    expect(ids.size).toBe(1000);
  });
});

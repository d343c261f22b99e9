import { describe, expect, it } from 'vitest';
import { COMPLYCUBE_EVENT_TYPES } from '../../contract/event-types.js';
import { listFixtureTypes, loadFixture } from '../../fixtures/complycube.js';
import { readEvent } from '../../functions/subscriber/index.js';
import {
  busEvent,
  compliancelyBusEvent,
  compliancelyFixtureBusEvent,
  complyCubeBusEvent,
  fixtureBusEvent,
} from '../helpers/bus-events.js';
import { listCompliancelyFixtures, loadCompliancelyFixture } from '../helpers/compliancely.js';

function reason(input: unknown): string {
  const read = readEvent(input);
  if (read.ok !== false) throw new Error(`expected a refusal, got ${JSON.stringify(read)}`);
  return read.reason;
}

describe('readEvent: what a subscriber accepts', () => {
  it.each(listFixtureTypes())('accepts the %s fixture as a known event with its envelope intact', (type) => {
    const read = readEvent(fixtureBusEvent(type));
    expect(read.ok).toBe(true);
    if (read.ok !== true) return;
    expect(read.event).toMatchObject({ ...loadFixture(type), provider: 'complycube', known: true });
  });

  it('has a fixture for every documented type, so each shape is exercised', () => {
    expect(listFixtureTypes()).toEqual([...COMPLYCUBE_EVENT_TYPES].sort());
  });

  it.each(listCompliancelyFixtures())(
    'accepts the Compliancely %s record under the receiver’s derived id and type',
    (slug) => {
      const record = loadCompliancelyFixture(slug);
      const read = readEvent(compliancelyFixtureBusEvent(slug));
      if (read.ok !== true) throw new Error(JSON.stringify(read));
      expect(read.event.provider).toBe('compliancely');
      expect(read.event.known).toBe(true);
      expect(read.event.type).toBe(`tin_check.${slug}`);
      expect(read.event.id).toBe(`${record.id}#${new Date(record.updated_date).toISOString()}#${slug}`);
      expect(read.event.payload).toEqual(record);
    },
  );

  it('lets an undocumented ComplyCube type through as an unknown event', () => {
    const fixture = loadFixture('check.completed.clear');
    const read = readEvent(complyCubeBusEvent({ ...fixture, type: 'check.completed.brand_new' }));
    if (read.ok !== true) throw new Error(JSON.stringify(read));
    expect(read.event.known).toBe(false);
    expect(read.event.type).toBe('check.completed.brand_new');
  });

  it('lets an undocumented Compliancely status through as an unknown event', () => {
    const read = readEvent(
      compliancelyBusEvent({ ...loadCompliancelyFixture('pending'), status: 'On Hold' }),
    );
    if (read.ok !== true) throw new Error(JSON.stringify(read));
    expect(read.event).toMatchObject({ known: false, type: 'tin_check.on_hold' });
  });

  it('keeps the catch-up marker of a caught-up event', () => {
    const fixture = loadFixture('check.completed.clear');
    const catchUp = {
      runId: 'run-1',
      since: '2020-01-01T00:00:00.000Z',
      until: '2020-01-02T00:00:00.000Z',
      basis: 'current_state',
    };
    const read = readEvent(complyCubeBusEvent({ ...fixture, catchUp }));
    if (read.ok !== true) throw new Error(JSON.stringify(read));
    expect(read.event).toMatchObject({ catchUp });
  });

  it('reads a pointer to a stored body as such', () => {
    const pointer = { bucket: 'b', key: 'complycube/2026-01-01/abc', bytes: 10, sha256: 'a'.repeat(64) };
    const read = readEvent(
      busEvent('com.complycube', 'check.pending', { id: 'e', type: 'check.pending', payloadStored: pointer }),
    );
    expect(read).toEqual({ ok: 'stored', pointer, source: 'com.complycube', detailType: 'check.pending' });
  });
});

describe('readEvent: what a subscriber refuses, and why', () => {
  const clear = () => loadFixture('check.completed.clear');

  it.each([
    ['not an object', 'a string', /not an EventBridge event/],
    ['no detail', { source: 'com.complycube', 'detail-type': 'x' }, /detail is not an object/],
    ['another source', busEvent('com.example', 'x', {}), /source 'com.example'/],
  ])('refuses %s', (_name, input, expected) => {
    expect(reason(input)).toMatch(expected);
  });

  it('refuses an envelope without an id, with the field named', () => {
    const { id: _, ...rest } = clear();
    expect(reason(complyCubeBusEvent({ ...rest, type: 'check.completed.clear' }))).toBe(
      'detail.id is missing',
    );
  });

  it('refuses a detail whose type is not the detail-type it was routed by', () => {
    expect(reason(busEvent('com.complycube', 'check.pending', clear()))).toMatch(
      /not the event's detail-type/,
    );
  });

  it('refuses a createdAt that is not a date and time', () => {
    expect(reason(complyCubeBusEvent({ ...clear(), createdAt: 'yesterday' }))).toBe(
      'detail.createdAt is not an ISO 8601 date and time',
    );
  });

  it('refuses a payload that is not an object', () => {
    expect(reason(complyCubeBusEvent({ ...clear(), payload: [] }))).toBe('detail.payload is not an object');
  });

  it('refuses a documented type under another resource type', () => {
    expect(reason(complyCubeBusEvent({ ...clear(), resourceType: 'client' }))).toMatch(
      /detail.resourceType is 'client'; a check.completed.clear event's is 'check'/,
    );
  });

  it('refuses a check.completed.clear whose outcome is not clear, since the type promises it', () => {
    expect(reason(fixtureBusEvent('check.completed.clear', { payload: { outcome: 'rejected' } }))).toBe(
      "detail.payload.outcome is 'rejected', not 'clear'",
    );
  });

  it('refuses a payload without a field its type requires', () => {
    expect(reason(fixtureBusEvent('client.created', { payload: { createdAt: undefined } }))).toBe(
      'detail.payload.createdAt is missing',
    );
  });

  it('refuses an optional field of the wrong JSON type, without quoting a long value', () => {
    const text = reason(fixtureBusEvent('client.updated', { payload: { email: 42 } }));
    expect(text).toBe('detail.payload.email is number 42, not a string');
  });

  it('refuses an unknown type whose payload id is not a string, since order and once rely on it', () => {
    const event = complyCubeBusEvent({ ...clear(), type: 'brand.new', payload: { id: 7 } });
    expect(reason(event)).toMatch(/detail.payload.id is number 7, not a string/);
  });

  it('refuses a Compliancely record without a usable updated_date', () => {
    expect(
      reason(compliancelyBusEvent({ ...loadCompliancelyFixture('pending'), updated_date: 'soon' })),
    ).toMatch(/not a TIN check \(invalid_updated_date\)/);
  });

  it('refuses a catch-up marker without its window', () => {
    const event = complyCubeBusEvent({ ...clear(), catchUp: { runId: 'r', basis: 'current_state' } });
    expect(reason(event)).toBe('detail.catchUp.since is missing');
  });

  it('refuses a pointer whose digest is not one', () => {
    const detail = { id: 'e', type: 'x', payloadStored: { bucket: 'b', key: 'k', bytes: 1, sha256: 'nope' } };
    expect(reason(busEvent('com.complycube', 'x', detail))).toMatch(/sha256 is not 64 lowercase hex/);
  });
});

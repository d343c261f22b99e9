import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPLIANCELY_EVENT_TYPES, parsePatterns } from '../../contract/event-types.js';
import { COMPLIANCELY_SOURCE } from '../../contract/providers.js';
import {
  COMPLIANCELY_STATUSES,
  compliancely,
  compliancelyEventType,
  MAX_STATUS_SLUG_LENGTH,
  statusSlug,
} from '../../functions/receiver/providers/compliancely.js';
import { type ProviderEvent, parseTimestamp } from '../../functions/receiver/providers/provider.js';
import {
  compliancelyDate,
  listCompliancelyFixtures,
  loadCompliancelyFixture,
  loadCompliancelyFixtureText,
} from '../helpers/compliancely.js';

/** What the provider reads from a JSON body; fails the test when the body is not routable. */
function read(body: unknown): ProviderEvent {
  const text = JSON.stringify(body);
  const result = compliancely.readEvent(JSON.parse(text), text);
  if (!result.ok) throw new Error(`expected an event, got reason ${result.reason}`);
  return result.event;
}

function reason(body: unknown): string {
  const text = JSON.stringify(body);
  const result = compliancely.readEvent(JSON.parse(text), text);
  if (result.ok) throw new Error(`expected a quarantine reason, got event ${result.event.id}`);
  return result.reason;
}

const RECORD = {
  id: 4989258,
  name: 'Fictional Trading LLC',
  tin: '900000099',
  status: 'Did Not Match',
  created_by: 'compliancely',
  irs_code: 3,
  irs_reason: 'TIN and Name combination does not match IRS records.',
  irs_service_status: 'RUNNING',
  last_irs_check_date: '2023-02-20T18:02:33Z',
  created_date: '2023-02-20T18:02:33Z',
  updated_date: '2023-02-20T18:02:33Z',
};

describe('Compliancely: the provider definition', () => {
  it('publishes under its own source and quarantine source, and reads its own header', () => {
    expect(compliancely.name).toBe('compliancely');
    expect(compliancely.source).toBe(COMPLIANCELY_SOURCE);
    expect(compliancely.source).toBe('com.compliancely');
    expect(compliancely.quarantineSource).toBe('com.compliancely.quarantine');
    expect(compliancely.signatureHeader).toBe('compliancely-signature');
  });

  it('declares that unsigned operation is possible', () => {
    expect(compliancely.signingOptional).toBe(true);
  });
});

describe('Compliancely: event types from statuses', () => {
  it('derives exactly the catalogue from the documented statuses, in order', () => {
    expect(COMPLIANCELY_STATUSES.map(compliancelyEventType)).toEqual([...COMPLIANCELY_EVENT_TYPES]);
    expect(COMPLIANCELY_EVENT_TYPES).toEqual([
      'tin_check.pending',
      'tin_check.tin_matched',
      'tin_check.did_not_match',
      'tin_check.in_review',
    ]);
  });

  it.each([
    ['Did Not Match', 'did_not_match'],
    ['  In   Review ', 'in_review'],
    ['IN_REVIEW', 'in_review'],
    ['In-Review', 'in_review'],
    ['TIN Matched!', 'tin_matched'],
    ['Vérifié', 'verifie'],
    ['Escalated to Compliance (2nd level)', 'escalated_to_compliance_2nd_level'],
    ['ﬁnal', 'final'],
  ])('slugs %j as %j', (status, slug) => {
    expect(statusSlug(status)).toBe(slug);
  });

  it.each(['???', '審査中', '—', '🙂'])(
    'gives %j, which has no letter or digit to keep, a stable hashed slug',
    (status) => {
      const slug = statusSlug(status);

      expect(slug).toMatch(/^other_[0-9a-f]{12}$/);
      expect(statusSlug(status)).toBe(slug);
    },
  );

  it('gives a status too long for a type a slug of 64 characters ending in its hash', () => {
    const status = `Awaiting ${'very '.repeat(30)}long review`;

    const slug = statusSlug(status);

    expect(slug).toHaveLength(MAX_STATUS_SLUG_LENGTH);
    expect(slug).toMatch(/^awaiting_very_very_[a-z_]+_[0-9a-f]{12}$/);
    expect(slug).not.toContain('__');
  });

  it('turns any status into a type EventBridge accepts and subscribe() can name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme' }), (status) => {
        const type = compliancelyEventType(status);

        expect(type).toMatch(/^tin_check\.[a-z0-9](?:[a-z0-9_]*[a-z0-9])?$/);
        expect(type.length).toBeLessThanOrEqual(10 + MAX_STATUS_SLUG_LENGTH);
        expect(compliancelyEventType(status)).toBe(type);
        expect(parsePatterns([type]).exact).toEqual([type]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps long statuses that differ only after the cut-off apart', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,20}$/), fc.stringMatching(/^[a-z]{1,20}$/), (a, b) => {
        fc.pre(a !== b);
        const head = 'x'.repeat(70);
        expect(statusSlug(`${head} ${a}`)).not.toBe(statusSlug(`${head} ${b}`));
      }),
    );
  });
});

describe('Compliancely: the idempotency key', () => {
  it('is the record id, the canonical updated_date and the status slug', () => {
    expect(read(RECORD).id).toBe('4989258#2023-02-20T18:02:33.000Z#did_not_match');
  });

  it('is the same for the same state however the record is spelled', () => {
    const reordered = Object.fromEntries(Object.entries(RECORD).reverse());

    const keys = new Set([
      read(RECORD).id,
      read(reordered).id,
      read({ ...RECORD, id: '4989258' }).id,
      read({ ...RECORD, updated_date: '2023-02-20T18:02:33.000Z' }).id,
      read({ ...RECORD, updated_date: '2023-02-20T20:02:33+02:00' }).id,
      read({ ...RECORD, status: 'DID NOT MATCH' }).id,
    ]);

    expect(keys.size).toBe(1);
  });

  it('ignores every field but id, updated_date and status', () => {
    const changed = {
      ...RECORD,
      name: 'Another Name Inc',
      irs_code: 1,
      irs_reason: 'something else',
      irs_service_status: 'DOWN',
      last_irs_check_date: '2023-02-21T00:00:00Z',
      extra: { nested: true },
    };

    expect(read(changed).id).toBe(read(RECORD).id);
  });

  it('changes when the status changes, even if updated_date did not move', () => {
    expect(read({ ...RECORD, status: 'In Review' }).id).not.toBe(read(RECORD).id);
  });

  it('changes when updated_date moves, even if the status is the same', () => {
    expect(read({ ...RECORD, updated_date: '2023-02-20T18:02:34Z' }).id).not.toBe(read(RECORD).id);
  });

  it('is a function of the state: equal states share a key, different states never do', () => {
    const state = fc.record({
      id: fc.oneof(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/)),
      updated: fc.date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2099-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      status: fc.constantFrom(...COMPLIANCELY_STATUSES, 'Escalated', 'On Hold'),
    });
    const key = (s: { id: number | string; updated: Date; status: string }) =>
      read({ ...RECORD, id: s.id, updated_date: s.updated.toISOString(), status: s.status }).id;
    fc.assert(
      fc.property(state, state, (a, b) => {
        const same =
          String(a.id) === String(b.id) &&
          a.updated.getTime() === b.updated.getTime() &&
          statusSlug(a.status) === statusSlug(b.status);
        expect(key(a) === key(b)).toBe(same);
      }),
      { numRuns: 2_000 },
    );
  });

  it('stays inside the ledger key limit for the longest id and status', () => {
    const event = read({ ...RECORD, id: 'i'.repeat(128), status: 's '.repeat(200) });

    expect(event.id.length).toBeLessThanOrEqual(256);
  });
});

describe('Compliancely: reading each fixture', () => {
  const expected: Record<string, { key: string; type: string; time: string }> = {
    pending: {
      key: '7310001#2024-03-01T09:15:00.000Z#pending',
      type: 'tin_check.pending',
      time: '2024-03-01T09:15:00.000Z',
    },
    tin_matched: {
      key: '7310002#2024-03-01T09:20:41.000Z#tin_matched',
      type: 'tin_check.tin_matched',
      time: '2024-03-01T09:20:41.000Z',
    },
    did_not_match: {
      key: '7310003#2024-03-01T10:02:33.000Z#did_not_match',
      type: 'tin_check.did_not_match',
      time: '2024-03-01T10:02:33.000Z',
    },
    in_review: {
      key: '7310004#2024-03-01T10:40:18.000Z#in_review',
      type: 'tin_check.in_review',
      time: '2024-03-01T10:40:18.000Z',
    },
  };

  it('has exactly one fixture per documented status, named by its slug', () => {
    expect(listCompliancelyFixtures()).toEqual(Object.keys(expected).sort());
    expect(listCompliancelyFixtures()).toEqual(COMPLIANCELY_STATUSES.map(statusSlug).sort());
  });

  it.each(listCompliancelyFixtures())('%s: the documented record shape, with its status', (slug) => {
    const record = loadCompliancelyFixture(slug);

    expect(statusSlug(record.status)).toBe(slug);
    expect(record.updated_date).toBe(compliancelyDate(new Date(record.updated_date)));
    expect(Date.parse(record.created_date)).toBeLessThanOrEqual(Date.parse(record.updated_date));
  });

  it.each(listCompliancelyFixtures())('%s: key, type, time, and the text as detail', (slug) => {
    const text = loadCompliancelyFixtureText(slug);

    const result = compliancely.readEvent(JSON.parse(text), text);

    const want = expected[slug];
    expect(result).toEqual({
      ok: true,
      event: { id: want?.key, type: want?.type, time: new Date(want?.time ?? ''), detail: text },
    });
  });
});

describe('Compliancely: unknown statuses flow through', () => {
  it.each([
    ['Escalated', 'tin_check.escalated'],
    ['Manual Review Required', 'tin_check.manual_review_required'],
    ['pending', 'tin_check.pending'],
  ])('reads status %j as type %j', (status, type) => {
    expect(read({ ...RECORD, status }).type).toBe(type);
  });

  it('routes any non-blank status, whatever its characters', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }).filter((s) => s.trim() !== ''),
        (status) => {
          const event = read({ ...RECORD, status });
          expect(event.type).toBe(compliancelyEventType(status));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Compliancely: bodies that cannot be routed', () => {
  it.each<[string, unknown]>([
    ['not_an_object', [RECORD]],
    ['not_an_object', 'Did Not Match'],
    ['not_an_object', null],
    ['missing_id', { ...RECORD, id: undefined }],
    ['missing_id', { ...RECORD, id: null }],
    ['invalid_id', { ...RECORD, id: -1 }],
    ['invalid_id', { ...RECORD, id: 1.5 }],
    ['invalid_id', { ...RECORD, id: 2 ** 60 }],
    ['invalid_id', { ...RECORD, id: '' }],
    ['invalid_id', { ...RECORD, id: 'a#b' }],
    ['invalid_id', { ...RECORD, id: 'has space' }],
    ['invalid_id', { ...RECORD, id: 'x'.repeat(129) }],
    ['invalid_id', { ...RECORD, id: { value: 1 } }],
    ['invalid_id', { ...RECORD, id: true }],
    ['missing_status', { ...RECORD, status: undefined }],
    ['missing_status', { ...RECORD, status: '' }],
    ['missing_status', { ...RECORD, status: '   ' }],
    ['missing_status', { ...RECORD, status: 3 }],
    ['missing_status', { ...RECORD, status: ['Pending'] }],
    ['missing_updated_date', { ...RECORD, updated_date: undefined }],
    ['missing_updated_date', { ...RECORD, updated_date: null }],
    ['invalid_updated_date', { ...RECORD, updated_date: 'yesterday' }],
    ['invalid_updated_date', { ...RECORD, updated_date: '2023-02-20' }],
    ['invalid_updated_date', { ...RECORD, updated_date: '2023-02-20T18:02:33' }],
    ['invalid_updated_date', { ...RECORD, updated_date: '2023-02-31T18:02:33Z' }],
    ['invalid_updated_date', { ...RECORD, updated_date: 1676916153000 }],
  ])('quarantines with reason %s: %j', (want, body) => {
    expect(reason(body)).toBe(want);
  });
});

describe('parseTimestamp (shared): a derived key needs every field in range', () => {
  it.each([
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2023-12-31T23:59:59.999+05:30', '2023-12-31T18:29:59.999Z'],
    ['2023-02-20T18:02:33.123456789Z', '2023-02-20T18:02:33.123Z'],
  ])('reads %s', (value, iso) => {
    expect(parseTimestamp(value)?.toISOString()).toBe(iso);
  });

  it.each([
    '2023-02-29T12:00:00Z',
    '1900-02-29T12:00:00Z',
    '2023-02-31T18:02:33Z',
    '2023-04-31T18:02:33Z',
    '2023-13-01T00:00:00Z',
    '2023-00-10T00:00:00Z',
    '2023-01-00T00:00:00Z',
    '2023-01-01T24:00:00Z',
    '2023-01-01T23:60:00Z',
    '2023-01-01T23:59:60Z',
    '2023-01-01T12:00:00+24:00',
    '2023-01-01T12:00:00+01:60',
  ])('refuses %s, which Date.parse would roll over or misread', (value) => {
    expect(parseTimestamp(value)).toBeUndefined();
  });
});

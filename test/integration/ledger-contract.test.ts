/**
 * The ledger contract: the same cases against the in-memory fake the unit tests use and against
 * `DynamoDbLedger` on DynamoDB Local, so the fake cannot drift from the real thing. Each case names
 * a behaviour the receive path relies on.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/receiver/adapters/dynamodb-ledger.js';
import type { Claim, ClaimResult, Ledger } from '../../functions/receiver/core/ports/ledger.js';
import { FakeClock, FakeLedger } from '../helpers/fakes.js';
import {
  createTestResources,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  useEmulatorEnv,
} from '../support/aws-env.js';

const LEASE_SECONDS = 30;
const RETENTION_SECONDS = 3_600;

interface Subject {
  readonly ledger: Ledger;
  readonly clock: FakeClock;
}

type MakeLedger = () => Subject;

let tableName: string;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  // No TTL: an expired record stays in the table, as it does for days before TTL deletes it.
  ({ tableName } = await createTestResources('ledger-contract', { enableTtl: false }));
  dynamodb = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
});

const implementations: ReadonlyArray<readonly [string, MakeLedger]> = [
  [
    'FakeLedger (in memory)',
    () => {
      const clock = new FakeClock(Date.now());
      return {
        clock,
        ledger: new FakeLedger({ clock, leaseSeconds: LEASE_SECONDS, retentionSeconds: RETENTION_SECONDS }),
      };
    },
  ],
  [
    'DynamoDbLedger (DynamoDB Local)',
    () => {
      const clock = new FakeClock(Date.now());
      return {
        clock,
        ledger: new DynamoDbLedger({
          client: dynamodb,
          tableName,
          leaseSeconds: LEASE_SECONDS,
          retentionSeconds: RETENTION_SECONDS,
          clock,
        }),
      };
    },
  ],
];

function request(key: string, bodySha256 = 'a'.repeat(64)) {
  return { key, eventType: 'check.completed.clear', bodySha256 };
}

function claimed(result: ClaimResult): Claim {
  if (result.outcome !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result.claim;
}

describe.each(implementations)('the ledger contract: %s', (_name, make) => {
  const key = () => `complycube#${randomUUID()}`;

  it('claims a key nobody has seen, taking nothing over', async () => {
    const { ledger } = make();
    const k = key();

    const result = await ledger.claim(request(k));

    expect(result).toEqual({
      outcome: 'claimed',
      claim: { key: k, token: expect.any(String), tookOver: false },
    });
  });

  it('answers in_progress, with the lease end, while another attempt holds a live claim', async () => {
    const { ledger, clock } = make();
    const k = key();
    const claimedAt = clock.now();
    await ledger.claim(request(k));
    clock.advance(LEASE_SECONDS * 1000 - 1);

    const result = await ledger.claim(request(k));

    expect(result).toEqual({ outcome: 'in_progress', leaseExpiresAt: claimedAt + LEASE_SECONDS * 1000 });
  });

  it('answers duplicate once completed, with the first body digest', async () => {
    const { ledger } = make();
    const k = key();
    const claim = claimed(await ledger.claim(request(k, 'b'.repeat(64))));

    expect(await ledger.complete(claim)).toBe('completed');
    const again = await ledger.claim(request(k, 'c'.repeat(64)));

    expect(again).toEqual({ outcome: 'duplicate', bodySha256: 'b'.repeat(64) });
  });

  it('lets the next attempt claim a released key afresh', async () => {
    const { ledger } = make();
    const k = key();
    await ledger.release(claimed(await ledger.claim(request(k))));

    const again = await ledger.claim(request(k));

    expect(again).toMatchObject({ outcome: 'claimed', claim: { tookOver: false } });
  });

  it('lets a retry take over a claim whose lease has run out; the old holder then loses it', async () => {
    const { ledger, clock } = make();
    const k = key();
    const first = claimed(await ledger.claim(request(k)));
    clock.advance(LEASE_SECONDS * 1000 + 1);

    const second = claimed(await ledger.claim(request(k)));

    expect(second.tookOver).toBe(true);
    expect(second.token).not.toBe(first.token);
    expect(await ledger.complete(first)).toBe('lease_lost');
    // The old holder's release must not remove the new claim.
    await ledger.release(first);
    expect(await ledger.claim(request(k))).toMatchObject({ outcome: 'in_progress' });
    expect(await ledger.complete(second)).toBe('completed');
  });

  it('keeps a completed key a duplicate after the lease, and forgets it after the retention', async () => {
    const { ledger, clock } = make();
    const k = key();
    await ledger.complete(claimed(await ledger.claim(request(k))));
    clock.advance(LEASE_SECONDS * 1000 + 1);
    expect(await ledger.claim(request(k))).toMatchObject({ outcome: 'duplicate' });

    clock.advance(RETENTION_SECONDS * 1000 + 1_000);
    const later = await ledger.claim(request(k));

    // Past its expiry the record counts as absent, though TTL has not deleted it.
    expect(later).toMatchObject({ outcome: 'claimed', claim: { tookOver: true } });
  });

  it('says lease_lost when completing a claim whose record is gone', async () => {
    const { ledger } = make();
    const k = key();
    const claim = claimed(await ledger.claim(request(k)));
    await ledger.release(claim);

    expect(await ledger.complete(claim)).toBe('lease_lost');
  });

  it('releases quietly what is no longer there', async () => {
    const { ledger } = make();
    const k = key();
    const claim = claimed(await ledger.claim(request(k)));
    await ledger.release(claim);

    await expect(ledger.release(claim)).resolves.toBeUndefined();
  });
});

/**
 * In-memory fakes for the receiver's ports. They keep the semantics of the real adapters (the
 * ledger behaves like `DynamoDbLedger`, item for item) so a test of `receive()` reads like the
 * system it describes, without AWS.
 */

import type { Clock } from '../../functions/receiver/core/clock.js';
import type { LogFields, Logger } from '../../functions/receiver/core/logger.js';
import type {
  Claim,
  ClaimRequest,
  ClaimResult,
  CompleteResult,
  Ledger,
} from '../../functions/receiver/core/ports/ledger.js';
import type { BusEntry, Publisher, PublishReceipt } from '../../functions/receiver/core/ports/publisher.js';
import type { SecretSource } from '../../functions/receiver/core/ports/secret-source.js';

/** 2024-03-01T12:00:00.000Z: a fixed, whole-second start so lease arithmetic reads easily. */
export const FAKE_EPOCH = Date.UTC(2024, 2, 1, 12, 0, 0);

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: number = FAKE_EPOCH) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

/** A ledger item, with the attributes `DynamoDbLedger` writes. Times as it stores them. */
export interface LedgerRecord {
  readonly status: 'IN_PROGRESS' | 'COMPLETED';
  readonly claimToken: string;
  /** Epoch milliseconds; only while IN_PROGRESS. */
  readonly leaseExpiresAt: number | undefined;
  /** Epoch seconds (DynamoDB TTL). */
  readonly expiresAt: number;
  readonly eventType: string;
  readonly bodySha256: string;
  readonly claimedAt: number;
  readonly completedAt: number | undefined;
}

export type LedgerOperation = 'claim' | 'complete' | 'release';

export interface FakeLedgerOptions {
  readonly clock: Clock;
  /** @default 30 days */
  readonly retentionSeconds?: number;
  /** @default 30 */
  readonly leaseSeconds?: number;
  readonly newToken?: () => string;
}

/**
 * The idempotency ledger in memory, with `DynamoDbLedger`'s rules:
 *
 * - claim succeeds when there is no record, the record's expiry (seconds) has passed, or it is
 *   IN_PROGRESS and its lease (milliseconds) has passed; otherwise it reports the record in the way;
 * - complete and release act only for the holder of the claim's token (`lease_lost` / no-op).
 *
 * `failNext(operation, error)` makes the next call of that operation reject with `error` without
 * touching the state, as a failed DynamoDB call would.
 */
export class FakeLedger implements Ledger {
  readonly records = new Map<string, LedgerRecord>();
  /** Every call, in order, including failed ones. */
  readonly calls: { readonly operation: LedgerOperation; readonly key: string }[] = [];
  private readonly clock: Clock;
  private readonly retentionSeconds: number;
  private readonly leaseSeconds: number;
  private readonly newToken: () => string;
  private readonly failures: Record<LedgerOperation, unknown[]> = { claim: [], complete: [], release: [] };
  private tokens = 0;

  constructor(options: FakeLedgerOptions) {
    this.clock = options.clock;
    this.retentionSeconds = options.retentionSeconds ?? 30 * 86_400;
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.newToken = options.newToken ?? (() => `token-${++this.tokens}`);
  }

  /** The next call of `operation` rejects with `error`. Queues: call twice to fail twice. */
  failNext(operation: LedgerOperation, error: unknown): void {
    this.failures[operation].push(error);
  }

  callsOf(operation: LedgerOperation): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    this.record('claim', request.key);
    const now = this.clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const old = this.records.get(request.key);
    const claimable =
      old === undefined ||
      old.expiresAt < nowSeconds ||
      (old.status === 'IN_PROGRESS' && old.leaseExpiresAt !== undefined && old.leaseExpiresAt < now);
    if (!claimable) {
      if (old.status === 'COMPLETED') return { outcome: 'duplicate', bodySha256: old.bodySha256 };
      return { outcome: 'in_progress', leaseExpiresAt: old.leaseExpiresAt ?? now + 1000 };
    }
    const token = this.newToken();
    this.records.set(request.key, {
      status: 'IN_PROGRESS',
      claimToken: token,
      leaseExpiresAt: now + this.leaseSeconds * 1000,
      expiresAt: nowSeconds + this.retentionSeconds,
      eventType: request.eventType,
      bodySha256: request.bodySha256,
      claimedAt: now,
      completedAt: undefined,
    });
    return { outcome: 'claimed', claim: { key: request.key, token, tookOver: old !== undefined } };
  }

  async complete(claim: Claim): Promise<CompleteResult> {
    this.record('complete', claim.key);
    const now = this.clock.now();
    const old = this.records.get(claim.key);
    if (old === undefined || old.claimToken !== claim.token) return 'lease_lost';
    this.records.set(claim.key, {
      ...old,
      status: 'COMPLETED',
      leaseExpiresAt: undefined,
      expiresAt: Math.floor(now / 1000) + this.retentionSeconds,
      completedAt: now,
    });
    return 'completed';
  }

  async release(claim: Claim): Promise<void> {
    this.record('release', claim.key);
    if (this.records.get(claim.key)?.claimToken === claim.token) this.records.delete(claim.key);
  }

  private record(operation: LedgerOperation, key: string): void {
    this.calls.push({ operation, key });
    const failures = this.failures[operation];
    if (failures.length > 0) {
      const error = failures.shift();
      throw error;
    }
  }
}

/**
 * Records every entry it accepts. `failNext(error)` rejects the next publish (nothing recorded);
 * `failAlways(error)` rejects every publish until `failAlways(undefined)`. `onPublish` runs inside
 * a publish before it resolves, to interleave another attempt.
 */
export class RecordingPublisher implements Publisher {
  readonly entries: BusEntry[] = [];
  /** Every attempt, accepted or not. */
  attempts = 0;
  onPublish: ((entry: BusEntry) => Promise<void> | void) | undefined;
  private readonly failures: unknown[] = [];
  private always: unknown;

  failNext(error: unknown): void {
    this.failures.push(error);
  }

  failAlways(error: unknown): void {
    this.always = error;
  }

  async publish(entry: BusEntry): Promise<PublishReceipt> {
    this.attempts++;
    if (this.failures.length > 0) throw this.failures.shift();
    if (this.always !== undefined) throw this.always;
    await this.onPublish?.(entry);
    this.entries.push(entry);
    return { attempts: 1 };
  }
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** Keeps every line logged. `text()` is everything as one string, for "never contains" checks. */
export class CapturingLogger implements Logger {
  readonly lines: LogLine[] = [];

  info(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', message, fields });
  }

  warn(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', message, fields });
  }

  error(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', message, fields });
  }

  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((line) => line.level === level);
  }

  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

/**
 * A secret store. `value` is what the next fetch returns; `failNext(error)` rejects the next
 * fetch; `hold()` makes fetches wait until the returned function is called.
 */
export class FakeSecretSource implements SecretSource {
  readonly description: string;
  value: string;
  fetches = 0;
  private readonly failures: unknown[] = [];
  private gate: Promise<void> | undefined;

  constructor(value: string, description = 'the fake webhook secret') {
    this.value = value;
    this.description = description;
  }

  failNext(error: unknown): void {
    this.failures.push(error);
  }

  hold(): () => void {
    let open = (): void => {};
    this.gate = new Promise<void>((resolve) => {
      open = () => {
        this.gate = undefined;
        resolve();
      };
    });
    return open;
  }

  async fetch(): Promise<string> {
    this.fetches++;
    if (this.gate !== undefined) await this.gate;
    if (this.failures.length > 0) throw this.failures.shift();
    return this.value;
  }
}

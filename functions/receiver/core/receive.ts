import { createHash } from 'node:crypto';
import type { SignatureVerification } from '../../../contract/env.js';
import type { Verdict } from '../../../contract/verdicts.js';
import type { ProviderEvent, WebhookProvider } from '../providers/provider.js';
import type { Clock } from './clock.js';
import type { CallOptions, Deadline } from './deadline.js';
import {
  InProgressError,
  LedgerError,
  MethodNotAllowedError,
  PayloadStoreError,
  PayloadTooLargeError,
  PublishError,
  ReceiverError,
  SecretUnavailableError,
} from './errors.js';
import { describeError, type LogFields, type Logger } from './logger.js';
import type { Ledger } from './ports/ledger.js';
import type { PayloadStore, StoredPayload } from './ports/payload-store.js';
import type { BusEntry, Publisher } from './ports/publisher.js';
import type { WebhookSecrets } from './secrets.js';
import { carriesSignature, type Headers, matchSecret, mismatch, readSignature } from './verifier.js';

/** A webhook request, independent of how it arrived (function URL, local server, test). */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: Headers;
  /** The body bytes exactly as they arrived. */
  readonly body: Buffer;
}

export interface ReceiveDependencies {
  readonly provider: WebhookProvider;
  readonly secrets: Pick<WebhookSecrets, 'current' | 'refreshIfStale'>;
  readonly ledger: Ledger;
  readonly publisher: Publisher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits?: ReceiveLimits;
  /** `optional` takes in requests without a signature header, for a provider that allows it. @default 'required' */
  readonly signatureVerification?: SignatureVerification;
  /** Keeps bodies too large for the bus; without one such an event fails with 503. */
  readonly payloadStore?: PayloadStore;
}

/** Bounds that protect the account and the subscribers. */
export interface ReceiveLimits {
  /** Larger bodies get 413 before anything is hashed. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /**
   * An event whose own time is older than this is not published, however authentic: its id may
   * have been forgotten already, so it could be a replay. It is kept in quarantine instead.
   * Set to the idempotency retention. @default 30 days
   */
  readonly maxEventAgeSeconds?: number;
  /**
   * The largest PutEvents entry the bus takes, counted as EventBridge counts it. A larger event is
   * stored and published as a pointer. @default 262_144 (256 KiB)
   */
  readonly maxEntryBytes?: number;
}

const DEFAULT_LIMITS = {
  maxBodyBytes: 1_048_576,
  maxEventAgeSeconds: 30 * 86_400,
  maxEntryBytes: 262_144,
} as const;

/** The size EventBridge counts for an entry: Time as 14 bytes, then the UTF-8 bytes of each field. */
export function entrySize(entry: BusEntry): number {
  return (
    (entry.time === undefined ? 0 : 14) +
    Buffer.byteLength(entry.source) +
    Buffer.byteLength(entry.detailType) +
    Buffer.byteLength(entry.detail)
  );
}

/** The answer to the provider, plus what the request log line says about it. */
export interface ReceiveResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, string>>;
  readonly verdict: Verdict;
  readonly log: LogFields;
}

/** `DetailType` of the bus entry that carries an authentic body which is not an event. */
export const QUARANTINE_DETAIL_TYPE = 'Webhook Quarantined';

/**
 * Time kept back from every step before the release of a claim, so that a step the deadline cuts
 * short still leaves the release its own time. A release is one DeleteItem: tens of milliseconds
 * when DynamoDB answers, and bounded by what is left when it does not.
 */
export const RELEASE_RESERVE_MS = 1_500;

/**
 * Takes one webhook delivery from request to answer: verify, claim, publish, complete.
 *
 * The order is what keeps the guarantees: nothing is written before the signature holds; the claim
 * is completed only after PutEvents succeeded; a failed publish releases the claim so the
 * provider's retry is processed. Never throws: every failure becomes an answer.
 *
 * With a `deadline`, every call to the outside world is bounded by it: a stalled one is cut short
 * (its signal aborts, and the step stops waiting for it) with time left to release the claim, and
 * the answer is a 503 of ours before the deadline. Without one, only the adapters' own timeouts
 * bound the calls.
 */
export async function receive(
  request: WebhookRequest,
  deps: ReceiveDependencies,
  deadline?: Deadline,
): Promise<ReceiveResult> {
  const fields: Record<string, string | number | boolean | undefined> = { provider: deps.provider.name };
  try {
    return await handle(request, { ...deps, deadline }, fields);
  } catch (error) {
    return errorResult(error, fields);
  }
}

type Steps = ReceiveDependencies & { readonly deadline: Deadline | undefined };

/** `call` bounded by the request's deadline (less `reserveMs`), or as it is without one. */
function step<T>(
  deps: Steps,
  call: (options: CallOptions) => Promise<T>,
  options: { readonly reserveMs: number; readonly onExpiry: (started: boolean) => Error },
): Promise<T> {
  if (deps.deadline === undefined) return call({});
  return deps.deadline.bound((signal) => call({ signal }), options);
}

async function handle(
  request: WebhookRequest,
  deps: Steps,
  fields: Record<string, string | number | boolean | undefined>,
): Promise<ReceiveResult> {
  const { provider } = deps;
  if (request.method.toUpperCase() !== 'POST') throw new MethodNotAllowedError(request.method);
  const maxBodyBytes = deps.limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  if (request.body.length > maxBodyBytes) throw new PayloadTooLargeError(request.body.length, maxBodyBytes);

  const verifyStarted = performance.now();
  try {
    await verify(request, deps, fields);
  } finally {
    // Forged requests too: a slow refusal (a secret re-read per forged flood) is worth seeing.
    fields.verifyMs = Math.round((performance.now() - verifyStarted) * 1000) / 1000;
  }

  const bodySha256 = createHash('sha256').update(request.body).digest('hex');
  const read = readBody(request.body, provider);
  if (!read.ok) return quarantine(request, deps, fields, read.reason, bodySha256);

  const { event } = read;
  fields.eventId = event.id;
  fields.eventType = event.type;
  const maxAgeMs = (deps.limits?.maxEventAgeSeconds ?? DEFAULT_LIMITS.maxEventAgeSeconds) * 1000;
  if (event.time !== undefined && deps.clock.now() - event.time.getTime() > maxAgeMs) {
    // Older than anything the ledger still remembers: a replay cannot be told from a late
    // redelivery, so it is kept for a person to judge and never reaches the subscribers.
    return quarantine(request, deps, fields, 'older_than_retention', bodySha256);
  }
  // Without a time of its own the age check cannot run: only the ledger stands against a replay.
  if (event.time === undefined) fields.noEventTime = true;
  return deliver(
    {
      key: `${provider.name}#${event.id}`,
      entry: { source: provider.source, detailType: event.type, detail: event.detail, time: event.time },
      bodySha256,
      accepted: { statusCode: 200, verdict: 'accepted', body: { status: 'accepted', eventId: event.id } },
      duplicateBody: { status: 'duplicate', eventId: event.id },
      fallback: (reason) => ({
        entry: quarantineEntry(request, deps, reason, bodySha256),
        pointer: (stored) => quarantineEntry(request, deps, reason, bodySha256, stored),
      }),
      body: request.body,
      pointer: (stored) => ({
        source: provider.source,
        detailType: event.type,
        detail: JSON.stringify({ id: event.id, type: event.type, payloadStored: stored }),
        time: event.time,
      }),
    },
    deps,
    fields,
  );
}

async function verify(
  request: WebhookRequest,
  deps: Steps,
  fields: Record<string, string | number | boolean | undefined>,
): Promise<void> {
  // Both the operator and the provider definition must allow it; config.ts refuses the mismatch
  // at start, and this keeps a hand-built dependency set from getting around it.
  if (
    deps.signatureVerification === 'optional' &&
    deps.provider.signingOptional &&
    !carriesSignature(deps.provider, request.headers)
  ) {
    fields.unsigned = true;
    return;
  }
  // Format first: a malformed header is refused without touching the secret or hashing the body.
  const received = readSignature(deps.provider, request.headers);
  const secrets = await step(deps, (options) => deps.secrets.current(options), {
    reserveMs: 0,
    onExpiry: () =>
      new SecretUnavailableError('Reading the webhook secret did not finish in the time this request had.'),
  });
  let index = matchSecret(received, request.body, secrets);
  if (index === -1) {
    // Perhaps the secret was rotated since we cached it. A failed refresh keeps the cached copy:
    // the request is then refused as forged, and the provider retries it if it was authentic.
    const refreshed = await step(deps, (options) => deps.secrets.refreshIfStale(options), {
      reserveMs: 0,
      onExpiry: () =>
        new SecretUnavailableError(
          'Re-reading the webhook secret did not finish in the time this request had.',
        ),
    }).catch((error: unknown) => {
      deps.logger.warn('could not refresh the webhook secret', { ...fields, ...describeError(error) });
      return undefined;
    });
    if (refreshed !== undefined) {
      index = matchSecret(received, request.body, refreshed);
      fields.secretRefreshed = true;
    }
  }
  if (index === -1) throw mismatch(deps.provider);
  // Which secret matched tells the operator when the old one can be retired during a rotation.
  fields.secretIndex = index;
}

type ReadBody =
  | { readonly ok: true; readonly event: ProviderEvent }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readBody(body: Buffer, provider: WebhookProvider): ReadBody {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'invalid_utf8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  return provider.readEvent(json, text);
}

/**
 * An authentic body that is not an event cannot be routed, and must neither be lost nor refused
 * (the provider disables a webhook that keeps failing). It goes onto the bus under the provider's
 * quarantine source, which only the quarantine queue's rule matches; the body's digest is its
 * idempotency key.
 */
function quarantine(
  request: WebhookRequest,
  deps: Steps,
  fields: Record<string, string | number | boolean | undefined>,
  reason: string,
  bodySha256: string,
): Promise<ReceiveResult> {
  fields.quarantineReason = reason;
  return deliver(
    {
      key: `${deps.provider.name}#quarantine#${bodySha256}`,
      entry: quarantineEntry(request, deps, reason, bodySha256),
      bodySha256,
      accepted: quarantined(reason),
      duplicateBody: { status: 'duplicate', reason },
      body: request.body,
      pointer: (stored) => quarantineEntry(request, deps, reason, bodySha256, stored),
    },
    deps,
    fields,
  );
}

function quarantined(reason: string): Delivery['accepted'] {
  return { statusCode: 202, verdict: 'quarantined', body: { status: 'quarantined', reason } };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}

/** The bus entry that keeps an authentic body nobody can route, for the quarantine queue. */
function quarantineEntry(
  request: WebhookRequest,
  deps: ReceiveDependencies,
  reason: string,
  bodySha256: string,
  stored?: StoredPayload,
): BusEntry {
  const text = reason === 'invalid_utf8' ? undefined : request.body.toString('utf8');
  const body =
    stored !== undefined
      ? { bodyStored: stored }
      : text === undefined
        ? { bodyBase64: request.body.toString('base64') }
        : { body: text };
  const detail = JSON.stringify({
    provider: deps.provider.name,
    reason,
    bodySha256,
    receivedAt: new Date(deps.clock.now()).toISOString(),
    ...body,
  });
  return {
    source: deps.provider.quarantineSource,
    detailType: QUARANTINE_DETAIL_TYPE,
    detail,
    time: undefined,
  };
}

interface Delivery {
  readonly key: string;
  readonly entry: BusEntry;
  readonly bodySha256: string;
  readonly accepted: {
    readonly statusCode: number;
    readonly verdict: Verdict;
    readonly body: Record<string, string>;
  };
  readonly duplicateBody: Record<string, string>;
  /** What to publish instead when the bus refuses `entry` for good: the quarantine entry and its pointer form. */
  readonly fallback?: (reason: string) => Pick<Delivery, 'entry' | 'pointer'>;
  /** The body, stored when `entry` is too large for the bus. */
  readonly body: Buffer;
  /** The entry that points at the stored body instead of carrying it. */
  readonly pointer: (stored: StoredPayload) => BusEntry;
}

async function deliver(
  delivery: Delivery,
  deps: Steps,
  fields: Record<string, string | number | boolean | undefined>,
): Promise<ReceiveResult> {
  const { ledger, publisher, logger } = deps;
  const claimed = await step(
    deps,
    (options) =>
      ledger.claim(
        { key: delivery.key, eventType: delivery.entry.detailType, bodySha256: delivery.bodySha256 },
        options,
      ),
    {
      // Nothing to release if the claim is cut short: a claim that landed all the same holds its
      // key until its lease runs out, and the provider's retry then takes it over.
      reserveMs: 0,
      onExpiry: () =>
        new LedgerError(`Claiming ${delivery.key} did not finish in the time this request had.`),
    },
  );

  if (claimed.outcome === 'duplicate') {
    if (claimed.bodySha256 !== undefined && claimed.bodySha256 !== delivery.bodySha256) {
      // Same id, different bytes: worth a look, but the first body is the one on the bus.
      logger.warn('event id came back with a different body', {
        ...fields,
        storedBodySha256: claimed.bodySha256,
        receivedBodySha256: delivery.bodySha256,
      });
      fields.bodyDiffers = true;
    }
    return {
      statusCode: 200,
      headers: JSON_HEADERS,
      body: delivery.duplicateBody,
      verdict: 'duplicate',
      log: fields,
    };
  }
  if (claimed.outcome === 'in_progress') {
    const seconds = Math.max(1, Math.ceil((claimed.leaseExpiresAt - deps.clock.now()) / 1000));
    throw new InProgressError(String(fields.eventId ?? delivery.key), seconds);
  }

  const { claim } = claimed;
  if (claim.tookOver) fields.tookOver = true;
  let accepted = delivery.accepted;
  const publish = (entry: BusEntry) =>
    step(deps, (options) => publisher.publish(entry, options), {
      reserveMs: RELEASE_RESERVE_MS,
      onExpiry: (started) => {
        if (!started) return new PublishError('No time was left in this request to start PutEvents.');
        // An attempt cut short may have reached the bus all the same (README, "Guarantees").
        fields.publishCutShort = true;
        return new PublishError('PutEvents did not finish in the time this request had.');
      },
    });
  try {
    try {
      const receipt = await publish(await fitForBus(delivery, deps, fields));
      // A retried PutEvents may have reached the bus on the attempt that seemed to fail.
      if (receipt.attempts > 1) fields.publishAttempts = receipt.attempts;
    } catch (error) {
      // An attempt before the one that failed may have reached the bus (README, "Guarantees").
      if (error instanceof PublishError && (error.attempts ?? 1) > 1) fields.publishAttempts = error.attempts;
      if (delivery.fallback === undefined || !(error instanceof PublishError) || !error.permanent) {
        if (error instanceof PublishError) fields.publishFailed = true;
        throw error;
      }
      const reason = `rejected_by_bus:${error.errorCode ?? errorName(error.cause)}`;
      fields.quarantineReason = reason;
      // The quarantine entry carries the body too, so it may need the payload store as well.
      await publish(await fitForBus({ ...delivery, ...delivery.fallback(reason) }, deps, fields)).catch(
        (fallbackError: unknown) => {
          if (fallbackError instanceof PublishError) fields.publishFailed = true;
          throw fallbackError;
        },
      );
      accepted = quarantined(reason);
    }
  } catch (error) {
    try {
      await step(deps, (options) => ledger.release(claim, options), {
        reserveMs: 0,
        onExpiry: () =>
          new LedgerError(`Releasing ${claim.key} did not finish in the time this request had.`),
      });
    } catch (releaseError) {
      // The claim stays until its lease runs out; until then retries get 409, then take it over.
      logger.error('could not release the claim after a failed publish', {
        ...fields,
        ...describeError(releaseError),
      });
    }
    throw error;
  }

  try {
    const completed = await step(deps, (options) => ledger.complete(claim, options), {
      reserveMs: 0,
      onExpiry: () => new LedgerError(`Completing ${claim.key} did not finish in the time this request had.`),
    });
    if (completed === 'lease_lost') {
      logger.warn('claim was taken over before completion; the event may be published twice', fields);
      fields.leaseLost = true;
    }
  } catch (error) {
    // The event is on the bus, so the answer is still a success. The claim stays in progress
    // until its lease runs out; a redelivery after that publishes again (README, "Guarantees").
    logger.error('event published but its record could not be completed', {
      ...fields,
      ...describeError(error),
    });
    fields.completionFailed = true;
  }
  return {
    statusCode: accepted.statusCode,
    headers: JSON_HEADERS,
    body: accepted.body,
    verdict: accepted.verdict,
    log: fields,
  };
}

/**
 * The entry itself, or, when it is larger than the bus takes, a pointer to the body stored in
 * the payload store under its digest (so a retry stores the same object again, harmlessly).
 */
async function fitForBus(
  delivery: Delivery,
  deps: Steps,
  fields: Record<string, string | number | boolean | undefined>,
): Promise<BusEntry> {
  const max = deps.limits?.maxEntryBytes ?? DEFAULT_LIMITS.maxEntryBytes;
  if (entrySize(delivery.entry) <= max) return delivery.entry;
  fields.entryBytes = entrySize(delivery.entry);
  if (deps.payloadStore === undefined) {
    throw new PayloadStoreError('The event is too large for the bus and no payload store is configured.');
  }
  const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
  // Quarantined bodies live apart, so subscribers (granted `<provider>/*`) cannot read them.
  const prefix = delivery.entry.source === deps.provider.quarantineSource ? 'quarantine/' : '';
  const { payloadStore } = deps;
  const key = `${prefix}${deps.provider.name}/${day}/${delivery.bodySha256}`;
  const stored = await step(
    deps,
    (options) => payloadStore.put(key, delivery.body, 'application/octet-stream', options),
    {
      reserveMs: RELEASE_RESERVE_MS,
      onExpiry: () => new PayloadStoreError(`Storing ${key} did not finish in the time this request had.`),
    },
  );
  fields.payloadStored = stored.key;
  return delivery.pointer(stored);
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** The one place that turns an error into an answer. Our own failures say nothing about internals. */
function errorResult(
  error: unknown,
  fields: Record<string, string | number | boolean | undefined>,
): ReceiveResult {
  if (error instanceof ReceiverError && error.expose) {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (error instanceof InProgressError) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error instanceof MethodNotAllowedError) headers.allow = 'POST';
    if ('reason' in error && typeof error.reason === 'string') fields.reason = error.reason;
    return {
      statusCode: error.statusCode,
      headers,
      body: { status: error.verdict, message: error.message },
      verdict: error.verdict,
      log: fields,
    };
  }
  const statusCode = error instanceof ReceiverError ? error.statusCode : 500;
  // The request's log line carries the error (level error); no second line for it.
  return {
    statusCode,
    headers: JSON_HEADERS,
    body: {
      status: 'failed',
      message:
        'The event was not taken in because of a failure on our side. Retry the delivery; nothing was kept.',
    },
    verdict: 'failed',
    log: { ...fields, ...describeError(error) },
  };
}

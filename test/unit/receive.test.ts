import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMPLYCUBE_SOURCE } from '../../contract/providers.js';
import { listFixtureTypes, loadFixture, loadFixtureText, sign } from '../../fixtures/complycube.js';
import { Deadline } from '../../functions/receiver/core/deadline.js';
import { LedgerError, PayloadStoreError, PublishError } from '../../functions/receiver/core/errors.js';
import type { PayloadStore, StoredPayload } from '../../functions/receiver/core/ports/payload-store.js';
import {
  entrySize,
  QUARANTINE_DETAIL_TYPE,
  RELEASE_RESERVE_MS,
  type ReceiveDependencies,
  type ReceiveResult,
  receive,
  type WebhookRequest,
} from '../../functions/receiver/core/receive.js';
import { WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import type { Headers } from '../../functions/receiver/core/verifier.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';
import {
  CapturingLogger,
  FakeClock,
  FakeLedger,
  FakeSecretSource,
  RecordingPublisher,
} from '../helpers/fakes.js';

const SECRET = 'whsec_fictional_receiver_0001';
const RETENTION_SECONDS = 7 * 86_400;
const LEASE_SECONDS = 30;

const EVENT_ID = '5ed170fe99c81a0007b9a3d3';
const KEY = `complycube#${EVENT_ID}`;
/** A body as a provider might send it: odd spacing, a newline, and a number JSON.parse would round. */
const BODY = `{ "id":"${EVENT_ID}",  "type" : "check.completed.clear",
  "resourceType":"check","payload":{"id":"5ed3918fbf06f30008e552c9","outcome":"clear","status":"complete","score":12345678901234567890,"createdAt":"2020-01-01T11:14:23.964Z","updatedAt":"2020-01-01T11:14:23.964Z"},
  "createdAt":"2020-01-01T11:14:23.964Z" }\n`;

/** Shortly after the fixtures' and BODY's createdAt, so they are fresh events, not replays. */
const NOW = Date.UTC(2020, 0, 1, 12, 0, 0);

function setup(secretValue: string = SECRET) {
  const clock = new FakeClock(NOW);
  const source = new FakeSecretSource(secretValue);
  const secrets = new WebhookSecrets({ source, clock });
  const ledger = new FakeLedger({ clock, retentionSeconds: RETENTION_SECONDS, leaseSeconds: LEASE_SECONDS });
  const publisher = new RecordingPublisher();
  const logger = new CapturingLogger();
  const deps: ReceiveDependencies = { provider: complyCube, secrets, ledger, publisher, clock, logger };
  return { clock, source, secrets, ledger, publisher, logger, deps };
}

/** A POST signed with `secret`, or carrying exactly `headers` when given. */
function post(body: string | Buffer, options: { secret?: string; headers?: Headers } = {}): WebhookRequest {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    method: 'POST',
    headers: options.headers ?? {
      'content-type': 'application/json',
      'complycube-signature': sign(bytes, options.secret ?? SECRET),
    },
    body: bytes,
  };
}

function eventBody(fields: Record<string, unknown>): string {
  return JSON.stringify({
    id: EVENT_ID,
    type: 'check.pending',
    resourceType: 'check',
    payload: { id: '5ed3918fbf06f30008e552c9', status: 'pending' },
    createdAt: '2020-01-01T11:14:23.964Z',
    ...fields,
  });
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Everything a request leaves behind that someone could read: the answer, the request log line, the logs. */
function everythingSaid(result: ReceiveResult, logger: CapturingLogger): string {
  return `${JSON.stringify(result)}\n${logger.text()}`;
}

/** Every run of 6 or more characters of `secret` that appears in `text`. */
function leakedPieces(text: string, secret: string, min = 6): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + min <= secret.length; start++) {
    const piece = secret.slice(start, start + min);
    if (text.includes(piece)) pieces.push(piece);
  }
  return pieces;
}

function parseDetail(detail: string | undefined): Record<string, unknown> {
  const parsed: unknown = JSON.parse(detail ?? 'null');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('not an object');
  return parsed as Record<string, unknown>;
}

describe('receive: method', () => {
  it('answers 405 with allow: POST to a GET, and claims and publishes nothing', async () => {
    const { deps, ledger, publisher } = setup();

    const result = await receive({ ...post(BODY), method: 'GET' }, deps);

    expect(result.statusCode).toBe(405);
    expect(result.headers.allow).toBe('POST');
    expect(result.verdict).toBe('method_not_allowed');
    expect(ledger.calls).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it.each(['PUT', 'HEAD', 'OPTIONS', 'DELETE'])('answers 405 to %s', async (method) => {
    const { deps } = setup();

    const result = await receive({ ...post(BODY), method }, deps);

    expect(result.statusCode).toBe(405);
  });
});

describe('receive: signature', () => {
  const wrong = sign(BODY, 'not-the-secret');
  it.each<[string, Headers]>([
    ['missing', { 'content-type': 'application/json' }],
    ['empty', { 'complycube-signature': '' }],
    ['malformed (sha256= prefix)', { 'complycube-signature': `sha256=${sign(BODY, SECRET)}` }],
    ['malformed (trailing junk)', { 'complycube-signature': `${sign(BODY, SECRET)}zz` }],
    ['wrong', { 'complycube-signature': wrong }],
  ])('answers 401 to a %s signature, and claims and publishes nothing', async (_name, headers) => {
    const { deps, ledger, publisher } = setup();

    const result = await receive(post(BODY, { headers }), deps);

    expect(result.statusCode).toBe(401);
    expect(result.body.status).toBe('forged');
    expect(ledger.calls).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it('refuses a malformed signature without reading the secret', async () => {
    const { deps, source } = setup();

    await receive(post(BODY, { headers: { 'complycube-signature': 'nope' } }), deps);

    expect(source.fetches).toBe(0);
  });

  it('records why a signature was refused in the log fields', async () => {
    const { deps } = setup();

    const result = await receive(post(BODY, { headers: { 'complycube-signature': 'nope' } }), deps);

    expect(result.log.reason).toBe('malformed');
  });

  it('accepts the header as the PHP SDK spells it', async () => {
    const { deps } = setup();

    const result = await receive(
      post(BODY, { headers: { 'Complycube-Signature': sign(BODY, SECRET) } }),
      deps,
    );

    expect(result.statusCode).toBe(200);
  });

  it('refuses a body that was re-serialised after signing', async () => {
    const { deps, publisher } = setup();
    const signature = sign(BODY, SECRET);
    const reserialised = JSON.stringify(JSON.parse(BODY));

    const result = await receive(
      post(reserialised, { headers: { 'complycube-signature': signature } }),
      deps,
    );

    expect(result.statusCode).toBe(401);
    expect(publisher.attempts).toBe(0);
  });
});

describe('receive: a new event', () => {
  it('answers 200 accepted with the event id', async () => {
    const { deps } = setup();

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.body).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(result.verdict).toBe('accepted');
  });

  it('publishes exactly one entry with the body text byte for byte', async () => {
    const { deps, publisher } = setup();

    await receive(post(BODY), deps);

    expect(publisher.entries).toHaveLength(1);
    const [entry] = publisher.entries;
    expect(entry?.source).toBe(COMPLYCUBE_SOURCE);
    expect(entry?.source).toBe('com.complycube');
    expect(entry?.detailType).toBe('check.completed.clear');
    expect(entry?.detail).toBe(BODY);
    expect(entry?.detail).toContain('12345678901234567890');
    expect(entry?.time?.toISOString()).toBe('2020-01-01T11:14:23.964Z');
  });

  it('claims and completes the event id under the provider prefix', async () => {
    const { deps, ledger } = setup();

    await receive(post(BODY), deps);

    expect(ledger.calls).toEqual([
      { operation: 'claim', key: KEY },
      { operation: 'complete', key: KEY },
    ]);
    expect(ledger.records.get(KEY)).toMatchObject({
      status: 'COMPLETED',
      eventType: 'check.completed.clear',
      bodySha256: sha256(BODY),
    });
  });

  it('names the event and the secret used in the log fields', async () => {
    const { deps } = setup();

    const result = await receive(post(BODY), deps);

    expect(result.log).toMatchObject({
      provider: 'complycube',
      eventId: EVENT_ID,
      eventType: 'check.completed.clear',
      secretIndex: 0,
    });
  });

  it.each(listFixtureTypes())('accepts and publishes the %s fixture', async (type) => {
    const { deps, publisher } = setup();
    const text = loadFixtureText(type);

    const result = await receive(post(text), deps);

    expect(result.body).toEqual({ status: 'accepted', eventId: loadFixture(type).id });
    expect(publisher.entries).toEqual([
      {
        source: 'com.complycube',
        detailType: type,
        detail: text,
        time: new Date(loadFixture(type).createdAt),
      },
    ]);
  });

  it('publishes an event type it has never heard of like any other', async () => {
    const { deps, publisher } = setup();
    const body = eventBody({ type: 'brand.new.type' });

    const result = await receive(post(body), deps);

    expect(result.statusCode).toBe(200);
    expect(publisher.entries[0]?.detailType).toBe('brand.new.type');
  });

  it.each([
    ['missing', undefined],
    ['not a date', 'yesterday'],
    ['a date without a time', '2020-01-01'],
    ['a time without a zone', '2020-01-01T11:14:23.964'],
    ['an impossible date', '2020-02-31T25:61:00Z'],
    ['a number', 1577877263964],
  ])('publishes without a Time when createdAt is %s', async (_name, createdAt) => {
    const { deps, publisher } = setup();

    const result = await receive(post(eventBody({ createdAt })), deps);

    expect(result.statusCode).toBe(200);
    expect(publisher.entries).toHaveLength(1);
    expect(publisher.entries[0]?.time).toBeUndefined();
  });

  it('accepts a lowercase post method', async () => {
    const { deps } = setup();

    const result = await receive({ ...post(BODY), method: 'post' }, deps);

    expect(result.statusCode).toBe(200);
  });
});

describe('receive: duplicates', () => {
  it('answers a redelivery 200 duplicate and does not publish again', async () => {
    const { deps, publisher } = setup();
    await receive(post(BODY), deps);

    const second = await receive(post(BODY), deps);

    expect(second.statusCode).toBe(200);
    expect(second.body).toEqual({ status: 'duplicate', eventId: EVENT_ID });
    expect(second.verdict).toBe('duplicate');
    expect(publisher.entries).toHaveLength(1);
  });

  it('treats the same id with a different body as a duplicate and warns with both digests only', async () => {
    const { deps, publisher, logger } = setup();
    const first = eventBody({ payload: { id: 'a1', status: 'pending', note: 'first-body-marker' } });
    const second = eventBody({ payload: { id: 'a1', status: 'complete', note: 'second-body-marker' } });
    await receive(post(first), deps);

    const result = await receive(post(second), deps);

    expect(result.body).toEqual({ status: 'duplicate', eventId: EVENT_ID });
    expect(publisher.entries).toHaveLength(1);
    expect(publisher.entries[0]?.detail).toBe(first);
    const warnings = logger.at('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      eventId: EVENT_ID,
      storedBodySha256: sha256(first),
      receivedBodySha256: sha256(second),
    });
    expect(logger.text()).not.toContain('body-marker');
    expect(result.log.bodyDiffers).toBe(true);
  });

  it('does not warn about a byte-identical redelivery', async () => {
    const { deps, logger } = setup();
    await receive(post(BODY), deps);

    await receive(post(BODY), deps);

    expect(logger.at('warn')).toEqual([]);
  });

  it('publishes again once the completed record has expired', async () => {
    const { deps, publisher, clock } = setup();
    await receive(post(BODY), deps);
    clock.advance((RETENTION_SECONDS + 1) * 1000);

    const result = await receive(post(BODY), deps);

    expect(result.body).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(publisher.entries).toHaveLength(2);
    expect(result.log.tookOver).toBe(true);
  });

  it('still answers duplicate just before the completed record expires', async () => {
    const { deps, publisher, clock } = setup();
    await receive(post(BODY), deps);
    clock.advance(RETENTION_SECONDS * 1000);

    const result = await receive(post(BODY), deps);

    expect(result.body.status).toBe('duplicate');
    expect(publisher.entries).toHaveLength(1);
  });
});

describe('receive: an attempt already in progress', () => {
  it('answers 409 with retry-after equal to the remaining lease in whole seconds', async () => {
    const { deps, ledger, clock, publisher } = setup();
    await ledger.claim({ key: KEY, eventType: 'check.completed.clear', bodySha256: sha256(BODY) });
    clock.advance(12_400);

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(409);
    expect(result.headers['retry-after']).toBe('18');
    expect(result.body.status).toBe('in_progress');
    expect(publisher.attempts).toBe(0);
  });

  it('never answers a retry-after below 1 second', async () => {
    const { deps, ledger, clock } = setup();
    await ledger.claim({ key: KEY, eventType: 'check.completed.clear', bodySha256: sha256(BODY) });
    clock.advance(LEASE_SECONDS * 1000);

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(409);
    expect(result.headers['retry-after']).toBe('1');
  });

  it('takes over a claim whose lease has run out and publishes', async () => {
    const { deps, ledger, clock, publisher } = setup();
    await ledger.claim({ key: KEY, eventType: 'check.completed.clear', bodySha256: sha256(BODY) });
    clock.advance(LEASE_SECONDS * 1000 + 1);

    const result = await receive(post(BODY), deps);

    expect(result.body).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(publisher.entries).toHaveLength(1);
    expect(result.log.tookOver).toBe(true);
    expect(ledger.records.get(KEY)?.status).toBe('COMPLETED');
  });

  it('answers 200 and warns when its lease was taken over before it completed', async () => {
    const { deps, ledger, clock, publisher, logger } = setup();
    publisher.onPublish = async () => {
      // A slow PutEvents: the lease runs out and a redelivery takes the key over.
      clock.advance(LEASE_SECONDS * 1000 + 1);
      await ledger.claim({ key: KEY, eventType: 'check.completed.clear', bodySha256: sha256(BODY) });
    };

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(200);
    expect(result.log.leaseLost).toBe(true);
    expect(logger.at('warn')).toHaveLength(1);
  });
});

describe('receive: failures on our side', () => {
  it('answers 503 when publishing fails, and releases the claim', async () => {
    const { deps, ledger, publisher } = setup();
    publisher.failNext(new PublishError('PutEvents failed.', 'InternalFailure'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(result.body.status).toBe('failed');
    expect(ledger.callsOf('release')).toBe(1);
    expect(ledger.records.has(KEY)).toBe(false);
  });

  it('publishes exactly once on the retry after a failed publish', async () => {
    const { deps, publisher } = setup();
    publisher.failNext(new PublishError('PutEvents failed.', 'InternalFailure'));
    await receive(post(BODY), deps);

    const retry = await receive(post(BODY), deps);
    const again = await receive(post(BODY), deps);

    expect(retry.body).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(again.body.status).toBe('duplicate');
    expect(publisher.entries).toHaveLength(1);
  });

  it('still answers 503 and logs an error when the release fails too', async () => {
    const { deps, ledger, publisher, logger } = setup();
    publisher.failNext(new PublishError('PutEvents failed.', 'InternalFailure'));
    ledger.failNext('release', new LedgerError('DeleteItem failed.'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(logger.at('error').map((line) => line.message)).toContain(
      'could not release the claim after a failed publish',
    );
  });

  it('answers a retry 409 until an unreleased claim lease runs out, then publishes', async () => {
    const { deps, ledger, publisher, clock } = setup();
    publisher.failNext(new PublishError('PutEvents failed.', 'InternalFailure'));
    ledger.failNext('release', new LedgerError('DeleteItem failed.'));
    await receive(post(BODY), deps);

    const early = await receive(post(BODY), deps);
    clock.advance(LEASE_SECONDS * 1000 + 1);
    const late = await receive(post(BODY), deps);

    expect(early.statusCode).toBe(409);
    expect(late.statusCode).toBe(200);
    expect(publisher.entries).toHaveLength(1);
  });

  it('answers 200 and logs an error when completing the record fails after the publish', async () => {
    const { deps, ledger, publisher, logger } = setup();
    ledger.failNext('complete', new LedgerError('UpdateItem failed.'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(200);
    expect(result.body).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(publisher.entries).toHaveLength(1);
    expect(result.log.completionFailed).toBe(true);
    expect(logger.at('error').map((line) => line.message)).toContain(
      'event published but its record could not be completed',
    );
  });

  it('answers 503 when the claim fails, and publishes nothing', async () => {
    const { deps, ledger, publisher } = setup();
    ledger.failNext('claim', new LedgerError('PutItem failed.', { cause: new Error('throttled') }));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(publisher.attempts).toBe(0);
  });

  it('answers 503 when the secret cannot be read, and claims nothing', async () => {
    const { deps, source, ledger, publisher } = setup();
    source.failNext(new Error('AccessDeniedException'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(ledger.calls).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it('answers 503 while the secret still holds the placeholder, and claims nothing', async () => {
    const { deps, ledger } = setup('{"placeholder":"set the ComplyCube webhook secret here"}');

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(ledger.calls).toEqual([]);
  });

  it('answers a generic 503 that tells the caller nothing about the failure', async () => {
    const { deps, publisher } = setup();
    publisher.failNext(new PublishError('PutEvents to internal-bus-name failed.', 'AccessDenied'));

    const result = await receive(post(BODY), deps);

    expect(JSON.stringify(result.body)).not.toContain('internal-bus-name');
    expect(JSON.stringify(result.body)).not.toContain('AccessDenied');
  });

  it('answers 500 with a generic message when a dependency throws a plain Error', async () => {
    const { deps, ledger } = setup();
    ledger.failNext('claim', new Error('socket hang up at 10.0.0.7'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(500);
    expect(result.body.status).toBe('failed');
    expect(JSON.stringify(result.body)).not.toContain('10.0.0.7');
    expect(result.log.errorMessage).toBe('socket hang up at 10.0.0.7');
  });

  it('answers 500 and releases the claim when the publisher throws a plain Error', async () => {
    const { deps, ledger, publisher } = setup();
    publisher.failNext(new TypeError('Cannot read properties of undefined'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(500);
    expect(ledger.records.has(KEY)).toBe(false);
  });

  it('never throws, even when a dependency throws something that is not an Error', async () => {
    const { deps, ledger } = setup();
    ledger.failNext('claim', 'a bare string');

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(500);
  });

  it('answers 500 when the secrets dependency throws a plain Error', async () => {
    const { deps } = setup();
    const broken: ReceiveDependencies = {
      ...deps,
      secrets: {
        current: () => Promise.reject(new RangeError('unexpected')),
        refreshIfStale: () => Promise.resolve(undefined),
      },
    };

    const result = await receive(post(BODY), broken);

    expect(result.statusCode).toBe(500);
  });
});

describe('receive: secret rotation', () => {
  const NEW_SECRET = 'whsec_fictional_receiver_0002';

  it('refreshes a cache older than 60 s when a signature matches no cached secret, and accepts', async () => {
    const { deps, source, clock } = setup();
    await receive(post(BODY), deps);
    source.value = NEW_SECRET;
    clock.advance(60_001);

    const result = await receive(
      post(eventBody({ id: '5ed170fe99c81a0007b9a3d4' }), { secret: NEW_SECRET }),
      deps,
    );

    expect(result.statusCode).toBe(200);
    expect(source.fetches).toBe(2);
    expect(result.log.secretRefreshed).toBe(true);
  });

  it('answers 401 without fetching when the cache is younger than 60 s', async () => {
    const { deps, source, clock } = setup();
    await receive(post(BODY), deps);
    source.value = NEW_SECRET;
    clock.advance(59_000);

    const result = await receive(
      post(eventBody({ id: '5ed170fe99c81a0007b9a3d4' }), { secret: NEW_SECRET }),
      deps,
    );

    expect(result.statusCode).toBe(401);
    expect(source.fetches).toBe(1);
  });

  it('refuses as forged, with a warning, when the refresh itself fails', async () => {
    const { deps, source, clock, ledger, logger } = setup();
    await receive(post(BODY), deps);
    clock.advance(60_001);
    source.failNext(new Error('Secrets Manager is down'));

    const result = await receive(
      post(eventBody({ id: '5ed170fe99c81a0007b9a3d4' }), { secret: NEW_SECRET }),
      deps,
    );

    expect(result.statusCode).toBe(401);
    expect(ledger.callsOf('claim')).toBe(1);
    expect(logger.text()).toContain('could not refresh the webhook secret');
  });

  it('accepts both secrets during a rotation and logs which one matched', async () => {
    const { deps } = setup(JSON.stringify({ current: SECRET, next: NEW_SECRET }));

    const old = await receive(post(eventBody({ id: '5ed170fe99c81a0007b9a3d5' })), deps);
    const next = await receive(
      post(eventBody({ id: '5ed170fe99c81a0007b9a3d6' }), { secret: NEW_SECRET }),
      deps,
    );

    expect(old.statusCode).toBe(200);
    expect(old.log.secretIndex).toBe(0);
    expect(next.statusCode).toBe(200);
    expect(next.log.secretIndex).toBe(1);
  });
});

describe('receive: quarantine', () => {
  it('answers 202 quarantined to an authentic body that is not JSON', async () => {
    const { deps } = setup();

    const result = await receive(post('id=5ed170fe99c81a0007b9a3d3&type=check.pending'), deps);

    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'quarantined', reason: 'not_json' });
    expect(result.verdict).toBe('quarantined');
  });

  it('publishes one quarantine entry carrying the provider, reason, digest and body', async () => {
    const { deps, publisher, clock } = setup();
    const body = 'id=5ed170fe99c81a0007b9a3d3&type=check.pending';

    await receive(post(body), deps);

    expect(publisher.entries).toHaveLength(1);
    const [entry] = publisher.entries;
    expect(entry?.source).toBe('com.complycube.quarantine');
    expect(entry?.detailType).toBe(QUARANTINE_DETAIL_TYPE);
    expect(entry?.detailType).toBe('Webhook Quarantined');
    expect(entry?.time).toBeUndefined();
    expect(parseDetail(entry?.detail)).toEqual({
      provider: 'complycube',
      reason: 'not_json',
      bodySha256: sha256(body),
      receivedAt: new Date(clock.now()).toISOString(),
      body,
    });
  });

  it('quarantines a body that is not valid UTF-8 as base64', async () => {
    const { deps, publisher } = setup();
    const bytes = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);

    const result = await receive(post(bytes), deps);

    expect(result.body).toEqual({ status: 'quarantined', reason: 'invalid_utf8' });
    const detail = parseDetail(publisher.entries[0]?.detail);
    expect(detail.bodyBase64).toBe(bytes.toString('base64'));
    expect(detail).not.toHaveProperty('body');
    expect(detail.bodySha256).toBe(sha256(bytes));
  });

  it.each([
    ['not_an_object', '[1,2,3]'],
    ['not_an_object', 'null'],
    ['not_an_object', '"check.pending"'],
    ['missing_id', '{"type":"check.pending"}'],
    ['missing_id', '{"id":42,"type":"check.pending"}'],
    ['missing_id', '{"id":"","type":"check.pending"}'],
    ['id_too_long', JSON.stringify({ id: 'a'.repeat(257), type: 'check.pending' })],
    ['missing_type', '{"id":"5ed170fe99c81a0007b9a3d3"}'],
    ['missing_type', '{"id":"5ed170fe99c81a0007b9a3d3","type":["check.pending"]}'],
    ['missing_type', '{"id":"5ed170fe99c81a0007b9a3d3","type":"   "}'],
    ['type_too_long', JSON.stringify({ id: '5ed170fe99c81a0007b9a3d3', type: 't'.repeat(129) })],
  ])('quarantines JSON that is not an event with reason %s: %s', async (reason, body) => {
    const { deps, publisher } = setup();

    const result = await receive(post(body), deps);

    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'quarantined', reason });
    expect(publisher.entries[0]?.source).toBe('com.complycube.quarantine');
  });

  it('answers the same quarantined body a second time as a duplicate, publishing once', async () => {
    const { deps, publisher } = setup();
    await receive(post('not json'), deps);

    const second = await receive(post('not json'), deps);

    expect(second.statusCode).toBe(200);
    expect(second.body).toEqual({ status: 'duplicate', reason: 'not_json' });
    expect(publisher.entries).toHaveLength(1);
  });

  it('keys a quarantined body by its digest', async () => {
    const { deps, ledger } = setup();

    await receive(post('not json'), deps);

    expect([...ledger.records.keys()]).toEqual([`complycube#quarantine#${sha256('not json')}`]);
  });

  it('answers 401, not quarantine, to a body that is not JSON and not authentic', async () => {
    const { deps, publisher } = setup();

    const result = await receive(post('not json', { secret: 'wrong' }), deps);

    expect(result.statusCode).toBe(401);
    expect(publisher.attempts).toBe(0);
  });
});

describe('receive: nothing secret is ever said', () => {
  const forged = sign(BODY, 'an-attacker-guess');
  const expected = sign(BODY, SECRET);
  const forbidden = [SECRET, expected, expected.toUpperCase(), forged, forged.toUpperCase()];

  it.each<[string, (s: ReturnType<typeof setup>) => Promise<ReceiveResult>]>([
    ['accepted', (s) => receive(post(BODY), s.deps)],
    [
      'accepted with an uppercase signature',
      (s) => receive(post(BODY, { headers: { 'complycube-signature': expected.toUpperCase() } }), s.deps),
    ],
    ['forged', (s) => receive(post(BODY, { headers: { 'complycube-signature': forged } }), s.deps)],
    [
      'malformed',
      (s) => receive(post(BODY, { headers: { 'complycube-signature': `${expected} ` } }), s.deps),
    ],
    [
      'duplicate with a different body',
      async (s) => {
        await receive(post(eventBody({ note: 'x' })), s.deps);
        return receive(post(BODY), s.deps);
      },
    ],
    [
      'publish failed and release failed',
      (s) => {
        s.publisher.failNext(new PublishError('PutEvents failed.'));
        s.ledger.failNext('release', new LedgerError('DeleteItem failed.'));
        return receive(post(BODY), s.deps);
      },
    ],
    [
      'secret unavailable',
      (s) => {
        s.source.failNext(new Error('AccessDeniedException'));
        return receive(post(BODY), s.deps);
      },
    ],
    ['quarantined', (s) => receive(post('not json'), s.deps)],
  ])('neither the answer nor any log line contains the secret or a signature: %s', async (_name, act) => {
    const s = setup();

    const result = await act(s);

    const said = everythingSaid(result, s.logger);
    for (const value of forbidden) expect(said).not.toContain(value);
    expect(said).not.toContain(sign('not json', SECRET));
    expect(said).not.toContain(sign(eventBody({ note: 'x' }), SECRET));
  });

  // BUG (functions/receiver/core/secrets.ts + core/logger.ts): a secret value stored as malformed JSON, such
  // as single quotes around the value, makes JSON.parse throw a SyntaxError whose message quotes the
  // text around the bad token. parseSecretValue keeps it as `cause`, describeError copies the cause
  // chain into the request's log fields, and part of the secret reaches CloudWatch Logs.
  it('never logs any part of a secret stored as malformed JSON', async () => {
    const secret = 'Kq7vX2pLm9Rt4Wz8';
    const { deps, logger } = setup(`{"current": '${secret}'}`);

    const result = await receive(post(BODY, { secret }), deps);

    expect(result.statusCode).toBe(503);
    expect(leakedPieces(everythingSaid(result, logger), secret)).toEqual([]);
  });
});

describe('receive: limits', () => {
  it('answers 413 to a body over the limit before reading the secret or hashing anything', async () => {
    const { deps, source, ledger, publisher } = setup();
    const big = Buffer.alloc(2_049, 0x20);

    const result = await receive(post(big), { ...deps, limits: { maxBodyBytes: 2_048 } });

    expect(result.statusCode).toBe(413);
    expect(result.body).toEqual({
      status: 'too_large',
      message: 'The body is 2049 bytes; this receiver accepts at most 2048 (MAX_BODY_BYTES).',
    });
    expect(source.fetches).toBe(0);
    expect(ledger.calls).toEqual([]);
    expect(publisher.entries).toEqual([]);
  });

  it('accepts a body exactly at the limit', async () => {
    const { deps } = setup();
    const body = Buffer.from(BODY);

    const result = await receive(post(body), { ...deps, limits: { maxBodyBytes: body.length } });

    expect(result.statusCode).toBe(200);
  });

  it('keeps an authentic event older than the retention in quarantine instead of publishing it again', async () => {
    const { deps, publisher, clock } = setup();
    clock.advance(31 * 86_400_000);

    const result = await receive(post(BODY), { ...deps, limits: { maxEventAgeSeconds: 30 * 86_400 } });

    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'quarantined', reason: 'older_than_retention' });
    expect(publisher.entries.map((e) => e.source)).toEqual(['com.complycube.quarantine']);
    expect(parseDetail(publisher.entries[0]?.detail)).toMatchObject({
      reason: 'older_than_retention',
      body: BODY,
    });
  });

  it('publishes an event just inside the retention as usual', async () => {
    const { deps, publisher, clock } = setup();
    clock.advance(29 * 86_400_000);

    const result = await receive(post(BODY), { ...deps, limits: { maxEventAgeSeconds: 30 * 86_400 } });

    expect(result.statusCode).toBe(200);
    expect(publisher.entries.map((e) => e.source)).toEqual([COMPLYCUBE_SOURCE]);
  });
});

describe('receive: an event the bus refuses for good', () => {
  it('keeps it in quarantine and acknowledges it, instead of failing until the webhook is disabled', async () => {
    const { deps, publisher, ledger } = setup();
    publisher.failNext(new PublishError('rejected', 'InvalidArgument', { permanent: true }));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'quarantined', reason: 'rejected_by_bus:InvalidArgument' });
    expect(publisher.entries.map((e) => e.source)).toEqual(['com.complycube.quarantine']);
    expect(parseDetail(publisher.entries[0]?.detail)).toMatchObject({
      reason: 'rejected_by_bus:InvalidArgument',
      body: BODY,
    });
    expect(ledger.records.get(KEY)?.status).toBe('COMPLETED');
  });

  it('answers its redelivery as a duplicate without trying the bus again', async () => {
    const { deps, publisher } = setup();
    publisher.failNext(new PublishError('rejected', 'MalformedDetail', { permanent: true }));
    await receive(post(BODY), deps);

    const again = await receive(post(BODY), deps);

    expect(again.body).toMatchObject({ status: 'duplicate' });
    expect(publisher.entries).toHaveLength(1);
  });

  it('still answers 503 to a failure a retry can fix, such as throttling', async () => {
    const { deps, publisher } = setup();
    publisher.failNext(new PublishError('throttled', 'ThrottlingException'));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(publisher.entries).toEqual([]);
  });
});

describe('receive: an event too large for the bus', () => {
  class MemoryPayloadStore implements PayloadStore {
    readonly objects = new Map<string, Buffer>();
    failures: unknown[] = [];
    async put(key: string, body: Buffer): Promise<StoredPayload> {
      const failure = this.failures.shift();
      if (failure !== undefined) throw failure;
      this.objects.set(key, body);
      return { bucket: 'payloads', key, bytes: body.length, sha256: sha256(body) };
    }
  }
  const big = eventBody({ payload: { id: 'c1', notes: 'x'.repeat(4_000) } });

  it('counts an entry as EventBridge does: Time as 14 bytes plus the UTF-8 bytes of each field', () => {
    expect(
      entrySize({
        source: 'com.complycube',
        detailType: 'check.pending',
        detail: '{"é":1}',
        time: new Date(),
      }),
    ).toBe(14 + 14 + 13 + 8);
    expect(entrySize({ source: 'a', detailType: 'b', detail: '{}', time: undefined })).toBe(4);
  });

  it('stores the body and publishes a pointer under the same source and detail-type', async () => {
    const { deps, publisher } = setup();
    const store = new MemoryPayloadStore();

    const result = await receive(post(big), {
      ...deps,
      payloadStore: store,
      limits: { maxEntryBytes: 2_048 },
    });

    expect(result.statusCode).toBe(200);
    const key = `complycube/2020-01-01/${sha256(big)}`;
    expect(store.objects.get(key)?.toString()).toBe(big);
    expect(publisher.entries).toHaveLength(1);
    expect(publisher.entries[0]).toMatchObject({ source: COMPLYCUBE_SOURCE, detailType: 'check.pending' });
    expect(parseDetail(publisher.entries[0]?.detail)).toEqual({
      id: EVENT_ID,
      type: 'check.pending',
      payloadStored: { bucket: 'payloads', key, bytes: Buffer.byteLength(big), sha256: sha256(big) },
    });
    expect(result.log.payloadStored).toBe(key);
  });

  it('publishes an event that fits as is, storing nothing', async () => {
    const { deps, publisher } = setup();
    const store = new MemoryPayloadStore();

    await receive(post(big), { ...deps, payloadStore: store, limits: { maxEntryBytes: 262_144 } });

    expect(store.objects.size).toBe(0);
    expect(publisher.entries[0]?.detail).toBe(big);
  });

  it('answers 503 and releases the claim when the body cannot be stored, so the retry goes through', async () => {
    const { deps, publisher, ledger } = setup();
    const store = new MemoryPayloadStore();
    store.failures.push(new PayloadStoreError('S3 is down'));
    const withStore = { ...deps, payloadStore: store, limits: { maxEntryBytes: 2_048 } };

    const failed = await receive(post(big), withStore);
    const retried = await receive(post(big), withStore);

    expect(failed.statusCode).toBe(503);
    expect(retried.statusCode).toBe(200);
    expect(publisher.entries).toHaveLength(1);
    expect(ledger.callsOf('release')).toBe(1);
  });

  it('answers 503, publishing nothing, when no payload store is configured', async () => {
    const { deps, publisher } = setup();

    const result = await receive(post(big), { ...deps, limits: { maxEntryBytes: 2_048 } });

    expect(result.statusCode).toBe(503);
    expect(publisher.entries).toEqual([]);
  });

  it('keeps a large body that is not an event in quarantine through the store too', async () => {
    const { deps, publisher } = setup();
    const store = new MemoryPayloadStore();
    const notAnEvent = `not json ${'y'.repeat(4_000)}`;

    const result = await receive(post(notAnEvent), {
      ...deps,
      payloadStore: store,
      limits: { maxEntryBytes: 2_048 },
    });

    expect(result.statusCode).toBe(202);
    expect(parseDetail(publisher.entries[0]?.detail)).toMatchObject({
      reason: 'not_json',
      bodyStored: { key: `quarantine/complycube/2020-01-01/${sha256(notAnEvent)}` },
    });
    expect(parseDetail(publisher.entries[0]?.detail).body).toBeUndefined();
  });
});

describe('receive: a PutEvents the SDK had to retry', () => {
  it('notes the attempts on the request line, since the first may have reached the bus', async () => {
    const { deps } = setup();
    const retried = { ...deps, publisher: { publish: async () => ({ attempts: 2 }) } };

    const result = await receive(post(BODY), retried);

    expect(result.statusCode).toBe(200);
    expect(result.log.publishAttempts).toBe(2);
  });
});

describe('receive: a refused event whose quarantine entry is too large for the bus', () => {
  it('stores the body and quarantines a pointer, instead of failing with 503 on every retry', async () => {
    const { deps, publisher } = setup();
    const objects = new Map<string, Buffer>();
    const payloadStore: PayloadStore = {
      put: async (key, body) => {
        objects.set(key, body);
        return { bucket: 'payloads', key, bytes: body.length, sha256: sha256(body) };
      },
    };
    // Quotes double when the body is escaped into the quarantine entry's JSON.
    const body = eventBody({ payload: { id: 'c1', note: '"'.repeat(3_000) } });
    publisher.failNext(new PublishError('rejected', 'MalformedDetail', { permanent: true }));

    const result = await receive(post(body), { ...deps, payloadStore, limits: { maxEntryBytes: 4_096 } });

    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'quarantined', reason: 'rejected_by_bus:MalformedDetail' });
    expect(publisher.entries).toHaveLength(1);
    expect(publisher.entries[0]?.source).toBe('com.complycube.quarantine');
    expect(parseDetail(publisher.entries[0]?.detail).bodyStored).toMatchObject({ bucket: 'payloads' });
    // Stored once as the event (whose pointer the bus refused), once for the quarantine.
    expect([...objects.keys()].map((key) => key.split('/')[0])).toEqual(['complycube', 'quarantine']);
  });

  it('quarantines an event refused for the whole request (a ValidationException), naming the error', async () => {
    const { deps, publisher } = setup();
    const cause = Object.assign(new Error('1 validation error detected'), { name: 'ValidationException' });
    publisher.failNext(new PublishError('PutEvents failed.', undefined, { cause, permanent: true }));

    const result = await receive(post(BODY), deps);

    expect(result.body).toEqual({ status: 'quarantined', reason: 'rejected_by_bus:ValidationException' });
  });
});

describe('receive: an event without a time of its own', () => {
  it('is published, and the request line says the replay-age check could not run', async () => {
    const { deps, publisher } = setup();

    const result = await receive(post(eventBody({ createdAt: undefined })), deps);

    expect(result.statusCode).toBe(200);
    expect(publisher.entries).toHaveLength(1);
    expect(result.log.noEventTime).toBe(true);
  });

  it('is not flagged when it has one', async () => {
    const { deps } = setup();

    const result = await receive(post(BODY), deps);

    expect(result.log.noEventTime).toBeUndefined();
  });
});

describe('receive: a PutEvents that failed after the SDK retried it', () => {
  it('answers 503 and notes the attempts, since the first may have reached the bus', async () => {
    const { deps, publisher } = setup();
    publisher.failNext(new PublishError('PutEvents failed.', undefined, { attempts: 2 }));

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(503);
    expect(result.log.publishAttempts).toBe(2);
  });
});

describe('receive: a deadline that leaves PutEvents no time', () => {
  it('answers 503 and releases the claim without saying PutEvents was cut short, since it never started', async () => {
    const { deps, ledger, publisher, logger } = setup();
    // Less than the release reserve: the claim fits, PutEvents may not start.
    const deadline = Deadline.after(RELEASE_RESERVE_MS - 500);

    const result = await receive(post(BODY), deps, deadline);

    expect(result.statusCode).toBe(503);
    expect(publisher.entries).toHaveLength(0);
    expect(ledger.records.has(KEY)).toBe(false);
    expect(result.log.publishCutShort).toBeUndefined();
    expect(logger.lines.some((line) => line.fields?.publishCutShort !== undefined)).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SignatureVerification } from '../../contract/env.js';
import {
  type ReceiveDependencies,
  type ReceiveResult,
  receive,
  type WebhookRequest,
} from '../../functions/receiver/core/receive.js';
import { WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import type { Headers } from '../../functions/receiver/core/verifier.js';
import { compliancely } from '../../functions/receiver/providers/compliancely.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';
import {
  listCompliancelyFixtures,
  loadCompliancelyFixture,
  loadCompliancelyFixtureText,
  type SignatureEncoding,
  signCompliancely,
} from '../helpers/compliancely.js';
import {
  CapturingLogger,
  FakeClock,
  FakeLedger,
  FakeSecretSource,
  RecordingPublisher,
} from '../helpers/fakes.js';

const SECRET = 'compliancely_fictional_receiver_secret_01';
const RETENTION_SECONDS = 30 * 86_400;
const HEADER = 'compliancely-signature';

/** The did_not_match fixture, compact, as Compliancely might send it. */
const RECORD = loadCompliancelyFixture('did_not_match');
const BODY = JSON.stringify(RECORD);
const KEY = 'compliancely#7310003#2024-03-01T10:02:33.000Z#did_not_match';

interface SetupOptions {
  readonly secretValue?: string;
  readonly signatureVerification?: SignatureVerification;
  readonly provider?: ReceiveDependencies['provider'];
}

// The fake clock starts at 2024-03-01T12:00:00Z, shortly after every fixture's updated_date.
function setup(options: SetupOptions = {}) {
  const clock = new FakeClock();
  const source = new FakeSecretSource(options.secretValue ?? SECRET);
  const secrets = new WebhookSecrets({ source, clock });
  const ledger = new FakeLedger({ clock, retentionSeconds: RETENTION_SECONDS });
  const publisher = new RecordingPublisher();
  const logger = new CapturingLogger();
  const deps: ReceiveDependencies = {
    provider: options.provider ?? compliancely,
    secrets,
    ledger,
    publisher,
    clock,
    logger,
    ...(options.signatureVerification === undefined
      ? {}
      : { signatureVerification: options.signatureVerification }),
  };
  return { clock, source, ledger, publisher, logger, deps };
}

function post(
  body: string,
  options: { secret?: string; encoding?: SignatureEncoding; headers?: Headers } = {},
): WebhookRequest {
  return {
    method: 'POST',
    headers: options.headers ?? {
      'content-type': 'application/json',
      [HEADER]: signCompliancely(body, options.secret ?? SECRET, options.encoding),
    },
    body: Buffer.from(body, 'utf8'),
  };
}

const unsigned = (body: string): WebhookRequest =>
  post(body, { headers: { 'content-type': 'application/json' } });

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

function said(result: ReceiveResult, logger: CapturingLogger): string {
  return `${JSON.stringify(result)}\n${logger.text()}`;
}

describe('Compliancely receive: each documented status', () => {
  it.each(listCompliancelyFixtures())('accepts and publishes the %s fixture', async (slug) => {
    const { deps, publisher, ledger } = setup();
    const text = loadCompliancelyFixtureText(slug);
    const record = loadCompliancelyFixture(slug);

    const result = await receive(post(text), deps);

    const key = `${record.id}#${new Date(record.updated_date).toISOString()}#${slug}`;
    expect(result.statusCode).toBe(200);
    expect(result.body).toEqual({ status: 'accepted', eventId: key });
    expect(publisher.entries).toEqual([
      {
        source: 'com.compliancely',
        detailType: `tin_check.${slug}`,
        detail: text,
        time: new Date(record.updated_date),
      },
    ]);
    expect(ledger.records.get(`compliancely#${key}`)).toMatchObject({
      status: 'COMPLETED',
      eventType: `tin_check.${slug}`,
      bodySha256: sha256(text),
    });
  });

  it.each<SignatureEncoding>(['hex', 'HEX', 'base64'])('accepts a signature in %s', async (encoding) => {
    const { deps, publisher } = setup();

    const result = await receive(post(BODY, { encoding }), deps);

    expect(result.statusCode).toBe(200);
    expect(publisher.entries).toHaveLength(1);
  });

  it('logs the derived key and type and never the record’s name or TIN', async () => {
    const { deps, logger } = setup();

    const result = await receive(post(BODY), deps);

    expect(result.log).toMatchObject({
      provider: 'compliancely',
      eventId: KEY.slice('compliancely#'.length),
      eventType: 'tin_check.did_not_match',
      secretIndex: 0,
    });
    expect(said(result, logger)).not.toContain(RECORD.name);
    expect(said(result, logger)).not.toContain(RECORD.tin);
  });
});

describe('Compliancely receive: idempotency', () => {
  it('answers a byte-identical retry 200 duplicate and publishes once', async () => {
    const { deps, publisher, logger } = setup();
    await receive(post(BODY), deps);

    const retry = await receive(post(BODY), deps);

    expect(retry.statusCode).toBe(200);
    expect(retry.body.status).toBe('duplicate');
    expect(publisher.entries).toHaveLength(1);
    expect(logger.at('warn')).toEqual([]);
  });

  it('treats the same state spelled differently as a duplicate, warning with digests only', async () => {
    const { deps, publisher, logger } = setup();
    const pretty = loadCompliancelyFixtureText('did_not_match');
    await receive(post(BODY), deps);

    const result = await receive(post(pretty, { encoding: 'base64' }), deps);

    expect(result.body.status).toBe('duplicate');
    expect(publisher.entries.map((e) => e.detail)).toEqual([BODY]);
    expect(logger.at('warn')[0]?.fields).toMatchObject({
      storedBodySha256: sha256(BODY),
      receivedBodySha256: sha256(pretty),
    });
    expect(logger.text()).not.toContain(RECORD.name);
  });

  it('publishes each real change of a record: a new status, then a new updated_date', async () => {
    const { deps, publisher } = setup();
    const pending = { ...RECORD, status: 'Pending', updated_date: '2024-03-01T10:00:00Z' };
    const review = { ...RECORD, status: 'In Review', updated_date: '2024-03-01T10:00:00Z' };
    const again = { ...RECORD, status: 'In Review', updated_date: '2024-03-01T10:30:00Z' };

    const results = [];
    for (const record of [pending, review, again, RECORD]) {
      results.push(await receive(post(JSON.stringify(record)), deps));
    }

    expect(results.map((r) => r.body.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(publisher.entries.map((e) => e.detailType)).toEqual([
      'tin_check.pending',
      'tin_check.in_review',
      'tin_check.in_review',
      'tin_check.did_not_match',
    ]);
  });

  it('answers a concurrent second delivery of the same state 409, and its retry duplicate', async () => {
    const { deps, publisher } = setup();
    let second: ReceiveResult | undefined;
    publisher.onPublish = async () => {
      second = await receive(post(BODY, { encoding: 'base64' }), deps);
    };

    const first = await receive(post(BODY), deps);
    const retry = await receive(post(BODY), deps);

    expect(first.statusCode).toBe(200);
    expect(second?.statusCode).toBe(409);
    expect(retry.body.status).toBe('duplicate');
    expect(publisher.entries).toHaveLength(1);
  });

  it('publishes a record with a status nobody documented under its slug', async () => {
    const { deps, publisher } = setup();
    const body = JSON.stringify({ ...RECORD, status: 'Escalated to Compliance' });

    const result = await receive(post(body), deps);

    expect(result.statusCode).toBe(200);
    expect(result.body.status).toBe('accepted');
    expect(publisher.entries[0]?.detailType).toBe('tin_check.escalated_to_compliance');
  });

  it('publishes a status with no letter or digit under a stable hashed type', async () => {
    const { deps, publisher } = setup();

    await receive(post(JSON.stringify({ ...RECORD, status: '???' })), deps);
    await receive(
      post(JSON.stringify({ ...RECORD, status: '???', updated_date: '2024-03-01T11:00:00Z' })),
      deps,
    );

    const [a, b] = publisher.entries.map((e) => e.detailType);
    expect(a).toMatch(/^tin_check\.other_[0-9a-f]{12}$/);
    expect(b).toBe(a);
  });
});

describe('Compliancely receive: forged requests write nothing', () => {
  it.each<[string, Headers]>([
    ['wrong secret', { [HEADER]: signCompliancely(BODY, 'not-the-secret') }],
    ['wrong secret, base64', { [HEADER]: signCompliancely(BODY, 'not-the-secret', 'base64') }],
    [
      'URL-safe base64',
      {
        [HEADER]: signCompliancely(BODY, SECRET, 'base64')
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=$/, ''),
      },
    ],
    ['a sha256= prefix', { [HEADER]: `sha256=${signCompliancely(BODY, SECRET)}` }],
    ['the ComplyCube header instead', { 'complycube-signature': signCompliancely(BODY, SECRET) }],
    ['no signature (signing required by default)', { 'content-type': 'application/json' }],
  ])('answers 401 to %s, and claims and publishes nothing', async (_name, headers) => {
    const { deps, ledger, publisher } = setup();

    const result = await receive(post(BODY, { headers }), deps);

    expect(result.statusCode).toBe(401);
    expect(result.body.status).toBe('forged');
    expect(ledger.calls).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it('never says the secret or either signature', async () => {
    const { deps, logger } = setup();
    const forged = signCompliancely(BODY, 'an-attacker-guess', 'base64');

    const result = await receive(post(BODY, { headers: { [HEADER]: forged } }), deps);

    const text = said(result, logger);
    for (const value of [
      SECRET,
      forged,
      signCompliancely(BODY, SECRET),
      signCompliancely(BODY, SECRET, 'base64'),
    ]) {
      expect(text).not.toContain(value);
    }
  });
});

describe('Compliancely receive: unsigned deliveries', () => {
  it('refuses an unsigned request by default, without reading the secret', async () => {
    const { deps, source, ledger } = setup();

    const result = await receive(unsigned(BODY), deps);

    expect(result.statusCode).toBe(401);
    expect(result.log.reason).toBe('missing');
    expect(source.fetches).toBe(0);
    expect(ledger.calls).toEqual([]);
  });

  it('refuses an unsigned request when verification is required explicitly', async () => {
    const { deps, publisher } = setup({ signatureVerification: 'required' });

    const result = await receive(unsigned(BODY), deps);

    expect(result.statusCode).toBe(401);
    expect(publisher.attempts).toBe(0);
  });

  it('takes in an unsigned request when told signing is optional, marks it, and never reads the secret', async () => {
    const { deps, source, publisher } = setup({
      signatureVerification: 'optional',
      secretValue: '{"placeholder":"not set yet"}',
    });

    const result = await receive(unsigned(BODY), deps);

    expect(result.statusCode).toBe(200);
    expect(result.body.status).toBe('accepted');
    expect(result.log.unsigned).toBe(true);
    expect(result.log).not.toHaveProperty('secretIndex');
    expect(source.fetches).toBe(0);
    expect(publisher.entries).toHaveLength(1);
  });

  it('counts an empty signature header as unsigned when signing is optional', async () => {
    const { deps } = setup({ signatureVerification: 'optional' });

    const result = await receive(post(BODY, { headers: { [HEADER]: '' } }), deps);

    expect(result.statusCode).toBe(200);
    expect(result.log.unsigned).toBe(true);
  });

  it.each<[string, Headers]>([
    ['a wrong signature', { [HEADER]: signCompliancely(BODY, 'not-the-secret') }],
    ['a malformed signature', { [HEADER]: 'sha256=abc' }],
    ['two spellings of the header that disagree', { [HEADER]: 'a', 'Compliancely-Signature': 'b' }],
  ])('still refuses %s when signing is optional, writing nothing', async (_name, headers) => {
    const { deps, ledger, publisher } = setup({ signatureVerification: 'optional' });

    const result = await receive(post(BODY, { headers }), deps);

    expect(result.statusCode).toBe(401);
    expect(ledger.calls).toEqual([]);
    expect(publisher.attempts).toBe(0);
  });

  it('still verifies a signed request when signing is optional', async () => {
    const { deps } = setup({ signatureVerification: 'optional' });

    const result = await receive(post(BODY, { encoding: 'base64' }), deps);

    expect(result.statusCode).toBe(200);
    expect(result.log.secretIndex).toBe(0);
    expect(result.log).not.toHaveProperty('unsigned');
  });

  it('keeps refusing unsigned ComplyCube requests even if the dependencies say optional', async () => {
    const { deps, ledger } = setup({ provider: complyCube, signatureVerification: 'optional' });
    const body = JSON.stringify({
      id: '5ed170fe99c81a0007b9a3d3',
      type: 'check.pending',
      createdAt: '2024-03-01T11:00:00Z',
    });

    const result = await receive(unsigned(body), deps);

    expect(result.statusCode).toBe(401);
    expect(ledger.calls).toEqual([]);
  });
});

describe('Compliancely receive: quarantine', () => {
  it.each([
    ['not_json', 'id=7310003&status=Did+Not+Match'],
    ['missing_updated_date', JSON.stringify({ ...RECORD, updated_date: undefined })],
    ['invalid_id', JSON.stringify({ ...RECORD, id: 'a#b' })],
    ['missing_status', JSON.stringify({ ...RECORD, status: null })],
  ])(
    'answers 202 and keeps an authentic body it cannot route (%s) under its own quarantine source',
    async (reason, body) => {
      const { deps, publisher, ledger } = setup();

      const result = await receive(post(body), deps);

      expect(result.statusCode).toBe(202);
      expect(result.body).toEqual({ status: 'quarantined', reason });
      expect(publisher.entries).toHaveLength(1);
      expect(publisher.entries[0]?.source).toBe('com.compliancely.quarantine');
      expect(JSON.parse(publisher.entries[0]?.detail ?? '{}')).toMatchObject({
        provider: 'compliancely',
        reason,
        body,
      });
      expect([...ledger.records.keys()]).toEqual([`compliancely#quarantine#${sha256(body)}`]);
    },
  );

  it('keeps a record whose updated_date is older than the retention in quarantine, not on the bus', async () => {
    const { deps, publisher, clock } = setup();
    clock.advance((RETENTION_SECONDS + 3600) * 1000);

    const result = await receive(post(BODY), deps);

    expect(result.statusCode).toBe(202);
    expect(publisher.entries.map((e) => e.source)).toEqual(['com.compliancely.quarantine']);
  });

  it('quarantines an unsigned body it cannot route when signing is optional', async () => {
    const { deps, publisher } = setup({ signatureVerification: 'optional' });

    const result = await receive(unsigned('not json'), deps);

    expect(result.statusCode).toBe(202);
    expect(publisher.entries[0]?.source).toBe('com.compliancely.quarantine');
  });
});

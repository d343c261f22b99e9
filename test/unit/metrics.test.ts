import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/env.js';
import {
  DEFAULT_METRICS_NAMESPACE,
  DIMENSION,
  METRIC,
  namespaceProblem,
  OTHER_EVENT_TYPE,
  RECEIVER_METRICS,
} from '../../contract/metrics.js';
import { VERDICTS } from '../../contract/verdicts.js';
import { sign } from '../../fixtures/complycube.js';
import { readConfig } from '../../functions/receiver/config.js';
import { LedgerError, PublishError } from '../../functions/receiver/core/errors.js';
import { jsonLogger } from '../../functions/receiver/core/logger.js';
import { emfMembers, sampleOf } from '../../functions/receiver/core/metrics.js';
import {
  type ReceiveDependencies,
  type ReceiveResult,
  receive,
} from '../../functions/receiver/core/receive.js';
import { WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import { compliancely } from '../../functions/receiver/providers/compliancely.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import { signCompliancely } from '../helpers/compliancely.js';
import { type ExtractedMetric, extractEmf, metricValue } from '../helpers/emf.js';
import {
  CapturingLogger,
  FakeClock,
  FakeLedger,
  FakeSecretSource,
  RecordingPublisher,
} from '../helpers/fakes.js';

const SECRET = 'whsec_fictional_metrics_0001';
const NOW = Date.UTC(2020, 0, 1, 12, 0, 0);
const NAMESPACE = 'ComplyCubeWebhooks/test';

function setup(provider: WebhookProvider = complyCube) {
  const clock = new FakeClock(NOW);
  const secrets = new WebhookSecrets({ source: new FakeSecretSource(SECRET), clock });
  const ledger = new FakeLedger({ clock, retentionSeconds: 7 * 86_400, leaseSeconds: 30 });
  const publisher = new RecordingPublisher();
  const deps: ReceiveDependencies = {
    provider,
    secrets,
    ledger,
    publisher,
    clock,
    logger: new CapturingLogger(),
  };
  return { deps, ledger, publisher };
}

function complyCubeBody(type: string, id = '5ed170fe99c81a0007b9a3d3'): string {
  return JSON.stringify({
    id,
    type,
    resourceType: 'check',
    payload: { id: '5ed3918fbf06f30008e552c9', outcome: 'clear', fullName: 'Jane Fictional' },
    createdAt: '2020-01-01T11:14:23.964Z',
  });
}

function post(body: string, signature = sign(body, SECRET)) {
  return { method: 'POST', headers: { 'complycube-signature': signature }, body: Buffer.from(body, 'utf8') };
}

/** The request's log line as the handler writes it: log fields and EMF members on one line. */
function logLine(
  result: ReceiveResult,
  provider: WebhookProvider = complyCube,
): { text: string; json: Record<string, unknown> } {
  const lines: string[] = [];
  jsonLogger((line) => lines.push(line)).info(
    'webhook',
    { ...result.log, verdict: result.verdict, status: result.statusCode, durationMs: 12.5 },
    emfMembers(
      sampleOf({ provider: provider.name, verdict: result.verdict, log: result.log, handlerMs: 12.5 }),
      {
        namespace: NAMESPACE,
        catalogue: new Set(provider.eventTypes),
        timestamp: NOW,
      },
    ),
  );
  expect(lines).toHaveLength(1);
  const text = lines[0] ?? '';
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

function metricsOf(result: ReceiveResult, provider: WebhookProvider = complyCube): ExtractedMetric[] {
  return extractEmf(logLine(result, provider).json);
}

describe('the request log line as embedded metrics', () => {
  it('counts an accepted event under its verdict and its documented type, with both latencies', async () => {
    const { deps } = setup();
    const result = await receive(post(complyCubeBody('check.completed.clear')), deps);
    const metrics = metricsOf(result);

    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set([NAMESPACE]));
    const provider = { [DIMENSION.provider]: 'complycube' };
    expect(metricValue(metrics, METRIC.requests, provider)).toBe(1);
    expect(metricValue(metrics, METRIC.requests, { ...provider, [DIMENSION.verdict]: 'accepted' })).toBe(1);
    expect(
      metricValue(metrics, METRIC.publishedEvents, {
        ...provider,
        [DIMENSION.eventType]: 'check.completed.clear',
      }),
    ).toBe(1);
    expect(metricValue(metrics, METRIC.publishFailures, provider)).toBe(0);
    expect(metricValue(metrics, METRIC.handlerLatency, provider)).toBe(12.5);
    const verification = metricValue(metrics, METRIC.verificationLatency, provider);
    expect(verification).toBe(result.log.verifyMs);
    expect(verification).toBeGreaterThanOrEqual(0);
    expect(metrics.find((m) => m.name === METRIC.handlerLatency)?.unit).toBe('Milliseconds');
    expect(metrics.find((m) => m.name === METRIC.requests)?.unit).toBe('Count');
  });

  it('counts a type the provider does not document as other, so senders cannot mint dimensions', async () => {
    const { deps } = setup();
    const result = await receive(post(complyCubeBody('check.brand_new_type')), deps);
    expect(result.verdict).toBe('accepted');
    const line = logLine(result);
    const metrics = extractEmf(line.json);

    expect(
      metricValue(metrics, METRIC.publishedEvents, {
        [DIMENSION.provider]: 'complycube',
        [DIMENSION.eventType]: OTHER_EVENT_TYPE,
      }),
    ).toBe(1);
    // The log keeps the real type for people; only the metric dimension is bounded.
    expect(line.json.eventType).toBe('check.brand_new_type');
    expect(metrics.flatMap((m) => Object.values(m.dimensions))).not.toContain('check.brand_new_type');
  });

  it('does the same for Compliancely statuses: documented ones by type, others as other', async () => {
    const record = (status: string) =>
      JSON.stringify({ id: 7310003, status, updated_date: '2020-01-01T11:00:00Z', tin: '000000000' });
    const publish = async (status: string) => {
      const { deps } = setup(compliancely);
      const body = record(status);
      const result = await receive(
        {
          method: 'POST',
          headers: { 'compliancely-signature': signCompliancely(body, SECRET) },
          body: Buffer.from(body),
        },
        deps,
      );
      return metricsOf(result, compliancely).find((m) => m.name === METRIC.publishedEvents)?.dimensions;
    };

    expect(await publish('Did Not Match')).toEqual({
      Provider: 'compliancely',
      EventType: 'tin_check.did_not_match',
    });
    expect(await publish('Escalated to Compliance')).toEqual({
      Provider: 'compliancely',
      EventType: 'other',
    });
  });

  it('counts a duplicate under its verdict and publishes nothing', async () => {
    const { deps } = setup();
    const body = complyCubeBody('client.created');
    await receive(post(body), deps);
    const metrics = metricsOf(await receive(post(body), deps));

    expect(metricValue(metrics, METRIC.requests, { Provider: 'complycube', Verdict: 'duplicate' })).toBe(1);
    expect(metrics.some((m) => m.name === METRIC.publishedEvents)).toBe(false);
  });

  it('times the verification of a forged request and publishes nothing', async () => {
    const { deps } = setup();
    const metrics = metricsOf(await receive(post(complyCubeBody('client.created'), 'ab'.repeat(32)), deps));

    expect(metricValue(metrics, METRIC.requests, { Provider: 'complycube', Verdict: 'forged' })).toBe(1);
    expect(
      metricValue(metrics, METRIC.verificationLatency, { Provider: 'complycube' }),
    ).toBeGreaterThanOrEqual(0);
    expect(metrics.some((m) => m.name === METRIC.publishedEvents)).toBe(false);
  });

  it('has no verification latency for requests refused before the signature is read (405, 413)', async () => {
    const { deps } = setup();
    const wrongMethod = await receive({ method: 'GET', headers: {}, body: Buffer.alloc(0) }, deps);
    const tooLarge = await receive(
      { ...post('x'), body: Buffer.alloc(2_000_000, 'x') },
      { ...deps, limits: { maxBodyBytes: 1_048_576 } },
    );

    for (const [result, verdict] of [
      [wrongMethod, 'method_not_allowed'],
      [tooLarge, 'too_large'],
    ] as const) {
      const metrics = metricsOf(result);
      expect(metricValue(metrics, METRIC.requests, { Provider: 'complycube', Verdict: verdict })).toBe(1);
      expect(metrics.some((m) => m.name === METRIC.verificationLatency)).toBe(false);
    }
  });

  it('counts a quarantined body under quarantined, not as a published event', async () => {
    const { deps } = setup();
    const body = '{"not":"an event"}';
    const metrics = metricsOf(await receive(post(body), deps));

    expect(metricValue(metrics, METRIC.requests, { Provider: 'complycube', Verdict: 'quarantined' })).toBe(1);
    expect(metrics.some((m) => m.name === METRIC.publishedEvents)).toBe(false);
  });

  it('counts a failed PutEvents as a publish failure, and other failures only as failed', async () => {
    const publishFailure = setup();
    publishFailure.publisher.failNext(new PublishError('PutEvents to bus failed.'));
    const published = metricsOf(await receive(post(complyCubeBody('client.updated')), publishFailure.deps));
    expect(metricValue(published, METRIC.requests, { Provider: 'complycube', Verdict: 'failed' })).toBe(1);
    expect(metricValue(published, METRIC.publishFailures, { Provider: 'complycube' })).toBe(1);

    const ledgerFailure = setup();
    ledgerFailure.ledger.failNext('claim', new LedgerError('DynamoDB is unreachable.'));
    const ledger = metricsOf(await receive(post(complyCubeBody('client.updated')), ledgerFailure.deps));
    expect(metricValue(ledger, METRIC.requests, { Provider: 'complycube', Verdict: 'failed' })).toBe(1);
    expect(metricValue(ledger, METRIC.publishFailures, { Provider: 'complycube' })).toBe(0);
  });

  it('emits only metrics and dimension sets that RECEIVER_METRICS declares, for every kind of request', async () => {
    const declared = new Set(
      RECEIVER_METRICS.flatMap((m) => m.dimensionSets.map((set) => `${m.name}|${[...set].sort().join(',')}`)),
    );
    const { deps, publisher } = setup();
    const results = [
      await receive(post(complyCubeBody('check.completed.clear', 'a1')), deps),
      await receive(post(complyCubeBody('check.completed.clear', 'a1')), deps),
      await receive(post(complyCubeBody('client.created'), 'cd'.repeat(32)), deps),
      await receive(post('not json'), deps),
      await receive({ method: 'PUT', headers: {}, body: Buffer.alloc(0) }, deps),
    ];
    publisher.failNext(new PublishError('down'));
    results.push(await receive(post(complyCubeBody('client.deleted', 'a2')), deps));

    for (const result of results) {
      for (const metric of metricsOf(result)) {
        expect(declared).toContain(`${metric.name}|${Object.keys(metric.dimensions).sort().join(',')}`);
        if (metric.dimensions.Verdict !== undefined) expect(VERDICTS).toContain(metric.dimensions.Verdict);
      }
    }
    expect(new Set(results.map((r) => r.verdict))).toEqual(
      new Set(['accepted', 'duplicate', 'forged', 'quarantined', 'method_not_allowed', 'failed']),
    );
  });

  it('keeps the line free of the secret, the signature and the payload', async () => {
    const { deps } = setup();
    const body = complyCubeBody('check.completed.clear');
    const signature = sign(body, SECRET);
    const forgedSignature = sign(body, 'not-the-secret');
    const accepted = logLine(await receive(post(body, signature), deps)).text;
    const forged = logLine(
      await receive(post(complyCubeBody('client.created', 'b1'), forgedSignature), deps),
    ).text;

    for (const text of [accepted, forged]) {
      for (const secretOrPayload of [
        SECRET,
        signature,
        forgedSignature,
        'Jane Fictional',
        '5ed3918fbf06f30008e552c9',
      ]) {
        expect(text).not.toContain(secretOrPayload);
      }
    }
  });
});

describe('verdicts and namespaces', () => {
  it('lists every verdict once, accepted first', () => {
    expect(VERDICTS[0]).toBe('accepted');
    expect(new Set(VERDICTS).size).toBe(VERDICTS.length);
    expect([...VERDICTS].sort()).toEqual(
      [
        'accepted',
        'duplicate',
        'failed',
        'forged',
        'in_progress',
        'method_not_allowed',
        'quarantined',
        'too_large',
      ].sort(),
    );
  });

  it('takes the namespace from METRICS_NAMESPACE, with a default', () => {
    const env = {
      [ENV.provider]: 'complycube',
      [ENV.eventBusName]: 'bus',
      [ENV.tableName]: 'table',
      [ENV.secretArn]: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:cc-AbCdEf',
    };
    expect(readConfig(env).metricsNamespace).toBe(DEFAULT_METRICS_NAMESPACE);
    expect(readConfig({ ...env, [ENV.metricsNamespace]: 'Webhooks/staging' }).metricsNamespace).toBe(
      'Webhooks/staging',
    );
    expect(() => readConfig({ ...env, [ENV.metricsNamespace]: 'AWS/Lambda' })).toThrow(
      'METRICS_NAMESPACE: "AWS/Lambda" must not start with AWS/',
    );
  });

  it('refuses namespaces CloudWatch would refuse, saying what is allowed', () => {
    expect(namespaceProblem('ComplyCubeWebhooks')).toBeUndefined();
    expect(namespaceProblem('Team/Webhooks: prod #1')).toBeUndefined();
    expect(namespaceProblem('')).toMatch(/1 to 255 letters/);
    expect(namespaceProblem('x'.repeat(256))).toMatch(/1 to 255 letters/);
    expect(namespaceProblem('Webhooks\u00e9')).toMatch(/e\.g\. ComplyCubeWebhooks\/staging/);
    expect(namespaceProblem('aws/mine')).toMatch(/reserves/);
  });
});

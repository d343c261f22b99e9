/**
 * The real handler's output against DynamoDB Local and moto: one JSON line per request that is
 * both the request log and its CloudWatch metrics (embedded metric format), in the namespace the
 * construct sets, with bounded dimensions and nothing secret in it.
 */

import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../contract/env.js';
import { DIMENSION, METRIC } from '../../contract/metrics.js';
import { functionUrlEvent, loadFixture, sign, withFreshId } from '../../fixtures/complycube.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { extractEmf, metricValue } from '../helpers/emf.js';
import { createTestResources, useEmulatorEnv } from '../support/aws-env.js';
import { loadBundledHandler } from '../support/receiver-under-test.js';

const SECRET = 'whsec_integration_metrics_fictional_51c2';
const NAMESPACE = 'ComplyCubeWebhooks/integration';

type Handler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResponse>;

let handler: Handler;
const written: string[] = [];

beforeAll(async () => {
  useEmulatorEnv();
  const resources = await createTestResources('metrics', { secretValue: SECRET });
  Object.assign(process.env, {
    [ENV.provider]: 'complycube',
    [ENV.eventBusName]: resources.eventBusName,
    [ENV.tableName]: resources.tableName,
    [ENV.secretArn]: resources.secretArn,
    [ENV.metricsNamespace]: NAMESPACE,
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  handler = await loadBundledHandler();
});

afterAll(() => {
  vi.restoreAllMocks();
});

beforeEach(() => {
  written.length = 0;
});

function lines(): Record<string, unknown>[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function fresh(type: string) {
  const event = withFreshId(loadFixture(type));
  return { event, body: JSON.stringify(event) };
}

describe('the handler’s request line', () => {
  it('is one line per request, carrying the log fields and the metrics in the configured namespace', async () => {
    const { event, body } = fresh('check.completed.clear');
    const response = await handler(functionUrlEvent({ body, secret: SECRET }));
    expect(response.statusCode).toBe(200);

    const output = lines();
    expect(output).toHaveLength(1);
    const [line] = output;
    expect(line).toMatchObject({ message: 'webhook', verdict: 'accepted', eventId: event.id, status: 200 });
    const metrics = extractEmf(line);
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set([NAMESPACE]));
    const provider = { [DIMENSION.provider]: 'complycube' };
    expect(metricValue(metrics, METRIC.requests, { ...provider, [DIMENSION.verdict]: 'accepted' })).toBe(1);
    expect(
      metricValue(metrics, METRIC.publishedEvents, {
        ...provider,
        [DIMENSION.eventType]: 'check.completed.clear',
      }),
    ).toBe(1);
    // The handler's latency metric is the log's own durationMs: one clock, two views.
    expect(metricValue(metrics, METRIC.handlerLatency, provider)).toBe(line?.durationMs);
    expect(metricValue(metrics, METRIC.verificationLatency, provider)).toBe(line?.verifyMs);
  });

  it('counts a redelivery as a duplicate and a forged request as forged, without a published event', async () => {
    const { body } = fresh('client.created');
    await handler(functionUrlEvent({ body, secret: SECRET }));
    await handler(functionUrlEvent({ body, secret: SECRET }));
    await handler(functionUrlEvent({ body, secret: 'not-the-webhook-secret' }));

    const verdicts = lines().map((line) => {
      const metrics = extractEmf(line);
      return {
        verdict: metrics.find((m) => m.name === METRIC.requests && m.dimensions.Verdict !== undefined)
          ?.dimensions.Verdict,
        published: metrics.some((m) => m.name === METRIC.publishedEvents),
      };
    });
    expect(verdicts).toEqual([
      { verdict: 'accepted', published: true },
      { verdict: 'duplicate', published: false },
      { verdict: 'forged', published: false },
    ]);
  });

  it('never writes the secret, a signature or the payload', async () => {
    const { event, body } = fresh('client.created');
    const forgedSignature = sign(body, 'not-the-webhook-secret');
    await handler(functionUrlEvent({ body, secret: SECRET }));
    await handler(functionUrlEvent({ body: JSON.stringify(withFreshId(event)), signature: forgedSignature }));

    const text = written.join('');
    expect(text).toContain(`"${METRIC.requests}":1`);
    const payload = JSON.stringify(event.payload);
    for (const value of [SECRET, sign(body, SECRET), forgedSignature, payload]) {
      expect(text).not.toContain(value);
    }
    for (const value of Object.values(event.payload as Record<string, unknown>)) {
      if (typeof value === 'string' && value.length > 8) expect(text).not.toContain(value);
    }
  });
});

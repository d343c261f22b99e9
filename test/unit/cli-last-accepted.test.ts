/**
 * `status`'s "last accepted": the latest non-zero period, and the deployed read narrowing from
 * hours to minutes, saying "none" or "unknown" rather than failing.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  cloudWatchLastAccepted,
  describeLastAccepted,
  latestNonZeroPeriod,
} from '../../cli/commands/connect/last-accepted.js';

const at = (iso: string) => new Date(iso);

describe('latestNonZeroPeriod', () => {
  it('picks the latest period with a sum above zero, whatever the order', () => {
    const latest = latestNonZeroPeriod(
      [at('2026-12-05T10:00:00Z'), at('2026-12-05T12:00:00Z'), at('2026-12-05T11:00:00Z')],
      [3, 0, 1],
    );

    expect(latest).toEqual(at('2026-12-05T11:00:00Z'));
  });

  it('finds nothing when every period is zero or empty', () => {
    expect(latestNonZeroPeriod([at('2026-12-05T10:00:00Z')], [0])).toBeUndefined();
    expect(latestNonZeroPeriod([], [])).toBeUndefined();
  });
});

describe('cloudWatchLastAccepted', () => {
  const now = at('2026-12-05T13:20:00Z');

  it('narrows the latest non-zero hour to its latest non-zero minute', async () => {
    const client = new CloudWatchClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Timestamps: [at('2026-12-05T09:00:00Z'), at('2026-12-05T08:00:00Z')], Values: [2, 5] },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [
          { Timestamps: [at('2026-12-05T09:41:00Z'), at('2026-12-05T09:12:00Z')], Values: [1, 1] },
        ],
      });

    const last = await cloudWatchLastAccepted(client, 'ComplyCubeWebhooks', 'complycube', now);

    expect(last).toMatchObject({
      state: 'seen',
      from: '2026-12-05T09:41:00.000Z',
      until: '2026-12-05T09:42:00.000Z',
    });
    const [hours, minutes] = mock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(hours?.MetricDataQueries?.[0]?.MetricStat).toMatchObject({
      Period: 3600,
      Stat: 'Sum',
      Metric: {
        Namespace: 'ComplyCubeWebhooks',
        MetricName: 'Requests',
        Dimensions: [
          { Name: 'Provider', Value: 'complycube' },
          { Name: 'Verdict', Value: 'accepted' },
        ],
      },
    });
    expect(minutes?.StartTime).toEqual(at('2026-12-05T09:00:00Z'));
    expect(minutes?.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(60);
    expect(describeLastAccepted(last)).toBe(
      'last accepted: within the minute ending 2026-12-05T09:42:00.000Z',
    );
  });

  it('says none in the last 14 days when no hour had any', async () => {
    const client = new CloudWatchClient({ region: 'eu-west-1' });
    mockClient(client)
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Timestamps: [], Values: [] }] });

    const last = await cloudWatchLastAccepted(client, 'ComplyCubeWebhooks', 'complycube', now);

    expect(describeLastAccepted(last)).toBe('last accepted: none in the last 14 days');
  });

  it('reports a refused read as unknown, naming the permission, instead of failing', async () => {
    const client = new CloudWatchClient({ region: 'eu-west-1' });
    const denied = Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
      name: 'AccessDenied',
    });
    mockClient(client).on(GetMetricDataCommand).rejects(denied);

    const last = await cloudWatchLastAccepted(client, 'ComplyCubeWebhooks', 'complycube', now);

    expect(last.state).toBe('unknown');
    expect(describeLastAccepted(last)).toMatch(/unknown \(could not read it: allow cloudwatch:GetMetricData/);
  });
});

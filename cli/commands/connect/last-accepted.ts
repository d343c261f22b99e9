/**
 * When the receiver last accepted a delivery, for `status`. Deployed: the receiver's own
 * `Requests` metric under `Verdict=accepted` (contract/metrics.ts), read from CloudWatch hour by
 * hour over 14 days and then minute by minute within the latest hour that had any. Local: the
 * ledger in DynamoDB Local, whose completed records are exactly the accepted deliveries (each
 * carries `completedAt`). A failed read is reported, never fatal: status has more to say.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LEDGER_ATTRIBUTES } from '../../../contract/ledger.js';
import { DIMENSION, METRIC } from '../../../contract/metrics.js';

/** How far back the deployed read looks. */
export const LOOKBACK_DAYS = 14;
const HOUR_SECONDS = 3600;
const MINUTE_SECONDS = 60;
const DAY_MS = 86_400_000;

export type LastAccepted =
  /** The latest accepted delivery fell in [from, until); equal when the exact time is known. */
  | { readonly state: 'seen'; readonly source: string; readonly from: string; readonly until: string }
  | { readonly state: 'none'; readonly source: string; readonly window: string }
  | { readonly state: 'unknown'; readonly source: string; readonly reason: string };

/**
 * The start of the latest period whose value is above zero, or `undefined` when none is.
 * CloudWatch stamps each period with its start and need not return them in order.
 *
 * @example
 * latestNonZeroPeriod([new Date(0), new Date(3_600_000)], [2, 0]); // new Date(0)
 */
export function latestNonZeroPeriod(
  timestamps: readonly Date[],
  values: readonly number[],
): Date | undefined {
  let latest: Date | undefined;
  timestamps.forEach((timestamp, index) => {
    const value = values[index];
    if (value === undefined || !(value > 0)) return;
    if (latest === undefined || timestamp.getTime() > latest.getTime()) latest = timestamp;
  });
  return latest;
}

/**
 * Reads the deployed receiver's accepted requests from CloudWatch.
 *
 * @example
 * const last = await cloudWatchLastAccepted(new CloudWatchClient({}), 'ComplyCubeWebhooks', 'complycube');
 */
export async function cloudWatchLastAccepted(
  client: CloudWatchClient,
  namespace: string,
  provider: string,
  now: Date = new Date(),
): Promise<LastAccepted> {
  const source = `CloudWatch ${namespace}/${METRIC.requests} (${DIMENSION.verdict}=accepted)`;
  try {
    // Whole hours, so each period is one clock hour and the current one is included.
    const end = new Date(Math.ceil(now.getTime() / (HOUR_SECONDS * 1000)) * HOUR_SECONDS * 1000);
    const start = new Date(end.getTime() - LOOKBACK_DAYS * DAY_MS);
    const hour = latestNonZeroPeriod(
      ...(await acceptedSums(client, namespace, provider, start, end, HOUR_SECONDS)),
    );
    if (hour === undefined) return { state: 'none', source, window: `the last ${LOOKBACK_DAYS} days` };
    const hourEnd = new Date(hour.getTime() + HOUR_SECONDS * 1000);
    // One-minute data is kept for 15 days, so the whole look-back can be narrowed.
    const minute = latestNonZeroPeriod(
      ...(await acceptedSums(client, namespace, provider, hour, hourEnd, MINUTE_SECONDS)),
    );
    const from = minute ?? hour;
    const until = minute === undefined ? hourEnd : new Date(minute.getTime() + MINUTE_SECONDS * 1000);
    return { state: 'seen', source, from: from.toISOString(), until: until.toISOString() };
  } catch (error) {
    return { state: 'unknown', source, reason: reasonOf(error, 'cloudwatch:GetMetricData') };
  }
}

async function acceptedSums(
  client: CloudWatchClient,
  namespace: string,
  provider: string,
  start: Date,
  end: Date,
  period: number,
): Promise<[Date[], number[]]> {
  const timestamps: Date[] = [];
  const values: number[] = [];
  let nextToken: string | undefined;
  do {
    const answer = await client.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        NextToken: nextToken,
        MetricDataQueries: [
          {
            Id: 'accepted',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: METRIC.requests,
                Dimensions: [
                  { Name: DIMENSION.provider, Value: provider },
                  { Name: DIMENSION.verdict, Value: 'accepted' },
                ],
              },
              Period: period,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    for (const result of answer.MetricDataResults ?? []) {
      timestamps.push(...(result.Timestamps ?? []));
      values.push(...(result.Values ?? []));
    }
    nextToken = answer.NextToken;
  } while (nextToken !== undefined);
  return [timestamps, values];
}

/**
 * Reads the local ledger: the latest `completedAt` of the provider's completed records. Local
 * tables are small, so a scan is cheap.
 */
export async function ledgerLastAccepted(
  client: DynamoDBClient,
  tableName: string,
  provider: string,
): Promise<LastAccepted> {
  const source = `the local ledger (${tableName})`;
  try {
    let latest: number | undefined;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const answer = await client.send(
        new ScanCommand({
          TableName: tableName,
          ExclusiveStartKey: startKey,
          ProjectionExpression: 'completedAt',
          // Quarantined bodies share the table under `<provider>#quarantine#…`; they were not accepted.
          FilterExpression:
            '#status = :completed AND begins_with(#pk, :prefix) AND NOT begins_with(#pk, :quarantine)',
          ExpressionAttributeNames: { '#status': 'status', '#pk': LEDGER_ATTRIBUTES.partitionKey },
          ExpressionAttributeValues: {
            ':completed': { S: 'COMPLETED' },
            ':prefix': { S: `${provider}#` },
            ':quarantine': { S: `${provider}#quarantine#` },
          },
        }),
      );
      for (const item of answer.Items ?? []) {
        const at = Number(item.completedAt?.N);
        if (Number.isFinite(at) && (latest === undefined || at > latest)) latest = at;
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey !== undefined);
    if (latest === undefined) return { state: 'none', source, window: 'since the local stack started' };
    const at = new Date(latest).toISOString();
    return { state: 'seen', source, from: at, until: at };
  } catch (error) {
    return { state: 'unknown', source, reason: reasonOf(error, 'dynamodb:Scan') };
  }
}

/** One line for people. */
export function describeLastAccepted(last: LastAccepted): string {
  switch (last.state) {
    case 'seen': {
      if (last.from === last.until) return `last accepted: ${last.until}`;
      const minutes = Math.round((Date.parse(last.until) - Date.parse(last.from)) / 60_000);
      const span = minutes === 60 ? 'the hour' : minutes === 1 ? 'the minute' : `the ${minutes} minutes`;
      return `last accepted: within ${span} ending ${last.until}`;
    }
    case 'none':
      return `last accepted: none in ${last.window}`;
    case 'unknown':
      return `last accepted: unknown (${last.reason})`;
  }
}

/** A CloudWatch client for `--stack`'s region. */
export function cloudWatchClient(region: string | undefined): CloudWatchClient {
  return new CloudWatchClient({ maxAttempts: 2, ...(region === undefined ? {} : { region }) });
}

function reasonOf(error: unknown, permission: string): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (/AccessDenied|not authorized|UnrecognizedClient|InvalidClientTokenId/i.test(`${name} ${message}`)) {
    return `could not read it: allow ${permission} to see it (${name || message})`;
  }
  return `could not read it: ${message}`;
}

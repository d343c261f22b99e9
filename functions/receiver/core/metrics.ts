/**
 * The receiver's CloudWatch metrics, in the embedded metric format (EMF): a few members added to the
 * request's one log line, which CloudWatch Logs turns into metrics as it ingests the line. No
 * agent, no API call on the request path, no dependency (Powertools Metrics alone would add about
 * 15 KB to a bundle that has 10 KB of room; README, "Operating it").
 *
 * Everything a dashboard or an alarm may refer to is declared in `contract/metrics.ts`
 * (`RECEIVER_METRICS`), which the construct builds its widgets from, and this module emits from.
 * Dimensions stay bounded: the provider, the verdict (a closed set), and the event type only for
 * types in the provider's catalogue, every other type counting as `other`. An unbounded dimension
 * would make every new value a new billed metric, and anyone who can reach the URL with a valid
 * signature could mint them.
 */
import {
  DIMENSION,
  type DimensionName,
  METRIC,
  type MetricDefinition,
  type MetricName,
  type MetricUnit,
  OTHER_EVENT_TYPE,
  RECEIVER_METRICS,
} from '../../../contract/metrics.js';
import type { Verdict } from '../../../contract/verdicts.js';
import type { LogFields } from './logger.js';

/** What one request contributes to the metrics. */
export interface RequestSample {
  readonly provider: string;
  readonly verdict: Verdict;
  /** The event's type when the request carried one, exactly as published. */
  readonly eventType: string | undefined;
  readonly handlerMs: number;
  /** Undefined when the request was refused before its signature was looked at (405, 413). */
  readonly verifyMs: number | undefined;
  readonly publishFailed: boolean;
}

/**
 * What a request's log fields say about it, for the metrics: the receive path already records
 * everything needed (`eventType`, `verifyMs`, `publishFailed`), so metrics add no bookkeeping to it.
 *
 * @example
 * sampleOf({ provider: 'complycube', verdict: result.verdict, log: result.log, handlerMs: 41.2 });
 */
export function sampleOf(input: {
  readonly provider: string;
  readonly verdict: Verdict;
  readonly log: LogFields;
  readonly handlerMs: number;
}): RequestSample {
  const { log } = input;
  return {
    provider: input.provider,
    verdict: input.verdict,
    eventType: typeof log.eventType === 'string' ? log.eventType : undefined,
    handlerMs: input.handlerMs,
    verifyMs: typeof log.verifyMs === 'number' ? log.verifyMs : undefined,
    // Set by the receive path where PutEvents failed; no error name is matched.
    publishFailed: input.verdict === 'failed' && log.publishFailed === true,
  };
}

/** The `_aws` metadata member of an EMF log line. */
export interface EmfMetadata {
  readonly Timestamp: number;
  readonly CloudWatchMetrics: readonly {
    readonly Namespace: string;
    readonly Dimensions: readonly (readonly string[])[];
    readonly Metrics: readonly { readonly Name: string; readonly Unit: MetricUnit }[];
  }[];
}

/** The members to add to the request's log line: `_aws`, each dimension's value and each metric's. */
export type EmfMembers = Readonly<Record<string, string | number | EmfMetadata>>;

/**
 * The EMF members of one request. Metrics with the same dimension sets share one directive; a
 * metric without a value for this request (no verification, nothing published) is left out
 * rather than reported as zero, so its statistics describe only the requests it applies to.
 *
 * @example
 * logger.info('webhook', fields, emfMembers(sample, { namespace: 'ComplyCubeWebhooks', catalogue, timestamp: Date.now() }));
 */
export function emfMembers(
  sample: RequestSample,
  options: {
    readonly namespace: string;
    readonly catalogue: ReadonlySet<string>;
    readonly timestamp: number;
  },
): EmfMembers {
  const values: Partial<Record<MetricName, number>> = {
    [METRIC.requests]: 1,
    [METRIC.publishFailures]: sample.publishFailed ? 1 : 0,
    [METRIC.handlerLatency]: sample.handlerMs,
  };
  if (sample.verifyMs !== undefined) values[METRIC.verificationLatency] = sample.verifyMs;
  const dimensions: Partial<Record<DimensionName, string>> = {
    [DIMENSION.provider]: sample.provider,
    [DIMENSION.verdict]: sample.verdict,
  };
  if (sample.verdict === 'accepted' && sample.eventType !== undefined) {
    values[METRIC.publishedEvents] = 1;
    dimensions[DIMENSION.eventType] = eventTypeDimension(sample.eventType, options.catalogue);
  }

  const directives = new Map<
    string,
    { dimensions: readonly (readonly string[])[]; metrics: MetricDefinition[] }
  >();
  for (const metric of RECEIVER_METRICS) {
    if (values[metric.name] === undefined) continue;
    const key = JSON.stringify(metric.dimensionSets);
    const directive = directives.get(key) ?? { dimensions: metric.dimensionSets, metrics: [] };
    directive.metrics.push(metric);
    directives.set(key, directive);
  }
  const metadata: EmfMetadata = {
    Timestamp: options.timestamp,
    CloudWatchMetrics: [...directives.values()].map((directive) => ({
      Namespace: options.namespace,
      Dimensions: directive.dimensions,
      Metrics: directive.metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
    })),
  };
  const members: Record<string, string | number | EmfMetadata> = { _aws: metadata };
  for (const [name, value] of [...Object.entries(dimensions), ...Object.entries(values)]) {
    if (value !== undefined) members[name] = value;
  }
  return members;
}

/** The `EventType` dimension value: the type itself when the provider documents it, else `other`. */
export function eventTypeDimension(eventType: string, catalogue: ReadonlySet<string>): string {
  return catalogue.has(eventType) ? eventType : OTHER_EVENT_TYPE;
}

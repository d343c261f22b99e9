/**
 * The receiver's CloudWatch metrics as a contract: the function emits exactly these (in the
 * embedded metric format), and the construct builds its dashboard and alarms from them alone, so
 * a widget cannot ask for a metric the function never writes.
 *
 * Dimensions stay bounded: the provider, the verdict (a closed set), and the event type only for
 * types in the provider's catalogue, every other type counting as `other`. An unbounded dimension
 * would make every new value a new billed metric, and anyone who can reach the URL with a valid
 * signature could mint them.
 */

/** The namespace when the construct sets none (`METRICS_NAMESPACE`). */
export const DEFAULT_METRICS_NAMESPACE = 'ComplyCubeWebhooks';

/** Metric names, as they appear in CloudWatch. */
export const METRIC = {
  /** One per request, under its verdict. */
  requests: 'Requests',
  /** One per new event put on the bus, under its event type. */
  publishedEvents: 'PublishedEvents',
  /** 1 when PutEvents failed (the request was answered 503), else 0. */
  publishFailures: 'PublishFailures',
  /** Milliseconds from the handler's start to its answer. */
  handlerLatency: 'HandlerLatency',
  /** Milliseconds spent checking the signature, a secret refresh included. */
  verificationLatency: 'VerificationLatency',
} as const;

/** Dimension names, as they appear in CloudWatch. */
export const DIMENSION = {
  provider: 'Provider',
  verdict: 'Verdict',
  eventType: 'EventType',
} as const;

/** The `EventType` dimension value of every type outside the provider's catalogue. */
export const OTHER_EVENT_TYPE = 'other';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
export type DimensionName = (typeof DIMENSION)[keyof typeof DIMENSION];
export type MetricUnit = 'Count' | 'Milliseconds';

/** One metric the receiver emits. */
export interface MetricDefinition {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  /** Each set of dimensions the metric is emitted under; one CloudWatch metric per set and values. */
  readonly dimensionSets: readonly (readonly DimensionName[])[];
}

/**
 * Every metric the receiver emits and the dimensions of each. Requests are emitted twice, per
 * provider and per provider and verdict, so a total needs no metric math; latency per provider
 * only, as a verdict dimension would double its cost for little insight.
 */
export const RECEIVER_METRICS: readonly MetricDefinition[] = [
  {
    name: METRIC.requests,
    unit: 'Count',
    dimensionSets: [[DIMENSION.provider], [DIMENSION.provider, DIMENSION.verdict]],
  },
  { name: METRIC.publishedEvents, unit: 'Count', dimensionSets: [[DIMENSION.provider, DIMENSION.eventType]] },
  { name: METRIC.publishFailures, unit: 'Count', dimensionSets: [[DIMENSION.provider]] },
  { name: METRIC.handlerLatency, unit: 'Milliseconds', dimensionSets: [[DIMENSION.provider]] },
  { name: METRIC.verificationLatency, unit: 'Milliseconds', dimensionSets: [[DIMENSION.provider]] },
];

const NAMESPACE = /^[A-Za-z0-9 ._\-/#:]{1,255}$/;

/**
 * Why a CloudWatch namespace would be refused, or `undefined` when it is fine: 1–255 of letters,
 * digits, space and `. _ - / # :`, and not under `AWS/`, which CloudWatch reserves.
 */
export function namespaceProblem(namespace: string): string | undefined {
  if (!NAMESPACE.test(namespace)) {
    return 'must be 1 to 255 letters, digits, spaces or . _ - / # : (e.g. ComplyCubeWebhooks/staging)';
  }
  if (/^aws\//i.test(namespace))
    return 'must not start with AWS/, which CloudWatch reserves for AWS services';
  return undefined;
}

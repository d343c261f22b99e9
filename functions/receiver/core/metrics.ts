/**
 * The receiver's CloudWatch metrics, in the embedded metric format (EMF): a few members added to the
 * request's one log line, which CloudWatch Logs turns into metrics as it ingests the line. No
 * agent, no API call on the request path, no dependency (Powertools Metrics alone would add about
 * 15 KB to a bundle that has 10 KB of room; README, "Operating it").
 *
 * Everything a dashboard or an alarm may refer to is declared here (`RECEIVER_METRICS`); the
 * construct builds its widgets from these constants and a test checks it uses nothing else.
 * Dimensions stay bounded: the provider, the verdict (a closed set), and the event type only for
 * types in the provider's catalogue, every other type counting as `other`. An unbounded dimension
 * would make every new value a new billed metric, and anyone who can reach the URL with a valid
 * signature could mint them.
 */
import type { Verdict } from './errors.js';
import type { LogFields } from './logger.js';

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

/** Every verdict, in the order a dashboard stacks them. A `Record` so a new verdict fails to compile here. */
const VERDICT_ORDER: Readonly<Record<Verdict, number>> = {
  accepted: 0,
  duplicate: 1,
  in_progress: 2,
  quarantined: 3,
  forged: 4,
  too_large: 5,
  method_not_allowed: 6,
  failed: 7,
};

/** Every value of the `Verdict` dimension. Pure, so the receiver's bundle, which never reads it, leaves it out. */
export const VERDICTS: readonly Verdict[] = /* @__PURE__ */ verdictsInOrder();

function verdictsInOrder(): Verdict[] {
  return (Object.keys(VERDICT_ORDER) as Verdict[]).sort((a, b) => VERDICT_ORDER[a] - VERDICT_ORDER[b]);
}

/** The error name (`errorName` in the log) of a failed PutEvents. */
const PUBLISH_ERROR_NAME = 'PublishError';

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
 * everything needed (`eventType`, `verifyMs`, `errorName`), so metrics add no bookkeeping to it.
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
    publishFailed: input.verdict === 'failed' && log.errorName === PUBLISH_ERROR_NAME,
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

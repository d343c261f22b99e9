/**
 * Reads a log line as CloudWatch Logs reads the embedded metric format, and says what it would
 * extract, or throws the rule a line breaks. The rules are those of the EMF specification: `_aws`
 * with a millisecond `Timestamp` and at least one directive; each directive a namespace, dimension
 * sets of at most 30 names that each name a string member of the line, and at most 100 metrics
 * whose names each name a number member.
 */

/** One data point CloudWatch would record. */
export interface ExtractedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The metrics a log line yields, one per metric and dimension set.
 *
 * @example
 * extractEmf(JSON.parse(line)).find((m) => m.name === 'Requests' && m.dimensions.Verdict === 'accepted');
 */
export function extractEmf(line: unknown): ExtractedMetric[] {
  if (!isRecord(line)) throw new Error('An EMF line is a JSON object.');
  const meta = line._aws;
  if (!isRecord(meta)) throw new Error('An EMF line has an _aws object.');
  if (typeof meta.Timestamp !== 'number' || !Number.isInteger(meta.Timestamp)) {
    throw new Error('_aws.Timestamp must be whole milliseconds since the epoch.');
  }
  const directives = meta.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) {
    throw new Error('_aws.CloudWatchMetrics must list at least one directive.');
  }
  const extracted: ExtractedMetric[] = [];
  for (const directive of directives) {
    if (!isRecord(directive)) throw new Error('A directive is an object.');
    const { Namespace: namespace, Dimensions: sets, Metrics: metrics } = directive;
    if (typeof namespace !== 'string' || namespace.length === 0)
      throw new Error('A directive needs a Namespace.');
    if (!Array.isArray(sets) || !Array.isArray(metrics))
      throw new Error('A directive needs Dimensions and Metrics.');
    if (metrics.length === 0 || metrics.length > 100) throw new Error('A directive has 1 to 100 metrics.');
    for (const set of sets) {
      if (!Array.isArray(set) || set.length > 30)
        throw new Error('A dimension set is an array of at most 30 names.');
      const dimensions: Record<string, string> = {};
      for (const name of set) {
        const value = typeof name === 'string' ? line[name] : undefined;
        if (typeof value !== 'string') {
          throw new Error(`Dimension ${String(name)} has no string member in the line.`);
        }
        dimensions[name as string] = value;
      }
      for (const metric of metrics) {
        if (!isRecord(metric) || typeof metric.Name !== 'string') throw new Error('A metric has a Name.');
        const value = line[metric.Name];
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new Error(`Metric ${metric.Name} has no number member in the line.`);
        }
        extracted.push({
          namespace,
          name: metric.Name,
          unit: typeof metric.Unit === 'string' ? metric.Unit : undefined,
          value,
          dimensions,
        });
      }
    }
  }
  return extracted;
}

/** The value of one metric under exactly these dimensions, or undefined when the line has none. */
export function metricValue(
  metrics: readonly ExtractedMetric[],
  name: string,
  dimensions: Readonly<Record<string, string>>,
): number | undefined {
  const wanted = JSON.stringify(Object.entries(dimensions).sort());
  return metrics.find(
    (m) => m.name === name && JSON.stringify(Object.entries(m.dimensions).sort()) === wanted,
  )?.value;
}

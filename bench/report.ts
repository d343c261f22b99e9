/** The bench's result as JSON (the file) and as Markdown tables (the console and the README). */
import type { BudgetLine } from './budget.js';
import type { PackageShare } from './bundles.js';
import type { ColdStartResult } from './cold-start.js';
import type { MachineFacts } from './machine.js';
import type { ThroughputResult } from './throughput.js';
import type { WarmResult } from './warm.js';

/** Everything one `npm run bench` measured. The JSON file holds exactly this. */
export interface BenchResult {
  readonly schema: 1;
  readonly measuredAt: string;
  readonly machine: MachineFacts;
  readonly settings: {
    readonly runs: number;
    readonly requests: number;
    readonly concurrency: readonly number[];
  };
  readonly bundle: {
    readonly tuned: {
      readonly rawBytes: number;
      readonly gzipBytes: number;
      readonly packages: readonly PackageShare[];
    };
    readonly baseline: { readonly rawBytes: number; readonly gzipBytes: number };
  };
  readonly coldStart: ColdStartResult;
  readonly warm: WarmResult;
  readonly throughput: ThroughputResult;
  readonly memory: {
    /** The budget's figure: a tuned cold start's peak (median): load and first request. */
    readonly peakRssMiB: number;
    readonly coldStartTunedMiB: number;
    readonly coldStartBaselineMiB: number;
    /** The process that loaded the tuned bundle and served the concurrency-1 level. */
    readonly sequentialServingMiB: number;
    readonly warmHarnessMiB: number;
  };
  readonly budget: readonly BudgetLine[];
  readonly pass: boolean;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const times = (value: number): string => `${value.toFixed(2)}×`;

/**
 * The result as Markdown: machine, bundle, cold start, warm, throughput, memory, budget.
 *
 * @example
 * console.log(formatReport(result));
 */
export function formatReport(result: BenchResult): string {
  const { machine, bundle, coldStart: cold, warm, throughput, memory } = result;
  const sections: string[] = [];
  sections.push(
    `Measured ${result.measuredAt} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `${machine.os}, measured processes on Node ${machine.node}; ${result.settings.runs} cold starts of each bundle, ` +
      `${result.settings.requests} requests per warm size and throughput level.`,
  );

  sections.push(
    `**Bundle** (the receiver as the stack deploys it; baseline: CommonJS, SDK inside, no tuning)\n\n${table(
      ['', 'raw', 'gzip'],
      [
        ['tuned', kb(bundle.tuned.rawBytes), kb(bundle.tuned.gzipBytes)],
        ['baseline', kb(bundle.baseline.rawBytes), kb(bundle.baseline.gzipBytes)],
        [
          'ratio',
          times(bundle.tuned.rawBytes / bundle.baseline.rawBytes),
          times(bundle.tuned.gzipBytes / bundle.baseline.gzipBytes),
        ],
      ],
    )}\n\nLargest parts of the tuned bundle: ${bundle.tuned.packages
      .slice(0, 6)
      .map((p) => `${p.name} ${kb(p.bytes)}`)
      .join(', ')}.`,
  );

  sections.push(
    `**Cold start** (fresh \`node\` process, median of ${cold.runs} interleaved rounds; load = import + init, incl. the secret prefetch; paired ratio = median over the rounds of tuned / baseline)\n\n${table(
      ['', 'load', 'first request', 'load + first request', 'node boot (not ours)'],
      [
        [
          'tuned',
          ms(cold.tuned.loadMs.median),
          ms(cold.tuned.firstRequestMs.median),
          ms(cold.tuned.loadAndFirstMs.median),
          ms(cold.tuned.bootMs.median),
        ],
        [
          'baseline',
          ms(cold.baseline.loadMs.median),
          ms(cold.baseline.firstRequestMs.median),
          ms(cold.baseline.loadAndFirstMs.median),
          ms(cold.baseline.bootMs.median),
        ],
        ['floor (hello-world module)', ms(cold.floor.loadMs.median), '', '', ms(cold.floor.bootMs.median)],
        [
          'ratio (paired)',
          times(cold.ratio.load),
          times(cold.ratio.firstRequest),
          times(cold.ratio.loadAndFirst),
          '',
        ],
        [
          'ratio of medians',
          times(cold.ratioOfMedians.load),
          '',
          times(cold.ratioOfMedians.loadAndFirst),
          '',
        ],
      ],
    )}\n\nThe tuned bundle loads ${ms(cold.aboveFloorMs)} above the floor, a handler that does nothing, bundled and loaded the same way in the same rounds: no receiver loads faster than the floor.`,
  );

  sections.push(
    `**Warm** (CPU per request in one process, real SDK clients answered instantly in-process)\n\n${table(
      ['body', 'CPU p50', 'CPU p99', 'requests'],
      warm.sizes.map((s) => [
        s.label,
        `${s.cpuMs.p50.toFixed(2)} ms`,
        `${s.cpuMs.p99.toFixed(2)} ms`,
        String(s.requests),
      ]),
    )}`,
  );

  const parties = [...new Set(throughput.levels.flatMap((level) => Object.keys(level.cores)))];
  sections.push(
    `**Throughput** (2 KB events end to end against the emulators; CPU in cores busy; instant = the same with AWS answered in-process)\n\n${table(
      [
        'concurrency',
        'req/s',
        'instant req/s',
        'latency p50',
        'latency p99',
        ...parties.map((p) => `CPU ${p}`),
        'peak RSS',
        'bottleneck',
      ],
      throughput.levels.map((level) => [
        String(level.concurrency),
        String(level.rps),
        String(warm.instantRps[String(level.concurrency)] ?? '—'),
        ms(level.latencyMs.p50),
        ms(level.latencyMs.p99),
        ...parties.map((p) => (level.cores[p] === undefined ? '—' : (level.cores[p] ?? 0).toFixed(2))),
        `${level.peakRssMiB.toFixed(1)} MB`,
        level.bottleneck,
      ]),
    )}`,
  );

  sections.push(
    `**Memory** (peak RSS)\n\n${table(
      ['process', 'peak RSS'],
      [
        ['cold start, tuned (median; the budget line)', `${memory.coldStartTunedMiB.toFixed(1)} MB`],
        ['cold start, baseline (median)', `${memory.coldStartBaselineMiB.toFixed(1)} MB`],
        [
          'tuned, serving one request at a time, as a sandbox does',
          `${memory.sequentialServingMiB.toFixed(1)} MB`,
        ],
        ['warm harness (up to 1 MB bodies)', `${memory.warmHarnessMiB.toFixed(1)} MB`],
      ],
    )}`,
  );

  sections.push(
    `**Budget**\n\n${table(
      ['line', 'limit', 'measured', ''],
      result.budget.map((line) => [
        line.name,
        line.unit === '×' ? `≤ ${line.limit}×` : `≤ ${line.limit} ${line.unit}`,
        line.unit === '×' ? `${line.actual.toFixed(2)}×` : `${line.actual} ${line.unit}`,
        line.pass ? 'pass' : 'FAIL',
      ]),
    )}`,
  );
  return sections.join('\n\n');
}

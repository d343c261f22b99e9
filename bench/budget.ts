/** The performance budget on this machine, and the verdict on one bench result. */

export const KIB = 1024;
export const MIB = 1024 * 1024;

/** One line of the budget, with what was measured against it. */
export interface BudgetLine {
  readonly name: string;
  readonly limit: number;
  readonly actual: number;
  readonly unit: 'KB' | 'ms' | 'MB' | '×';
  readonly pass: boolean;
}

export interface BudgetInput {
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly loadRatio: number;
  readonly warmCpuMsAt2KB: number;
  readonly peakRssMiB: number;
}

/**
 * The budget (issue 14): room in the bundle for the SDK's own clients, a cold load at most half
 * the naive bundle's, and the warm and memory lines as before. "Load + first request" is no line:
 * the baseline shares the source, so the first request costs the same in both and no bundling can
 * halve it. The floor (a hello-world module loaded the same way) is reported beside, not judged.
 */
const LIMITS = {
  rawKB: 300,
  gzipKB: 95,
  loadRatio: 0.5,
  warmCpuMs: 3.5,
  peakRssMB: 80,
} as const;

/**
 * Each budget line with its verdict. KB and MB are 1,024 and 1,048,576 bytes, as esbuild and Node
 * report them; ratios are the tuned bundle's median over the baseline's.
 *
 * @example
 * checkBudget({ rawBytes: 250_000, gzipBytes: 78_000, loadRatio: 0.4, warmCpuMsAt2KB: 1, peakRssMiB: 70 })
 *   .every((line) => line.pass); // true
 */
export function checkBudget(input: BudgetInput): BudgetLine[] {
  const line = (name: string, limit: number, actual: number, unit: BudgetLine['unit']): BudgetLine => ({
    name,
    limit,
    actual,
    unit,
    pass: actual <= limit,
  });
  return [
    line('bundle size', LIMITS.rawKB, round1(input.rawBytes / KIB), 'KB'),
    line('bundle size, gzip', LIMITS.gzipKB, round1(input.gzipBytes / KIB), 'KB'),
    line('cold load vs baseline', LIMITS.loadRatio, input.loadRatio, '×'),
    line('warm CPU per request, 2 KB (p50)', LIMITS.warmCpuMs, input.warmCpuMsAt2KB, 'ms'),
    line('peak RSS', LIMITS.peakRssMB, input.peakRssMiB, 'MB'),
  ];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

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
  readonly loadAndFirstRatio: number;
  readonly warmCpuMsAt2KB: number;
  readonly peakRssMiB: number;
}

const LIMITS = {
  rawKB: 230,
  gzipKB: 75,
  loadRatio: 0.5,
  loadAndFirstRatio: 0.65,
  warmCpuMs: 3.5,
  peakRssMB: 80,
} as const;

/**
 * Each budget line with its verdict. KB and MB are 1,024 and 1,048,576 bytes, as esbuild and Node
 * report them; ratios are the tuned bundle's median over the baseline's.
 *
 * @example
 * checkBudget({ rawBytes: 220_000, gzipBytes: 68_000, loadRatio: 0.4, loadAndFirstRatio: 0.6, warmCpuMsAt2KB: 1, peakRssMiB: 70 })
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
    line('load + first request vs baseline', LIMITS.loadAndFirstRatio, input.loadAndFirstRatio, '×'),
    line('warm CPU per request, 2 KB (p50)', LIMITS.warmCpuMs, input.warmCpuMsAt2KB, 'ms'),
    line('peak RSS', LIMITS.peakRssMB, input.peakRssMiB, 'MB'),
  ];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

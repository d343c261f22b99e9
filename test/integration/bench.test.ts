/**
 * `npm run bench` end to end on a tiny setting, against the emulators of the global setup. Not a
 * measurement: nothing here looks at a time. It checks the bench runs, measures every section, and
 * that its exit status matches its own budget verdict.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/report.js';
import { emulatorEndpoints } from '../support/aws-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 2;
const REQUESTS = 20;

let exitCode: number | null;
let stdout = '';
let stderr = '';
let result: BenchResult;

beforeAll(async () => {
  const { dynamodb, moto } = emulatorEndpoints();
  const out = join(mkdtempSync(join(tmpdir(), 'bench-test-')), 'latest.json');
  const args = [
    '--runs',
    String(RUNS),
    '--requests',
    String(REQUESTS),
    '--dynamodb',
    dynamodb,
    '--moto',
    moto,
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args, '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  exitCode = await new Promise((resolve) => child.once('close', resolve));
  if (exitCode !== 0 && exitCode !== 1) throw new Error(`The bench failed (exit ${exitCode}):\n${stderr}`);
  result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
}, 300_000);

describe('npm run bench', () => {
  it('exits 0 when every budget line passes and 1 when one misses, as its JSON says', () => {
    expect(result.pass).toBe(result.budget.every((line) => line.pass));
    expect(exitCode).toBe(result.pass ? 0 : 1);
    expect(result.budget.map((line) => line.name)).toEqual([
      'bundle size',
      'bundle size, gzip',
      'cold load vs baseline',
      'warm CPU per request, 2 KB (p50)',
      'peak RSS',
    ]);
  });

  it('prints the tables and the machine they came from', () => {
    for (const heading of [
      '**Bundle**',
      '**Cold start**',
      '**Warm**',
      '**Throughput**',
      '**Memory**',
      '**Budget**',
    ]) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toContain(result.machine.cpu);
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.machine.node).toBe(process.version);
    expect(result.settings).toMatchObject({ runs: RUNS, requests: REQUESTS, concurrency: [1, 8, 32] });
  });

  it('sizes the tuned bundle below the baseline and says what it is made of', () => {
    const { tuned, baseline } = result.bundle;
    expect(tuned.gzipBytes).toBeLessThan(tuned.rawBytes);
    expect(tuned.rawBytes).toBeLessThan(baseline.rawBytes);
    expect(tuned.packages.map((p) => p.name)).toContain('(ours)');
    expect(tuned.packages.map((p) => p.name)).not.toContain('@aws-sdk/credential-provider-node');
  });

  it('takes every cold-start figure over all runs of both bundles', () => {
    for (const side of [result.coldStart.tuned, result.coldStart.baseline]) {
      for (const figure of [side.loadMs, side.firstRequestMs, side.loadAndFirstMs, side.peakRssMiB]) {
        expect(figure.n).toBe(RUNS);
        expect(figure.min).toBeLessThanOrEqual(figure.median);
      }
    }
    const { ratio, ratioOfMedians, tuned, baseline } = result.coldStart;
    expect(Number.isFinite(ratio.load)).toBe(true);
    expect(Number.isFinite(ratio.loadAndFirst)).toBe(true);
    expect(ratioOfMedians.load).toBeCloseTo(tuned.loadMs.median / baseline.loadMs.median, 2);
    // The floor is loaded in the same rounds, and our load is reported above it.
    expect(result.coldStart.floor.loadMs.n).toBe(RUNS);
    expect(result.coldStart.aboveFloorMs).toBeCloseTo(
      tuned.loadMs.median - result.coldStart.floor.loadMs.median,
      1,
    );
    // The budget judges the paired ratios.
    expect(result.budget.find((line) => line.name === 'cold load vs baseline')?.actual).toBe(ratio.load);
  });

  it('runs the real handler for every warm request: one claim, one publish, one completion each', () => {
    expect(result.warm.sizes.map((size) => [size.label, size.requests])).toEqual([
      ['2 KB', REQUESTS],
      ['64 KB', REQUESTS],
      ['1 MB', REQUESTS],
    ]);
    // Per size a warm-up of 20 and REQUESTS measured; then REQUESTS per instant concurrency level.
    const handled = 3 * (20 + REQUESTS) + 3 * REQUESTS;
    expect(result.warm.calls).toMatchObject({
      'DynamoDB_20120810.PutItem': handled,
      'AWSEvents.PutEvents': handled,
      'DynamoDB_20120810.UpdateItem': handled,
    });
    // The secret is read once, at init, through the SDK like every other call.
    expect(result.warm.calls['secretsmanager.GetSecretValue']).toBe(1);
  });

  it('measures throughput at each concurrency level and names what limits it', () => {
    expect(result.throughput.levels.map((level) => [level.concurrency, level.requests])).toEqual([
      [1, REQUESTS],
      [8, REQUESTS],
      [32, REQUESTS],
    ]);
    for (const level of result.throughput.levels) {
      expect(level.rps).toBeGreaterThan(0);
      expect(level.bottleneck).not.toBe('');
      expect(Object.keys(level.cores)).toContain('receiver');
    }
    expect(Object.keys(result.warm.instantRps).sort()).toEqual(['1', '32', '8']);
  });

  it('reports peak RSS, the budget taking a cold start and the sequential server shown beside it', () => {
    const { memory } = result;
    expect(memory.peakRssMiB).toBe(memory.coldStartTunedMiB);
    expect(memory.sequentialServingMiB).toBe(result.throughput.levels[0]?.peakRssMiB);
    expect(memory.warmHarnessMiB).toBeGreaterThan(0);
  });
});

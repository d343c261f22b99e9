/**
 * `npm run soak [-- --events N --fault-rate 0.03 --concurrency 8 --seed 1]`: the long soak. Starts
 * DynamoDB Local and moto, runs the provider simulator through the real handler with faults
 * injected, prints one summary line and exits non-zero if anything was lost or published twice
 * outside the documented window.
 */
import { parseArgs } from 'node:util';
import { requireTools, startDynamoDbLocal, startMoto } from '../../local/emulators.js';
import { runSoak, summaryLine } from './soak-run.js';

const USAGE = `Usage: npm run soak -- [--events N] [--fault-rate R] [--concurrency C] [--seed S]

  --events N        events to send (default 10000; 10% are also sent as duplicates)
  --fault-rate R    chance a DynamoDB or EventBridge request fails (default 0.03)
  --concurrency C   requests in flight at once (default 8)
  --seed S          seed for shuffling and duplicates (default 1)`;

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    console.error(
      `--${name} must be a number from ${min} to ${max} (got ${JSON.stringify(value)}).\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return parsed;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        events: { type: 'string' },
        'fault-rate': { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}

await requireTools();
const [dynamodb, moto] = await Promise.all([startDynamoDbLocal(), startMoto()]);
let exitCode = 1;
try {
  const started = performance.now();
  const result = await runSoak({
    events: number(values.events, 'events', 10_000, 1, 1_000_000),
    faultRate: number(values['fault-rate'], 'fault-rate', 0.03, 0, 0.5),
    concurrency: number(values.concurrency, 'concurrency', 8, 1, 256),
    seed: number(values.seed, 'seed', 1, 0, 2 ** 31),
    endpoints: { dynamodb: dynamodb.endpoint, moto: moto.endpoint },
  });
  console.log(summaryLine(result));
  console.log(
    `  answers: ${JSON.stringify(result.report.byStatus)}; faults: ${JSON.stringify(result.faults)}`,
  );
  console.log(`  took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  exitCode = result.lost === 0 && result.publishedTwice === 0 && result.report.gaveUp === 0 ? 0 : 1;
} finally {
  await Promise.all([dynamodb.stop(), moto.stop()]);
}
process.exit(exitCode);

/**
 * `npm run bench`: runs the bench, prints its Markdown tables and writes its JSON. Exit status: 0
 * every budget met, 1 a budget missed, 2 the bench itself failed (or a bad command line).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BenchOptions, parseBenchOptions, USAGE, UsageError } from './options.js';
import { formatReport } from './report.js';
import { runBench } from './run.js';

async function main(): Promise<number> {
  // The bench's own SDK clients (creating the emulators' resources) need not warn about Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const result = await runBench(options);
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(formatReport(result));
  console.log(`\nWritten to ${options.out}.`);
  if (!result.pass) {
    const missed = result.budget.filter((line) => !line.pass).map((line) => line.name);
    console.log(`Budget missed: ${missed.join(', ')}.`);
  }
  return result.pass ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);

/**
 * The receiver in a process of its own, behind the local function URL server, so a test can kill
 * it mid-invocation the way Lambda loses a crashed execution environment. Runs the bundle at
 * `RECEIVER_BUNDLE` (see `receiver-bundle.ts`), configured like the Lambda function, by
 * environment, and invoked with a Lambda-like context (a 10 s timeout); prints `READY <url>` on
 * stderr when it serves.
 *
 * `CLOCK_OFFSET_MS` moves this process's clock (Date.now) ahead: a retry that ComplyCube would
 * send minutes later runs in a new process that lives minutes later.
 */
import { pathToFileURL } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

const offset = Number(process.env.CLOCK_OFFSET_MS ?? '0');
if (Number.isFinite(offset) && offset !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

const bundle = process.env.RECEIVER_BUNDLE;
if (bundle === undefined) throw new Error('RECEIVER_BUNDLE must name the receiver bundle to run.');
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (
    event: LambdaFunctionURLEvent,
    context: { awsRequestId: string; getRemainingTimeInMillis(): number },
  ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
};
const { startFunctionUrlServer } = await import('../../local/function-url-server.js');
let invocations = 0;
const server = await startFunctionUrlServer((event) => {
  const endsAt = performance.now() + 10_000;
  invocations += 1;
  return handler(event, {
    awsRequestId: `child-${invocations}`,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(endsAt - performance.now())),
  });
});
process.stderr.write(`READY ${server.url}\n`);

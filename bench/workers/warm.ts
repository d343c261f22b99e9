/**
 * Bench worker: CPU per request of the receiver and the AWS SDK, with nothing else in the way.
 *
 * This is the real `functions/receiver/handler.ts`, bundled with the stack's esbuild options and
 * substitutes plus one more: `@smithy/node-http-handler` is replaced by `instant-aws.ts`, so every
 * SDK client the handler builds answers at once, in-process, with what the service says on
 * success. A request thus runs all of our code and all of the SDK's, and no network. Writes its
 * measurements to fd 3 as JSON.
 */
import { writeSync } from 'node:fs';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { ComplyCubeEvent } from '../../fixtures/complycube.js';
import type { FunctionUrlResponse } from '../../functions/receiver/function-url.js';
import { sizedEvents } from '../events.js';
import { answered, answerWith } from './instant-aws.js';

export interface WarmInput {
  readonly base: ComplyCubeEvent;
  readonly secret: string;
  readonly sizes: readonly { readonly label: string; readonly bytes: number }[];
  readonly warmup: number;
  readonly requests: number;
  /** Concurrency levels for the throughput ceiling with instant AWS, 2 KB bodies. */
  readonly concurrency: readonly number[];
}

export interface WarmSize {
  readonly label: string;
  readonly bytes: number;
  /** Process CPU time (user + system) of each measured request, ms. */
  readonly cpuMs: readonly number[];
}

export interface InstantLevel {
  readonly concurrency: number;
  readonly requests: number;
  readonly seconds: number;
}

export interface WarmSample {
  readonly sizes: readonly WarmSize[];
  readonly instant: readonly InstantLevel[];
  /** Calls the receiver made to each AWS operation. */
  readonly calls: Readonly<Record<string, number>>;
  readonly peakRssBytes: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as WarmInput;
// The secret is read once at init, through the SDK like every other call.
answerWith({
  'secretsmanager.GetSecretValue': JSON.stringify({ Name: 'bench', SecretString: input.secret }),
  'DynamoDB_20120810.PutItem': '{}',
  'DynamoDB_20120810.UpdateItem': '{}',
  'AWSEvents.PutEvents': JSON.stringify({
    FailedEntryCount: 0,
    Entries: [{ EventId: '11111111-2222-3333-4444-555555555555' }],
  }),
});
// Loaded only now, with the answers in place: the handler fetches its secret at load.
const { handler } = await import('../../functions/receiver/handler.js');

let requestCount = 0;

async function handle(event: LambdaFunctionURLEvent): Promise<void> {
  requestCount += 1;
  const response: FunctionUrlResponse = await handler(event, lambdaContext(`bench-${requestCount}`));
  if (response.statusCode !== 200 || !response.body.includes('"accepted"')) {
    throw new Error(`A new signed event was not accepted: ${response.statusCode} ${response.body}`);
  }
}

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const sizes: WarmSize[] = [];
for (const size of input.sizes) {
  const next = sizedEvents(input.base, size.bytes, input.secret);
  for (let i = 0; i < input.warmup; i++) await handle(next());
  const cpuMs: number[] = [];
  for (let i = 0; i < input.requests; i++) {
    // The event is made (and signed) outside the measured window.
    const event = next();
    const before = process.cpuUsage();
    await handle(event);
    cpuMs.push(cpuMsSince(before));
  }
  sizes.push({ label: size.label, bytes: size.bytes, cpuMs });
}

const instant: InstantLevel[] = [];
const small = sizedEvents(input.base, 2 * 1024, input.secret);
for (const concurrency of input.concurrency) {
  const events = Array.from({ length: input.requests }, small);
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let event = events.pop(); event !== undefined; event = events.pop()) await handle(event);
    }),
  );
  instant.push({ concurrency, requests: input.requests, seconds: (performance.now() - begun) / 1000 });
}

const result: WarmSample = {
  sizes,
  instant,
  calls: Object.fromEntries(answered),
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
};
writeSync(3, JSON.stringify(result));

/** What Lambda passes with each invocation: the receiver's deadline comes from it (a 10 s timeout). */
function lambdaContext(awsRequestId: string): { awsRequestId: string; getRemainingTimeInMillis(): number } {
  const endsAt = performance.now() + 10_000;
  return { awsRequestId, getRemainingTimeInMillis: () => Math.round(endsAt - performance.now()) };
}

/**
 * Global setup of the `integration` project: checks the tools, starts DynamoDB Local and moto on
 * loopback in parallel, and hands their endpoints to the test files (`inject`, see
 * `test/support/aws-env.ts`). Teardown stops both.
 */
import type { TestProject } from 'vitest/node';
import { type RunningEmulator, requireTools, startDynamoDbLocal, startMoto } from '../../local/emulators.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local, e.g. `http://127.0.0.1:41234`. */
    dynamodbEndpoint: string;
    /** moto's server (EventBridge, SQS, Secrets Manager), e.g. `http://127.0.0.1:41235`. */
    motoEndpoint: string;
  }
}

let running: RunningEmulator[] = [];

export async function setup(project: TestProject): Promise<void> {
  await requireTools();
  const started = performance.now();
  const [dynamodb, moto] = await Promise.allSettled([timed(startDynamoDbLocal), timed(startMoto)]);
  running = [dynamodb, moto].flatMap((result) =>
    result.status === 'fulfilled' ? [result.value.emulator] : [],
  );
  if (dynamodb.status === 'rejected' || moto.status === 'rejected') {
    await teardown();
    const reasons = [dynamodb, moto].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    throw reasons.length === 1 ? reasons[0] : new AggregateError(reasons, 'Could not start the emulators.');
  }
  project.provide('dynamodbEndpoint', dynamodb.value.emulator.endpoint);
  project.provide('motoEndpoint', moto.value.emulator.endpoint);
  console.info(
    `[integration] emulators ready in ${seconds(performance.now() - started)}: ` +
      `DynamoDB Local ${dynamodb.value.emulator.endpoint} (${seconds(dynamodb.value.ms)}), ` +
      `moto ${moto.value.emulator.endpoint} (${seconds(moto.value.ms)})`,
  );
}

export async function teardown(): Promise<void> {
  const stopping = running;
  running = [];
  await Promise.all(stopping.map((emulator) => emulator.stop()));
}

async function timed(
  start: () => Promise<RunningEmulator>,
): Promise<{ emulator: RunningEmulator; ms: number }> {
  const begun = performance.now();
  const emulator = await start();
  return { emulator, ms: performance.now() - begun };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
